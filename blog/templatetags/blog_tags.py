"""Date formatting for pages: "Sunday, January 19th, 2020" and <time datetime>."""

from django import template
from django.utils import timezone


register = template.Library()

_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip


@register.filter
def longdate(value):
    """A date as readers see it: "Sunday, January 19th, 2020" (in the site's time zone).

    Written out rather than through Django's `date` filter, which parses its
    format string on every call: a page shows dozens of dates.
    """
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    day = local.day
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{_DAYS[local.weekday()]}, {_MONTHS[local.month - 1]} {day}{suffix}, {local.year}"


@register.filter
def isotime(value):
    """A datetime for <time datetime>: ISO 8601 to the second (HTML allows no microseconds)."""
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else ""


@register.filter
def monthname(value):
    """January ... December."""
    return _MONTHS[value.month - 1]
