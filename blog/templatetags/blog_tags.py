"""The sidebar and date formatting shared by every public page."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from blog.models import Blurb, Tag
from blog.tagcloud import weigh

register = template.Library()

LONG_DATE = "l, F jS, Y"  # Sunday, January 19th, 2020
PILE_SIZE = 30


@register.filter
def longdate(value):
    """A date as readers see it: "Sunday, January 19th, 2020"."""
    return date_filter(value, LONG_DATE)


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
