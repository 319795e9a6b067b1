"""Publishing and unpublishing posts in bulk (the admin's actions): one UPDATE, then blog.changes.

queryset.update() sends no signals, so content_changed() is called here with
the tags and months the changed posts count in.
"""

from django.db import transaction
from django.utils import timezone

from blog.changes import content_changed
from blog.models import Post, month_of


def publish(posts):
    """Publish the drafts among `posts`, each at its own published_at (a future one schedules it); returns them."""
    return _set_status(posts, Post.Status.PUBLISHED)


def unpublish(posts):
    """Turn the published or scheduled posts among `posts` back into drafts; returns them."""
    return _set_status(posts, Post.Status.DRAFT)


def _set_status(posts, status):
    with transaction.atomic():
        # The rows are locked by id: the admin's queryset may be DISTINCT (a list filtered by tag),
        # and PostgreSQL locks no rows of a DISTINCT query.
        chosen = posts.values("pk")
        changing = list(Post.objects.filter(pk__in=chosen).exclude(status=status).select_for_update().order_by("pk"))
        ids = [post.pk for post in changing]
        if not ids:
            return []
        # updated_at as save() would set it: the sitemap's lastmod and feeds' <updated> read it.
        now = timezone.now()
        Post.objects.filter(pk__in=ids).update(status=status, updated_at=now)
        tags = set(Post.tags.through.objects.filter(post_id__in=ids).values_list("tag_id", flat=True))
        content_changed(tags=tags, months={month_of(post.published_at) for post in changing})
    for post in changing:
        post.status, post.updated_at = status, now
    return changing
