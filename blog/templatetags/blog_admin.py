"""What the admin's index shows of the blog: {% load blog_admin %} (templates/admin/index.html)."""

from django import template

from blog import publishing
from blog.models import Post

register = template.Library()

# The index lists the next few; the post list, filtered, has the rest.
SCHEDULED_SHOWN = 5


@register.simple_tag
def posts_at_a_glance():
    """The next scheduled posts (each with when it goes public), how many in all, and how many drafts."""
    scheduled = Post.objects.scheduled().order_by("published_at", "id").only("title", "published_at")
    upcoming = list(scheduled[: SCHEDULED_SHOWN + 1])
    return {
        "scheduled": [(post, publishing.when(post.published_at)) for post in upcoming[:SCHEDULED_SHOWN]],
        "scheduled_count": len(upcoming) if len(upcoming) <= SCHEDULED_SHOWN else scheduled.count(),
        "drafts": Post.objects.not_in_trash().filter(status=Post.Status.DRAFT).count(),
    }
