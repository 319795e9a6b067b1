"""The blog's derived counts, kept when posts are written, so that no page counts posts.

Both count published posts, scheduled ones included: they change only when
posts are written, never with the clock. Readers' figures subtract the few
scheduled posts at read time (`Tag.objects.with_public_counts()`,
`ArchiveMonth.objects.with_public_counts()`).
"""

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from blog.models import ArchiveMonth, Post, Tag, month_bounds, month_of


def recount_tags(tag_ids=None):
    """Store each tag's published posts: every tag, or only those in tag_ids (one UPDATE)."""
    per_tag = (
        Post.tags.through.objects.filter(tag_id=OuterRef("pk"), post__status=Post.Status.PUBLISHED)
        .values("tag_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    tags = Tag.objects.all() if tag_ids is None else Tag.objects.filter(pk__in=tag_ids)
    with transaction.atomic():
        # Two writers tagging at once: on PostgreSQL the second waits here,
        # then counts what the first committed (SQLite's IMMEDIATE
        # transactions already take turns).
        list(tags.select_for_update().order_by("pk").values_list("pk", flat=True))
        tags.update(published_post_count=Coalesce(Subquery(per_tag, output_field=IntegerField()), 0))


def recount_months(months=None):
    """Store published posts per month: every month, or only those in months (first days of months)."""
    published = Post.objects.filter(status=Post.Status.PUBLISHED)
    with transaction.atomic():
        if months is None:
            rows = (
                published.annotate(start=TruncMonth("published_at", tzinfo=timezone.get_current_timezone()))
                .values("start")
                .annotate(n=Count("id"))
                .values_list("start", "n")
            )
            counts = {_as_date(start): n for start, n in rows}
            ArchiveMonth.objects.exclude(month__in=counts).delete()
        else:
            months = sorted(set(months))
            # A row to lock even for a month's first post, so that two writers
            # in one month count in turn (see recount_tags).
            for month in months:
                ArchiveMonth.objects.get_or_create(month=month)
            list(ArchiveMonth.objects.filter(month__in=months).select_for_update().order_by("month"))
            counts = {}
            for month in months:
                start, end = month_bounds(month)
                counts[month] = published.filter(published_at__gte=start, published_at__lt=end).count()
        for month, n in counts.items():
            if n:
                ArchiveMonth.objects.update_or_create(month=month, defaults={"published_post_count": n})
            else:
                ArchiveMonth.objects.filter(month=month).delete()


def public_post_count():
    """How many posts the public may see now, without counting them."""
    stored = ArchiveMonth.objects.aggregate(total=Sum("published_post_count"))["total"] or 0
    return stored - Post.objects.scheduled().count()


def _as_date(start):
    # TruncMonth gives an aware datetime on some databases and a date-like one on others.
    return month_of(start) if hasattr(start, "hour") else start
