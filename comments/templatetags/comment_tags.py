"""The moderation count on the admin's front page."""

from django import template

from comments import moderation

register = template.Library()


@register.simple_tag
def waiting_comments():
    """How many comments wait in the moderation queue (the admin index shows it)."""
    return moderation.waiting_count()
