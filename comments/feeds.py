"""The feed of approved comments."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from comments.models import Comment

FEED_LENGTH = 30


class LatestCommentsFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return f"{settings.SITE_TITLE}: comments"

    def subtitle(self):
        return f"The latest approved comments on {settings.SITE_TITLE}"

    def link(self):
        return reverse("blog:post-list")

    def feed_url(self):
        return reverse("comments:feed-atom")

    def items(self):
        # Not every approved comment: a post back to draft or still scheduled takes its comments with it.
        return Comment.objects.public().select_related("post").order_by("-created_at", "-id")[:FEED_LENGTH]

    def item_title(self, comment):
        # First-strong isolate ... pop directional isolate: <bdi> for plain text (titles carry no markup).
        return f"\u2068{comment.author_name}\u2069 on “{comment.post.title}”"

    def item_description(self, comment):
        # Commenter text goes out escaped, with the same nofollow links as on the page.
        return comment.body_html

    def item_link(self, comment):
        return comment.get_absolute_url()

    def item_author_name(self, comment):
        return comment.author_name

    def item_pubdate(self, comment):
        return comment.created_at
