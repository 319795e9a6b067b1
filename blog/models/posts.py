"""Posts: what "published" and "scheduled" mean, the years a post may be dated in, and how a post renders."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from blog import posthtml, site
from blog.loaded import KeepsLoadedValues
from blog.models.documents import MarkdownDocument, Status
from blog.models.trash import Trashable, TrashQuerySet, trashed_is_draft


class PostQuerySet(TrashQuerySet):
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


class Post(KeepsLoadedValues, Trashable, MarkdownDocument):
    # A moved post changes two months' counts; a renamed one leaves a redirect (blog/signals.py).
    kept_fields = ("published_at", "slug")
    # The body is MarkdownDocument's; the summary is rendered with it, and what lists and sharing show comes from both.
    markdown_fields = {"body": "body_html", "summary": "summary_html"}
    rendered_fields = ["body_html", "summary_html", "reading_minutes", "excerpt", "lead_image", "list_html"]

    Status = Status

    title = models.CharField(max_length=1000)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField(help_text="Markdown. Fenced code: ```python or ```python models.py")
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
    # Kept with the rest, so that list pages read neither the body's HTML nor a parser's time on a request.
    list_html = models.TextField(
        blank=True, editable=False, help_text="What lists show under the title: the summary, else the first paragraph."
    )

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
        constraints = [trashed_is_draft("blog_post_trashed_is_draft")]

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:200]
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
        warnings = super().render()
        self.describe()
        return warnings

    def heading_id_prefix(self, field):
        return self.slug if field == "body" else f"{self.slug}-{field}"

    def author_name(self):
        """The name feeds and sharing tags give the post: its author's full name, else the site's byline."""
        if self.author_id and self.author.get_full_name():
            return self.author.get_full_name()
        return site.current().byline

    def describe(self):
        """Set what sharing and lists show from the rendered HTML: reading time, excerpt, lead image, list HTML."""
        self.reading_minutes, self.excerpt, self.lead_image = posthtml.describe(self.body_html, self.summary_html)
        self.list_html = posthtml.list_html(self.body_html, self.summary_html)
