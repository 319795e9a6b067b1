"""Atom and RSS feeds of the site and of each tag, with full content."""

import copy
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from blog.models import Post, Tag

# Rendered HTML links site paths as "/post/..."; feed readers need the host.
_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")/(?!/)')


# An uploaded image's srcset lists several root-relative URLs, each followed by its width.
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')
_SRCSET_URL = re.compile(r"(^|,\s*)/(?!/)")


def absolutize(html, base_url):
    """Make root-relative href/src attributes (and every URL in a srcset) absolute against base_url."""
    root = base_url.rstrip("/")
    html = _SRCSET.sub(lambda m: f'{m.group(1)}{_SRCSET_URL.sub(lambda u: f"{u.group(1)}{root}/", m.group(2))}"', html)
    return _ROOT_RELATIVE.sub(lambda m: f"{m.group(1)}{root}/", html)


class FullContentAtomFeed(Atom1Feed):
    """Atom with the whole post in <content>; Django's Atom has only <summary>."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


class PostFeed(Feed):
    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        # One instance serves every request; per-request state goes on a copy.
        feed = copy.copy(self)
        feed.base_url = request.build_absolute_uri("/")
        return Feed.__call__(feed, request, *args, **kwargs)

    def title(self, obj=None):
        return settings.SITE_TITLE

    def subtitle(self, obj=None):
        return settings.SITE_TAGLINE

    description = subtitle

    def link(self, obj=None):
        return reverse("blog:post-list")

    def feed_url(self, obj=None):
        return None

    def author_name(self, obj=None):
        return settings.SITE_AUTHOR

    def posts(self, obj):
        return Post.objects.published().select_related("author").prefetch_related("tags")

    def items(self, obj=None):
        return self.posts(obj)[: settings.FEED_LENGTH]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        if self.feed_type is FullContentAtomFeed:
            return absolutize(post.summary_html, self.base_url) or None
        return absolutize(post.body_html, self.base_url)

    def item_extra_kwargs(self, post):
        return {"content": absolutize(post.body_html, self.base_url)}

    def item_author_name(self, post):
        if post.author and post.author.get_full_name():
            return post.author.get_full_name()
        return settings.SITE_AUTHOR

    def item_pubdate(self, post):
        return post.published_at

    def item_updateddate(self, post):
        return max(post.updated_at, post.published_at)

    def item_categories(self, post):
        return [tag.name for tag in post.tags.all()]


class LatestPostsRssFeed(PostFeed):
    pass


class LatestPostsAtomFeed(PostFeed):
    feed_type = FullContentAtomFeed

    def feed_url(self, obj=None):
        return reverse("blog:feed-atom")


class TagFeedMixin:
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, tag):
        return f"{settings.SITE_TITLE}: {tag.name}"

    def subtitle(self, tag):
        return f"Posts tagged {tag.name}"

    description = subtitle

    def link(self, tag):
        return tag.get_absolute_url()

    def posts(self, tag):
        return super().posts(tag).filter(tags=tag)


class TagRssFeed(TagFeedMixin, PostFeed):
    pass


class TagAtomFeed(TagFeedMixin, PostFeed):
    feed_type = FullContentAtomFeed

    def feed_url(self, tag):
        return reverse("blog:tag-feed-atom", kwargs={"slug": tag.slug})
