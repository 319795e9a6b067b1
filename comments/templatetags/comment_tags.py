"""The comment form, commenter websites and the spam report, for templates."""

import functools
import re

from django import template
from django.template.loader import render_to_string

from comments import moderation
from comments.forms import CommentForm
from comments.models import SpamReport

register = template.Library()

_SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)


@register.inclusion_tag("comments/_form.html")
def comment_form(post, form=None):
    """The comment form; a bound one (with errors) is rendered afresh, a blank one once per process."""
    fields = render_to_string("comments/_form_fields.html", {"form": form}) if form else _blank_fields()
    return {"post": post, "form": form, "fields": fields}


@functools.cache
def _blank_fields():
    # The empty form is the same markup for every post and every reader.
    return render_to_string("comments/_form_fields.html", {"form": CommentForm()})


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
