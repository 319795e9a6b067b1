"""The feeds of approved comments: the whole site's, and one post's."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse

from blog import site
from blog.feeds import AtomFeed
from blog.models import Post
from comments.models import Comment

FEED_LENGTH = 30


class LatestCommentsFeed(Feed):
    feed_type = AtomFeed

    def title(self, obj=None):
        return f"{site.current().title}: comments"

    def subtitle(self, obj=None):
        return f"The latest approved comments on {site.current().title}"

    def link(self, obj=None):
        return reverse("blog:post-list")

    def feed_url(self, obj=None):
        return reverse("comments:feed-atom")

    def comments(self, obj):
        # Not every approved comment: a post back to draft or still scheduled takes its comments with it.
        return Comment.objects.public()

    def items(self, obj=None):
        return self.comments(obj).select_related("post", "parent").order_by("-created_at", "-id")[:FEED_LENGTH]

    def item_title(self, comment):
        # Plain text: feed readers show isolation characters (FSI, PDI) as boxes.
        name = f"{comment.author_name} (the author)" if comment.by_author else comment.author_name
        if comment.parent_ref is None:
            return f"{name} on “{comment.post.title}”"
        parent = comment.parent
        # A spam or deleted comment is not named, as on the page.
        answered = parent.author_name if parent and parent.status == Comment.Status.APPROVED else "a removed comment"
        return f"{name} replying to {answered} on “{comment.post.title}”"

    def item_description(self, comment):
        # Commenter text goes out escaped, with the same nofollow links as on the page.
        return comment.body_html

    def item_link(self, comment):
        return comment.get_absolute_url()

    def item_author_name(self, comment):
        return comment.author_name

    def item_pubdate(self, comment):
        return comment.created_at


class PostCommentsFeed(LatestCommentsFeed):
    """One public post's approved comments; a draft or scheduled post has no feed (404)."""

    def get_object(self, request, slug):
        return get_object_or_404(Post.objects.published().only("title", "slug"), slug=slug)

    def title(self, post):
        return f"Comments on “{post.title}”"

    def subtitle(self, post):
        return f"Approved comments on “{post.title}” at {site.current().title}"

    def link(self, post):
        return post.get_absolute_url()

    def feed_url(self, post):
        return reverse("comments:post-feed-atom", kwargs={"slug": post.slug})

    def comments(self, post):
        return super().comments(post).filter(post=post)
