"""Posts, tags and sidebar blurbs."""

import functools
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from blog import counts
from blog.rendering import render


@functools.lru_cache(maxsize=8192)
def _url(name, slug):
    # reverse() costs tens of microseconds and a page links dozens of tags and
    # posts; the URL conf never changes while the process runs.
    return reverse(name, kwargs={"slug": slug})


class PostQuerySet(models.QuerySet):
    def published(self, now=None):
        """Posts the public may see at this moment (or at `now`)."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now() if now is None else now)

    def scheduled(self):
        """Published posts whose time has not come yet."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())

    def next_publication(self):
        """When the next scheduled post goes public; None when nothing is scheduled."""
        return self.scheduled().order_by("published_at").values_list("published_at", flat=True).first()


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField(help_text="Markdown. Fenced code: ```python or ```python models.py")
    body_html = models.TextField(blank=True, editable=False)
    summary = models.TextField(blank=True, help_text="Optional Markdown, used by feeds and lists.")
    summary_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        default=timezone.now,
        help_text="A time in the future schedules the post.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    tags = models.ManyToManyField("Tag", blank=True, related_name="posts")
    comments_enabled = models.BooleanField(default=True)
    # Kept by comments.moderation, so list pages show counts without a join.
    approved_comment_count = models.PositiveIntegerField(default=0, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return _url("blog:post-detail", self.slug)

    def get_source_url(self):
        return reverse("blog:post-source", kwargs={"slug": self.slug})

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def comments_open(self):
        """Whether readers may comment now: enabled, and not closed by age."""
        if not self.comments_enabled:
            return False
        days = settings.COMMENTS_CLOSE_AFTER_DAYS
        return not days or self.published_at > timezone.now() - timedelta(days=days)

    def render(self):
        """Render body and summary; returns the renderer's warnings."""
        body = render(self.body, id_prefix=self.slug)
        summary = render(self.summary, id_prefix=f"{self.slug}-summary") if self.summary else None
        self.body_html = body.html
        self.summary_html = summary.html if summary else ""
        return body.warnings + (summary.warnings if summary else [])

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:200]
        self.render_warnings = self.render()
        super().save(*args, **kwargs)


class TagQuerySet(models.QuerySet):
    def with_post_counts(self):
        """Tags with `post_count`: how many posts the public may see now (stored, see blog.counts)."""
        counts.ensure_fresh()
        return self.annotate(post_count=models.F("public_post_count"))


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    featured = models.BooleanField(default=False, help_text='Listed under "Stuff I Use".')
    # Kept by blog.counts: counting on every page grows with the blog.
    public_post_count = models.PositiveIntegerField(default=0, editable=False)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return _url("blog:tag-detail", self.slug)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:60]
        super().save(*args, **kwargs)


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

    def render(self):
        """Render the body; returns the renderer's warnings."""
        rendered = render(self.body, id_prefix=f"blurb-{slugify(self.title)}")
        self.body_html = rendered.html
        return rendered.warnings

    def save(self, *args, **kwargs):
        self.render_warnings = self.render()
        super().save(*args, **kwargs)
