"""The blog's template tags: {% load blog %} for dates, the sidebar, the navigation and what sharing reads."""

import json
from urllib.parse import urljoin

from django import template
from django.conf import settings
from django.urls import get_script_prefix
from django.utils import formats, timezone, translation
from django.utils.encoding import iri_to_uri
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from blog import site
from blog.models import Blurb, Page, Tag
from blog.tagcloud import alphabetical, weigh

register = template.Library()

PILE_SIZE = 30

_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip


@register.filter
def longdate(value):
    """In the blog's zone and language: "Sunday, January 19th, 2020", "Sonntag, 19. Januar 2020"."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    if not translation.get_language().startswith("en"):
        # Django's own long date for the language, with the weekday in front.
        return formats.date_format(local, f"l, {formats.get_format('DATE_FORMAT')}")
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


@register.simple_tag
def navigation_pages():
    """The standalone pages the header links to, in the author's order (one query; base.html caches it)."""
    return list(Page.objects.in_navigation().only("title", "slug"))


@register.simple_tag
def absolute(url):
    """An absolute URL on settings.SITE_URL, never the request's Host: /post/x/ -> https://site/post/x/."""
    url = iri_to_uri(str(url or ""))
    if url.startswith("/") and not url.startswith("//"):
        return settings.SITE_URL + url
    return urljoin(settings.SITE_URL + "/", url)


@register.simple_tag(takes_context=True)
def this_page_url(context):
    """The absolute address of the page being rendered, without its query string ("" outside a request).

    From the resolved path under the script prefix, so a copy made for a
    sub-path (export_site --base-url .../blog/) names its own pages.
    """
    request = context.get("request")
    if request is None:
        return ""
    return absolute(get_script_prefix() + request.path_info.lstrip("/"))


@register.filter
def oneline(value):
    """Text for an attribute that is read as one line: every run of whitespace, newlines too, one space."""
    return " ".join(str(value or "").split())


# What json.dumps leaves as is but would end a <script> element or start markup inside it.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003C", ">": "\\u003E", "&": "\\u0026"})


@register.simple_tag
def post_json_ld(post):
    """schema.org BlogPosting for the post, in a data block (script-src 'none' does not apply to data)."""
    url = absolute(post.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": isotime(post.published_at),
        "dateModified": isotime(max(post.updated_at, post.published_at)),
        "author": {"@type": "Person", "name": post.author_name()},
        "publisher": {"@type": "Organization", "name": site.current().title, "url": absolute("/")},
        "timeRequired": f"PT{post.reading_minutes}M",
    }
    if post.excerpt:
        data["description"] = post.excerpt
    tags = getattr(post, "tag_list", None)
    if tags:
        data["keywords"] = [tag.name for tag in tags]
    if post.lead_image:
        data["image"] = absolute(post.lead_image)
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_SAFE)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
