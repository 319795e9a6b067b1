"""What a change to comments makes stale: the one place that says so.

The comments app's signal receivers and the moderation service call these;
so does anything that writes comments in bulk (update(), bulk_create()).
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from blog import site
from blog.models import Post
from comments.models import Comment, SpamReport
from escribe import pages

# The sidebar says "at least N pieces of spam killed": the pages may lag the
# counter this long, so a flood of spam re-renders the site once a minute at most.
SPAM_COUNTER_LAG = 60


def comments_changed(post_ids=None, *, shown=False):
    """Comments on these posts (None: on any post) changed: recount the approved ones; pages go stale if readers see it.

    Readers see it when a post's approved count moves, or when `shown`: a
    comment they can read was written. A comment going from the queue to
    spam moves nothing and leaves every page as it is. The counts change in
    the caller's transaction, the pages when it commits.
    """
    approved = Coalesce(
        Subquery(
            Comment.objects.approved()
            .filter(post_id=OuterRef("pk"))
            .values("post_id")
            .annotate(n=Count("*"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
    with transaction.atomic():
        if post_ids is None:
            posts = Post.objects.all()
        else:
            posts = Post.objects.filter(pk__in=set(post_ids))
            # Two moderators approving on one post at once: on PostgreSQL the
            # second waits here, then counts what the first committed.
            list(posts.select_for_update().order_by("pk").values_list("pk", flat=True))
        moved = posts.exclude(approved_comment_count=approved).update(approved_comment_count=approved)
    if moved or shown:
        pages.invalidate_on_commit()


def next_closing():
    """When the next post stops taking comments by age (site settings): its page loses the form then.

    An expiry source of the page files (see apps.py): no change announces
    that moment, so no page file may outlive it.
    """
    policy = site.current()
    days = policy.comments_close_after_days
    if not days or not policy.comments_open:
        return None
    closing_age = timedelta(days=days)
    oldest_open = (
        Post.objects.published()
        .filter(comments_enabled=True, published_at__gt=timezone.now() - closing_age)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return oldest_open + closing_age if oldest_open else None


def spam_counted(count):
    """Move the spam counter by count (negative for a false positive); the pages follow within SPAM_COUNTER_LAG."""
    if count:
        SpamReport.add(count)
        spam_counter_changed()


def spam_counter_changed():
    """The spam counter was edited or moved: pages may lag it by SPAM_COUNTER_LAG."""
    pages.stale_within_on_commit(SPAM_COUNTER_LAG)
