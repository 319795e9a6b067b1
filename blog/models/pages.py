"""Standalone pages (About, Now, Uses) at /<slug>/, and the addresses they may not take."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import Resolver404, resolve, reverse
from django.utils.text import slugify

from blog import posthtml
from blog.loaded import KeepsLoadedValues
from blog.models.documents import MarkdownDocument, Status
from blog.models.trash import Trashable, TrashQuerySet, trashed_is_draft


class PageQuerySet(TrashQuerySet):
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


class Page(KeepsLoadedValues, Trashable, MarkdownDocument):
    """A standalone page (About, Now, Uses) at /<slug>/, in Markdown, optionally linked from the header."""

    # A renamed page leaves a redirect (blog/signals.py).
    kept_fields = ("slug",)

    Status = Status

    title = models.CharField(max_length=1000)
    slug = models.SlugField(max_length=100, unique=True, help_text="The page lives at /slug/.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    in_navigation = models.BooleanField("in navigation", default=True, help_text="Linked from every page's header.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the navigation, smallest first.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title", "id"]
        constraints = [trashed_is_draft("blog_page_trashed_is_draft")]

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:100]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("blog:page-detail", kwargs={"slug": self.slug})

    def heading_id_prefix(self, field):
        return f"page-{self.slug}"

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
