"""The sidebar and date formatting shared by every public page."""

from django import template
from django.utils import timezone

from blog.models import Blurb, Tag
from blog.tagcloud import weigh

register = template.Library()

PILE_SIZE = 30
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


@register.inclusion_tag("blog/_sidebar.html", takes_context=True)
def sidebar(context):
    """Blurbs, the Pile o'Tags and Stuff I Use, in two queries."""
    tags = list(Tag.objects.with_post_counts())
    used = sorted((tag for tag in tags if tag.post_count > 0), key=lambda tag: -tag.post_count)
    pile = sorted(weigh(used[:PILE_SIZE]), key=lambda tag: tag.name.lower())
    featured = [tag for tag in tags if tag.featured]
    return {
        "blurbs": Blurb.objects.visible(),
        "pile": pile,
        "featured": featured,
    }


@register.filter
def isotime(value):
    """A datetime for <time datetime>: ISO 8601 to the second (HTML allows no microseconds)."""
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else ""
