"""The per-month counts the archive shows, and the months a moment falls in."""

from collections import Counter
from datetime import datetime

from django.db import models
from django.urls import reverse
from django.utils import timezone

from blog.models.posts import Post


class ArchiveMonthQuerySet(models.QuerySet):
    def with_public_counts(self):
        """Months with `post_count` public posts now, newest first; empty months left out."""
        months = list(self.order_by("-month"))
        moments = Post.objects.scheduled().values_list("published_at", flat=True)
        scheduled = Counter(month_of(moment) for moment in moments)
        for month in months:
            month.post_count = month.published_post_count - scheduled[month.month]
        return [month for month in months if month.post_count > 0]


def month_of(moment):
    """The first day of the month a moment falls in, in the site's time zone."""
    return timezone.localtime(moment).date().replace(day=1)


def month_bounds(first_day):
    """(start, end) of the month that begins on first_day: aware moments in the site's time zone, end excluded."""
    tz = timezone.get_current_timezone()
    following = (first_day.year + first_day.month // 12, first_day.month % 12 + 1)
    return (
        timezone.make_aware(datetime(first_day.year, first_day.month, 1), tz),
        timezone.make_aware(datetime(*following, 1), tz),
    )


class ArchiveMonth(models.Model):
    """Published posts per month (scheduled ones included), kept by blog/counts.py for the archive pages."""

    month = models.DateField(primary_key=True, help_text="The first day of the month, in the site's time zone.")
    published_post_count = models.PositiveIntegerField(default=0)

    objects = ArchiveMonthQuerySet.as_manager()

    class Meta:
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%B %Y}: {self.published_post_count}"

    def get_absolute_url(self):
        return reverse("blog:archive-month", kwargs={"year": self.month.year, "month": self.month.month})
