"""The comment form, commenter-text formatting and the spam report, for templates."""

import re

from django import template
from django.utils.html import urlize
from django.utils.safestring import mark_safe

from comments import moderation
from comments.forms import CommentForm
from comments.models import SpamReport

register = template.Library()

_SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)


@register.inclusion_tag("comments/_form.html")
def comment_form(post, form=None):
    return {"post": post, "form": form or CommentForm()}


@register.filter(needs_autoescape=True)
def commenter_text(text, autoescape=True):
    """A commenter's plain text: escaped, links clickable with rel="nofollow ugc", line breaks kept."""
    html = urlize(text, nofollow=True, autoescape=True)
    html = html.replace('rel="nofollow"', 'rel="nofollow ugc"')
    paragraphs = [p.replace("\n", "<br>") for p in re.split(r"\n{2,}", html.replace("\r\n", "\n").strip())]
    return mark_safe("".join(f"<p>{p}</p>" for p in paragraphs if p))


@register.filter
def safe_website(url):
    """The commenter's website only if it is http(s); anything else is dropped."""
    return url if url and _SAFE_URL.match(url) else ""


@register.inclusion_tag("comments/_spam_report.html")
def spam_report():
    return {"report": SpamReport.current()}


@register.simple_tag
def waiting_comments():
    """How many comments wait in the moderation queue (the admin index shows it)."""
    return moderation.waiting_count()
