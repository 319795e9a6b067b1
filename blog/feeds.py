"""Atom and RSS feeds of the site and of each tag, with full content."""

import copy

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from blog import site
from blog.models import Post, Tag
from blog.posthtml import absolutize
from escribe.text import xml_safe


class XMLSafe:
    """A feed writer that drops what XML 1.0 cannot hold from every text it is given.

    Django's writer raises on a control character (a 500 for every reader of
    the feed); text stored before the forms dropped them, or imported, may hold one.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*xml_safe(args), **xml_safe(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*xml_safe(args), **xml_safe(kwargs))


class RssFeed(XMLSafe, Rss201rev2Feed):
    pass


class AtomFeed(XMLSafe, Atom1Feed):
    pass


class FullContentAtomFeed(AtomFeed):
    """Atom with the whole post in <content>; Django's Atom has only <summary>."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


class PostFeed(Feed):
    feed_type = RssFeed

    def __call__(self, request, *args, **kwargs):
        # One instance serves every request; per-request state goes on a copy.
        feed = copy.copy(self)
        feed.base_url = request.build_absolute_uri("/")
        return Feed.__call__(feed, request, *args, **kwargs)

    def title(self, obj=None):
        return site.current().title

    def subtitle(self, obj=None):
        return site.current().share_description

    description = subtitle

    def link(self, obj=None):
        return reverse("blog:post-list")

    def feed_url(self, obj=None):
        return None

    def author_name(self, obj=None):
        return site.current().byline

    def posts(self, obj):
        return Post.objects.published().select_related("author").prefetch_related("tags")

    def items(self, obj=None):
        return self.posts(obj)[: site.current().feed_length]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        if self.feed_type is FullContentAtomFeed:
            return self.absolute_html(post, post.summary_html) or None
        return self.absolute_html(post, post.body_html)

    def item_extra_kwargs(self, post):
        return {"content": self.absolute_html(post, post.body_html)}

    def absolute_html(self, post, html):
        # Against the post's own address, as the item links it: a footnote's #fn:1 or a
        # heading's #anchor must lead into the post, not into the feed reader's page.
        return absolutize(html, self.base_url.rstrip("/") + post.get_absolute_url())

    def item_author_name(self, post):
        return post.author_name()

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
        # As the tag's page: no feed until a public post carries the tag.
        tags = Tag.objects.filter(slug=slug).in_use()
        if not tags:
            raise Http404("No public post carries this tag.")
        return tags[0]

    def title(self, tag):
        return f"{site.current().title}: {tag.name}"

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
