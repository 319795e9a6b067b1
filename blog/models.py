"""Posts, tags, sidebar blurbs, and the per-month counts the archive shows."""

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.text import slugify

from blog import posthtml, site, uploads
from blog.loaded import KeepsLoadedValues
from blog.rendering import ImageSource, render


class PostQuerySet(models.QuerySet):
    def published(self):
        """Posts the public may see at this moment."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Published posts whose time has not come yet."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())

    def next_publication(self):
        """When the next scheduled post goes public; None when nothing is scheduled."""
        return self.scheduled().order_by("published_at").values_list("published_at", flat=True).first()


# The years a post may be dated in. Its month's end (blog/counts.py), its time
# in UTC and every time zone must stay inside what Python's datetime holds (years
# 1 to 9999): a post dated in December 9999 was a 500 on saving.
POST_YEARS = range(1000, 9999)


class Post(KeepsLoadedValues, models.Model):
    # A moved post changes two months' counts; a renamed one leaves a redirect (blog/signals.py).
    kept_fields = ("published_at", "slug")

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=1000)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField(help_text="Markdown. Fenced code: ```python or ```python models.py")
    body_html = models.TextField(blank=True, editable=False)
    summary = models.TextField(blank=True, help_text="Optional Markdown, used by feeds and lists.")
    summary_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(default=timezone.now, help_text="A time in the future schedules the post.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    tags = models.ManyToManyField("Tag", blank=True, related_name="posts", through="PostTag")
    comments_enabled = models.BooleanField(default=True)
    # Kept by the comments app when comments are approved or removed, so list
    # pages show "N comments" without counting.
    approved_comment_count = models.PositiveIntegerField(default=0, editable=False)
    # Derived from the HTML when it is rendered (blog/posthtml.py), for the page's head and lists.
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    excerpt = models.CharField(max_length=250, blank=True, editable=False, help_text="Plain text for descriptions.")
    lead_image = models.CharField(max_length=500, blank=True, editable=False, help_text="The first image's src.")

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            # The sitemap index's lastmod, the latest public change: with published_at in the index SQLite
            # answers from the index alone, one entry down; without it, it sorted every public post (O(n)).
            models.Index(fields=["status", "-updated_at", "published_at"]),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:200]
        self.render_warnings = self.render()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("blog:post-detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.published_at and self.published_at.year not in POST_YEARS:
            raise ValidationError(
                {"published_at": f"Choose a date between the years {POST_YEARS[0]} and {POST_YEARS[-1]}."}
            )

    def get_source_url(self):
        return reverse("blog:post-source", kwargs={"slug": self.slug})

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def comments_open(self):
        """Whether readers may comment now: open on the site and on this post, and not closed by age."""
        policy = site.current()
        if not (policy.comments_open and self.comments_enabled):
            return False
        days = policy.comments_close_after_days
        return not days or self.published_at > timezone.now() - timedelta(days=days)

    def render(self):
        """Render body and summary; returns the renderer's warnings."""
        images = Upload.objects.image_sources(f"{self.body}\n{self.summary}")
        body = render(self.body, id_prefix=self.slug, images=images)
        summary = render(self.summary, id_prefix=f"{self.slug}-summary", images=images) if self.summary else None
        self.body_html = body.html
        self.summary_html = summary.html if summary else ""
        self.describe()
        return body.warnings + (summary.warnings if summary else [])

    def author_name(self):
        """The name feeds and sharing tags give the post: its author's full name, else the site's byline."""
        if self.author_id and self.author.get_full_name():
            return self.author.get_full_name()
        return site.current().byline

    def describe(self):
        """Set what sharing and lists show from the rendered HTML: reading time, excerpt, lead image."""
        self.reading_minutes, self.excerpt, self.lead_image = posthtml.describe(self.body_html, self.summary_html)


class TagQuerySet(models.QuerySet):
    def with_public_counts(self):
        """Tags with `post_count`: how many posts the public may see now.

        The stored count includes scheduled posts (it changes only when posts
        are written); the few scheduled ones are subtracted here, so the
        figure is right the moment a scheduled post goes public.
        """
        tags = list(self)
        scheduled = scheduled_posts_per_tag()
        for tag in tags:
            tag.post_count = tag.published_post_count - scheduled.get(tag.pk, 0)
        return tags

    def in_use(self):
        """The tags some public post carries, with `post_count` (see with_public_counts), in the queryset's order."""
        return [tag for tag in self.with_public_counts() if tag.post_count > 0]

    def named(self, name):
        """The tag called `name`, ignoring case: `python` is `Python`, while `C#` is not `C++`.

        Both sides go through the database's own LOWER(), the function of the
        unique constraint, so a name found absent here can be created.
        """
        return self.alias(lower_name=Lower("name")).filter(lower_name=Lower(models.Value(name)))

    def get_or_create_named(self, name, defaults=None):
        """(tag, created): the tag called `name` in any case, or a new one with a slug of its own."""
        tag = self.named(name).first()
        if tag is not None:
            return tag, False
        try:
            with transaction.atomic():
                return self.create(name=name, **(defaults or {})), True
        except IntegrityError:
            # Someone else created it meanwhile; anything else is a real error.
            tag = self.named(name).first()
            if tag is None:
                raise
            return tag, False


