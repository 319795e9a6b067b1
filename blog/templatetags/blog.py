"""The blog's template tags: {% load blog %} for dates and the sidebar."""

from django import template
from django.utils import timezone

from blog.models import Blurb, Tag
from blog.tagcloud import alphabetical, weigh

register = template.Library()

PILE_SIZE = 30

_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip


@register.filter
def longdate(value):
    """A date as readers see it: "Sunday, January 19th, 2020" (in the site's time zone)."""
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


@register.inclusion_tag("blog/_sidebar.html")
def blog_sidebar():
    """The blog's part of every page's sidebar: blurbs, the Pile o'Tags, Stuff I Use."""
    used = Tag.objects.in_use()
    biggest = sorted(used, key=lambda tag: -tag.post_count)[:PILE_SIZE]
    return {
        "blurbs": Blurb.objects.visible().only("title", "body_html"),
        "pile": alphabetical(weigh(biggest)),
        # A featured tag no public post carries would link to a 404.
        "featured": alphabetical(tag for tag in used if tag.featured),
    }
