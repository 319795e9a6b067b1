"""Uploaded images and files, and the posts, pages and blurbs that link to them."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from blog import uploads
from blog.models.blurbs import Blurb
from blog.models.pages import Page
from blog.models.posts import Post
from blog.rendering import ImageSource


class UploadQuerySet(models.QuerySet):
    def image_sources(self, text):
        """{url: ImageSource} for the uploaded images `text` links to: what the renderer needs for srcset and sizes."""
        names = uploads.referenced_names(text)
        if not names:
            return {}
        return {upload.url: upload.image_source() for upload in self.filter(kind=Upload.Kind.IMAGE, file__in=names)}


class Upload(models.Model):
    """An image or file the author uploaded, kept through the storage API; images have resized copies."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        FILE = "file", "File"

    file = models.FileField(
        upload_to=uploads.FOLDER,
        max_length=255,
        help_text="Images: JPEG, PNG, GIF or WebP. Files: " + ", ".join(sorted(uploads.FILE_TYPES)) + ".",
    )
    kind = models.CharField(max_length=5, choices=Kind.choices, editable=False)
    original_name = models.CharField(max_length=255, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # [{"name", "width", "height", "type"}]: the resized and WebP copies, made once on upload.
    variants = models.JSONField(default=list, blank=True, editable=False)
    alt_text = models.CharField(
        max_length=300, blank=True, help_text="What the image shows, for readers who cannot see it."
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads",
        help_text="The post it was uploaded for (nothing follows from it: posts use what they link to).",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.original_name or self.file.name

    def save(self, *args, **kwargs):
        if self.pk is not None:  # an upload already stored: only its alt text can change
            return super().save(*args, **kwargs)
        inspected = getattr(self, "_inspected", None) or uploads.inspect(self.file.file)
        written = []
        try:
            content = uploads.without_location(self.file.file, inspected)
            self.original_name = uploads.clean_name(content.name)[:255]
            self.size = content.size
            self.kind, self.width, self.height = inspected.kind, inspected.width, inspected.height
            content.seek(0)
            # Stored here, not by the field on save, so that every name written is known
            # and removed if anything later fails: no orphan files, no half-made rows.
            # Before the transaction: with an object store each write is a network call,
            # and resizing would hold SQLite's write lock all along.
            name = self.file.storage.save(uploads.storage_name(content.name, inspected), content)
            written.append(name)
            self.file = name
            if self.kind == self.Kind.IMAGE:
                self.variants = uploads.make_variants(name, inspected, written)
            with transaction.atomic():
                super().save(*args, **kwargs)
        except BaseException:
            uploads.delete_files(written)
            self.file = None
            raise

    def clean(self):
        if not self.file:
            return
        if self.pk is not None:
            stored = Upload.objects.filter(pk=self.pk).values_list("file", flat=True).first()
            if stored is not None and stored != self.file.name:
                # Posts link to the old name; a new upload gets a new one.
                raise ValidationError({"file": "An upload's file cannot be replaced: upload the new file on its own."})
            return
        try:
            self._inspected = uploads.inspect(self.file.file)
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from None

    @property
    def url(self):
        return self.file.url

    def markdown(self):
        """What the author pastes into a post: ![alt](url) for an image, [name](url) for a file."""
        if self.kind == self.Kind.IMAGE:
            return f"![{_markdown_text(self.alt_text)}]({self.url})"
        return f"[{_markdown_text(self.original_name)}]({self.url})"

    def image_source(self):
        """The renderer's view of this image: its size and the copies a browser may choose from."""
        storage = self.file.storage
        original_type = uploads.image_type(self.file.name)
        candidates = [(storage.url(v["name"]), v["width"], v["type"]) for v in self.variants]
        candidates.append((self.url, self.width, original_type))

        def srcset(content_type):
            return tuple(sorted(((url, width) for url, width, type_ in candidates if type_ == content_type),
                                key=lambda candidate: candidate[1]))  # fmt: skip

        webp = srcset(uploads.WEBP) if original_type != uploads.WEBP else ()
        return ImageSource(width=self.width, height=self.height, srcset=srcset(original_type), webp_srcset=webp)

    def stored_names(self):
        """Every name this upload keeps in the storage: the original and its copies."""
        return [self.file.name, *(variant["name"] for variant in self.variants)]

    def render_users_again(self):
        """Render again the posts, pages and blurbs that link to this upload, saving those whose HTML changes.

        Their save signals say what is stale (blog.changes.content_changed()).
        """
        for user in self.used_by():
            before = [getattr(user, field) for field in user.markdown_fields.values()]
            user.render()
            if [getattr(user, field) for field in user.markdown_fields.values()] != before:
                user.save(update_fields=user.rendered_fields)

    def used_by(self):
        """The posts, standalone pages and blurbs whose Markdown links to this upload."""
        url = self.url
        posts = Post.objects.filter(models.Q(body__contains=url) | models.Q(summary__contains=url))
        return [
            *posts.order_by("title"),
            *Page.objects.filter(body__contains=url).order_by("title"),
            *Blurb.objects.filter(body__contains=url),
        ]


def _markdown_text(text):
    # Brackets would end the link text early.
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