def scheduled_posts_per_tag():
    """{tag id: scheduled posts carrying it}: few rows, found through the posts' status index."""
    rows = (
        Post.tags.through.objects.filter(post__in=Post.objects.scheduled())
        .values("tag_id")
        .annotate(n=models.Count("*"))
        .values_list("tag_id", "n")
    )
    return dict(rows)


# Symbols that tell programming tags apart (C, C++, C#, F#): spelled out in slugs,
# so /tag/c-sharp/ says what it holds, where slugify() alone would make them all "c".
_SLUG_WORDS = str.maketrans({"+": " plus ", "#": " sharp ", "&": " and "})
SLUG_MAX = 60


def tag_slug(name):
    """The slug a new tag called `name` would start from: `C++` -> `c-plus-plus`, `C#` -> `c-sharp`."""
    return slugify(name.translate(_SLUG_WORDS))[:SLUG_MAX].strip("-")


def unique_tag_slug(name):
    """tag_slug(name), or with -2, -3... (WordPress's way) if another tag has it: never an existing tag's slug."""
    base = tag_slug(name) or "tag"  # a name of no ASCII letters or digits still needs a URL
    taken = set(Tag.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return slug


class Tag(KeepsLoadedValues, models.Model):
    # A renamed tag is renamed in its posts' search entries (blog/signals.py).
    kept_fields = ("name",)

    # Unique ignoring case (Meta.constraints): two spellings of one name are one tag.
    name = models.CharField(max_length=60)
    # A URL: set once when the tag is made (unique_tag_slug) and never changed by a rename.
    slug = models.SlugField(max_length=SLUG_MAX, unique=True)
    featured = models.BooleanField(default=False, help_text='Listed under "Stuff I Use".')
    # Published posts carrying the tag, scheduled ones included (blog/counts.py
    # keeps it when posts are written): counting on every page grows with the blog.
    published_post_count = models.PositiveIntegerField(default=0, editable=False)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="blog_tag_name_unique_ignoring_case",
                violation_error_message="A tag with this name already exists (names are compared ignoring case).",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_tag_slug(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("blog:tag-detail", kwargs={"slug": self.slug})


class PostTag(models.Model):
    """A tag on a post: the table Django made for Post.tags, named, so that the admin's delete pages read.

    Django's own row was "Post_tags object (31)" there (migration 0009 changes
    no table).
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "blog_post_tags"
        unique_together = [("post", "tag")]
        verbose_name = "tag on a post"
        verbose_name_plural = "tags on posts"

    def __str__(self):
        return f"“{self.tag}” on “{self.post}”"


class ArchiveMonthQuerySet(models.QuerySet):
    def with_public_counts(self):
        """Months with `post_count` public posts now, newest first; empty months left out."""
        months = list(self.order_by("-month"))
        moments = Post.objects.scheduled().values_list("published_at", flat=True)
        scheduled = Counter(month_of(moment) for moment in moments)
        for month in months:
            month.post_count = month.published_post_count - scheduled[month.month]
        return [month for month in months if month.post_count > 0]


def month_of(moment):
    """The first day of the month a moment falls in, in the site's time zone."""
    return timezone.localtime(moment).date().replace(day=1)


def month_bounds(first_day):
    """(start, end) of the month that begins on first_day: aware moments in the site's time zone, end excluded."""
    tz = timezone.get_current_timezone()
    following = (first_day.year + first_day.month // 12, first_day.month % 12 + 1)
    return (
        timezone.make_aware(datetime(first_day.year, first_day.month, 1), tz),
        timezone.make_aware(datetime(*following, 1), tz),
    )


class ArchiveMonth(models.Model):
    """Published posts per month (scheduled ones included), kept by blog/counts.py for the archive pages."""

    month = models.DateField(primary_key=True, help_text="The first day of the month, in the site's time zone.")
    published_post_count = models.PositiveIntegerField(default=0)

    objects = ArchiveMonthQuerySet.as_manager()

    class Meta:
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%B %Y}: {self.published_post_count}"

    def get_absolute_url(self):
        return reverse("blog:archive-month", kwargs={"year": self.month.year, "month": self.month.month})


class BlurbQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(visible=True)


class Blurb(models.Model):
    """A sidebar block the author edits: About Me, Book, Colophon..."""

    title = models.CharField(max_length=100)
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0)
    visible = models.BooleanField(default=True)

    objects = BlurbQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.render_warnings = self.render()
        super().save(*args, **kwargs)

    def render(self):
        """Render the body; returns the renderer's warnings."""
        images = Upload.objects.image_sources(self.body)
        rendered = render(self.body, id_prefix=f"blurb-{slugify(self.title)}", images=images)
        self.body_html = rendered.html
        return rendered.warnings


class PageQuerySet(models.QuerySet):
    def published(self):
        """Pages the public may see."""
        return self.filter(status=Page.Status.PUBLISHED)

    def in_navigation(self):
        """The published pages the header links to, in the author's order."""
        return self.published().filter(in_navigation=True).order_by("position", "title", "id")


# Paths the site answers itself, or that nginx serves: a page there would be shadowed or would shadow them.
RESERVED_PAGE_SLUGS = frozenset(
    {"admin", "feeds", "feed", "post", "posts", "tag", "tags", "page", "archive", "search", "static", "media",
     "uploads", "sitemap", "robots", "healthz", "comments", "preview", "api"}
)  # fmt: skip


def _answered(slug):
    """Whether /slug/ is a URL of the site's own, not a page's: a page there would never be reached."""
    try:
        match = resolve(f"/{slug}/")
    except Resolver404:
        return False
    return match.view_name != "blog:page-detail"


class Page(KeepsLoadedValues, models.Model):
    """A standalone page (About, Now, Uses) at /<slug>/, in Markdown, optionally linked from the header."""

    # A renamed page leaves a redirect (blog/signals.py).
    kept_fields = ("slug",)

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=1000)
    slug = models.SlugField(max_length=100, unique=True, help_text="The page lives at /slug/.")
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    in_navigation = models.BooleanField("in navigation", default=True, help_text="Linked from every page's header.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the navigation, smallest first.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title", "id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:100]
        self.render_warnings = self.render()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("blog:page-detail", kwargs={"slug": self.slug})

    def render(self):
        """Render the body; returns the renderer's warnings."""
        rendered = render(self.body, id_prefix=f"page-{self.slug}", images=Upload.objects.image_sources(self.body))
        self.body_html = rendered.html
        return rendered.warnings

    def clean(self):
        if self.slug and (self.slug.lower() in RESERVED_PAGE_SLUGS or self.slug.isdigit() or _answered(self.slug)):
            raise ValidationError(
                {"slug": f"/{self.slug}/ is one of the site's own addresses (or an old post number); choose another."}
            )

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED

    @property
    def excerpt(self):
        return posthtml.description(self.body_html)


class RedirectQuerySet(models.QuerySet):
    def record(self, old_path, *, post=None, page=None, new_path=""):
        """Make old_path answer 301 to the post, the page or new_path; returns (redirect, changed).

        Chains collapse: a post or page target follows its current slug by
        itself, and rows that pointed at old_path as a path now point at
        the new target, so no reader is sent through two redirects.
        """
        target = {"post": post, "page": page, "new_path": "" if post or page else new_path}
        self.filter(new_path=old_path).update(**target)
        redirect, created = self.get_or_create(old_path=old_path, defaults=target)
        if created:
            return redirect, True
        wanted = (post.pk if post else None, page.pk if page else None, target["new_path"])
        if (redirect.post_id, redirect.page_id, redirect.new_path) == wanted:
            return redirect, False
        for name, value in target.items():
            setattr(redirect, name, value)
        redirect.save(update_fields=["post", "page", "new_path"])
        return redirect, True

    def leading_somewhere(self, paths):
        """The first of `paths` in the table, if it leads somewhere now (a path, a public post or page); else None."""
        found = {
            redirect.old_path: redirect for redirect in self.filter(old_path__in=paths).select_related("post", "page")
        }
        for path in paths:
            redirect = found.get(path)
            if redirect is not None:
                # A draft's old address tells nothing, not even its new slug.
                leads_to = redirect.post or redirect.page
                return redirect if leads_to is None or leads_to.is_public else None
        return None


class Redirect(models.Model):
    """An old address (a WordPress permalink, a slug changed in the admin) that answers 301 to where it lives now.

    Consulted only for requests that would otherwise be a 404, and for the
    front page with exactly `?p=ID` (blog/middleware.py): never in front of a
    live URL.
    """

    old_path = models.CharField(
        max_length=500, unique=True, help_text="The path as requested, decoded: /2010/05/hello/ or /?p=12."
    )
    # A post or page, not its URL: the redirect follows later slug changes by itself, and a draft's stays silent.
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="redirects")
    page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.CASCADE, related_name="redirects")
    new_path = models.CharField(max_length=500, blank=True, help_text="Where to send readers when there is no post.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RedirectQuerySet.as_manager()

    class Meta:
        ordering = ["old_path"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(post__isnull=False) & models.Q(page__isnull=True) & models.Q(new_path=""))
                | (models.Q(post__isnull=True) & models.Q(page__isnull=False) & models.Q(new_path=""))
                | (models.Q(post__isnull=True) & models.Q(page__isnull=True) & ~models.Q(new_path="")),
                name="blog_redirect_one_target",
                violation_error_message="A redirect leads to a post, a page or a path: one of them.",
            ),
        ]

    def __str__(self):
        return f"{self.old_path} → {self.target()}"

    def target(self):
        if self.post_id:
            return self.post.get_absolute_url()
        return self.page.get_absolute_url() if self.page_id else self.new_path

    def clean(self):
        # Written by hand in the admin: only to a path of this site, and never into a loop.
        if self.post_id is None and self.page_id is None and self.new_path:
            if not self.new_path.startswith("/") or self.new_path.startswith("//"):
                raise ValidationError({"new_path": "Give a path on this site, starting with a single /."})
            if self.new_path == self.old_path:
                raise ValidationError({"new_path": "A redirect cannot lead to its own address."})
            onward = Redirect.objects.filter(old_path=self.new_path).exclude(pk=self.pk).first()
            if onward is not None and onward.target() == self.old_path:
                raise ValidationError({"new_path": f"{self.new_path} already leads back here: that would be a loop."})


