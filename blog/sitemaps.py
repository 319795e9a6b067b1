from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.urls import reverse

from blog import counts
from blog.models import Post, Tag


class PostSitemap(Sitemap):
    changefreq = "monthly"
    limit = 50000

    @property
    def paginator(self):
        # The index needs the number of pages: take the stored count rather
        # than COUNT(*) over every public post.
        paginator = Paginator(self._items(), self.limit)
        paginator.count = counts.public_post_count()
        return paginator

    def items(self):
        return Post.objects.published().only("slug", "updated_at").order_by("id")

    def lastmod(self, post):
        return post.updated_at

    def get_latest_lastmod(self):
        # Django's default calls lastmod() on every item: the index would read
        # every public post on every request.
        return counts.latest_change()


class TagSitemap(Sitemap):
    changefreq = "weekly"
    limit = 50000

    def items(self):
        return Tag.objects.with_post_counts().filter(post_count__gt=0).order_by("id")


class PageSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["blog:post-list", "blog:tag-list", "blog:archive"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"pages": PageSitemap, "posts": PostSitemap, "tags": TagSitemap}
