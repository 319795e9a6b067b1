"""Publishing and unpublishing posts in bulk (the admin's actions): one UPDATE, then blog.changes; and saying when.

queryset.update() sends no signals, so content_changed() is called here with
the tags and months the changed posts count in.
"""

from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.timesince import timeuntil

from blog.changes import content_changed
from blog.models import Post, month_of
from blog.templatetags.blog import longdate


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


def when(moment, now=None):
    """A publication time as the author reads it: "Tuesday, December 8th, 2026, 09:00 (in 2 days)".

    In the blog's language and zone (the request's, see blog.middleware).
    Days are counted on the calendar, as people do: Tuesday is "in 2 days"
    on Sunday afternoon, though 46 hours away.
    """
    local, today = timezone.localtime(moment), timezone.localtime(now or timezone.now())
    days = (local.date() - today.date()).days
    if days == 0:
        distance = f"in {timeuntil(moment, now, depth=1)}" if moment > (now or timezone.now()) else "now"
    elif days == 1:
        distance = "tomorrow"
    elif days > 1:
        distance = f"in {days} days"
    else:
        distance = f"{-days} day{pluralize(-days)} ago"
    return f"{longdate(local)}, {formats.time_format(local, 'H:i')} ({distance})"


def saved(post, was_public):
    """What saving a post did for readers: kept as a draft, scheduled for when, or published (with a link)."""
    if post.status == Post.Status.DRAFT:
        return format_html("Saved as a draft: “{}” is visible only to you.", post.title)
    if not post.is_public:
        return format_html("Scheduled for {}: “{}” goes public then.", when(post.published_at), post.title)
    verb = "Updated" if was_public else "Published"
    return format_html('{}: <a href="{}">{}</a> is live.', verb, post.get_absolute_url(), post.title)