class SearchEntry(models.Model):
    """One post's words in the search index (blog/search.py keeps it; the 0004_search migration makes the table).

    The table differs by database, so Django does not manage it: on SQLite an
    FTS5 table (rowid = post id), on PostgreSQL a table with a weighted
    tsvector of folded text and a GIN index. It may hold drafts and scheduled
    posts: search joins it with Post.objects.published() when it is asked.
    """

    # "rowid" on both databases: on SQLite it is the FTS5 table's own key, the
    # one column FTS5 gives without reading the stored row.
    post = models.OneToOneField(
        Post,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_entry",
    )
    title = models.TextField()
    tags = models.TextField()
    summary = models.TextField()
    body = models.TextField()
    # What is searched (blog.search_text.fold()), and what headlines are cut from.
    folded_title = models.TextField()
    folded_tags = models.TextField()
    folded_summary = models.TextField()
    folded_body = models.TextField()
    # PostgreSQL's tsvector of the folded texts; NULL on SQLite, whose FTS5 table is the index.
    vector = SearchVectorField(null=True)

    class Meta:
        managed = False
        db_table = "blog_search"

    def __str__(self):
        return self.title


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
            with transaction.atomic():
                content = uploads.without_location(self.file.file, inspected)
                self.original_name = uploads.clean_name(content.name)[:255]
                self.size = content.size
                self.kind, self.width, self.height = inspected.kind, inspected.width, inspected.height
                content.seek(0)
                # Stored here, not by the field on save, so that every name written is known
                # and removed if anything later fails: no orphan files, no half-made rows.
                name = self.file.storage.save(uploads.storage_name(content.name, inspected), content)
                written.append(name)
                self.file = name
                if self.kind == self.Kind.IMAGE:
                    self.variants = uploads.make_variants(name, inspected, written)
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
            before = (user.body_html, getattr(user, "summary_html", ""))
            user.render()
            if (user.body_html, getattr(user, "summary_html", "")) != before:
                user.save(update_fields=POST_RENDERED_FIELDS if isinstance(user, Post) else ["body_html"])

    def used_by(self):
        """The posts, standalone pages and blurbs whose Markdown links to this upload."""
        url = self.url
        posts = Post.objects.filter(models.Q(body__contains=url) | models.Q(summary__contains=url))
        return [
            *posts.order_by("title"),
            *Page.objects.filter(body__contains=url).order_by("title"),
            *Blurb.objects.filter(body__contains=url),
        ]


# What Post.render() sets.
POST_RENDERED_FIELDS = ["body_html", "summary_html", "reading_minutes", "excerpt", "lead_image"]


def _markdown_text(text):
    # Brackets would end the link text early.
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
