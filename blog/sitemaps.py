from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from blog import counts
from blog.models import Page, Post, Tag
from blog.pagination import CountedPaginator


class PostSitemap(Sitemap):
    changefreq = "monthly"
    limit = 50000

    @property
    def paginator(self):
        # The index needs the number of pages: the stored count, not COUNT(*) over every public post.
        return CountedPaginator(self.items(), self.limit, count=counts.public_post_count())

    def items(self):
        return Post.objects.published().only("slug", "updated_at").order_by("id")

    def lastmod(self, post):
        return post.updated_at

    def get_latest_lastmod(self):
        # Django's default calls lastmod() on every item; the newest public
        # change is one entry down the (status, updated_at, published_at) index instead.
        return Post.objects.published().order_by("-updated_at").values_list("updated_at", flat=True).first()


class TagSitemap(Sitemap):
    changefreq = "weekly"
    limit = 50000

    def items(self):
        return Tag.objects.order_by("pk").in_use()


class PageSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["blog:post-list", "blog:tag-list", "blog:archive"]

    def location(self, name):
        return reverse(name)


class StandalonePageSitemap(Sitemap):
    """About, Now, Uses...: the author's standalone pages."""

    changefreq = "monthly"

    def items(self):
        return Page.objects.published().only("slug", "updated_at").order_by("position", "id")

    def lastmod(self, page):
        return page.updated_at


SITEMAPS = {"pages": PageSitemap, "standalone": StandalonePageSitemap, "posts": PostSitemap, "tags": TagSitemap}
