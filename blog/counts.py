"""Stored counts of public posts, per tag and in all, so no page counts them.

Counting public posts on every request grows with the blog; these figures are
kept instead. They change when posts are saved, deleted or retagged (refreshed
after the commit) and when a scheduled post goes public (the next reader
notices that the figures' time is up and refreshes them).
"""

from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

VALID_UNTIL_KEY = "blog:counts:valid-until"
TOTAL_KEY = "blog:counts:public-posts"
LATEST_KEY = "blog:counts:latest-change"


def refresh():
    """Recount public posts per tag (one UPDATE) and in all, note the latest change and when counts next change."""
    from blog.models import Post, Tag

    now = timezone.now()
    public = Post.objects.published()
    per_tag = (
        Post.tags.through.objects.filter(tag_id=OuterRef("pk"), post__in=public)
        .values("tag_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    Tag.objects.update(public_post_count=Coalesce(Subquery(per_tag, output_field=IntegerField()), 0))
    upcoming = Post.objects.next_publication()
    latest = public.order_by("-updated_at").values_list("updated_at", flat=True).first()
    cache.set_many(
        {TOTAL_KEY: public.count(), LATEST_KEY: latest, VALID_UNTIL_KEY: upcoming or now + timedelta(days=1)},
        timeout=None,
    )


def refresh_on_commit():
    """Refresh once the current transaction commits (a reader before then would count the old rows)."""
    transaction.on_commit(refresh)


def ensure_fresh():
    """Refresh the counts if a scheduled post has gone public since they were made (or they were lost)."""
    valid_until = cache.get(VALID_UNTIL_KEY)
    if valid_until is None or valid_until <= timezone.now():
        refresh()


def public_post_count():
    ensure_fresh()
    total = cache.get(TOTAL_KEY)
    if total is None:  # the cache lost it between the two calls
        from blog.models import Post

        total = Post.objects.published().count()
    return total


def latest_change():
    """When a public post last changed (the sitemap index's lastmod)."""
    ensure_fresh()
    return cache.get(LATEST_KEY)


def watch_posts():
    """Refresh the counts whenever a post or its tags change (called once, from BlogConfig.ready)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from blog.models import Post

    def changed(sender, **kwargs):
        refresh_on_commit()

    post_save.connect(changed, sender=Post, weak=False, dispatch_uid="counts-post-save")
    post_delete.connect(changed, sender=Post, weak=False, dispatch_uid="counts-post-delete")
    m2m_changed.connect(changed, sender=Post.tags.through, weak=False, dispatch_uid="counts-post-tags")
