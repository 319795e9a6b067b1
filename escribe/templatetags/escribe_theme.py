"""The theme's custom stylesheet, for base.html."""

from django import template
from django.conf import settings

from escribe import theme

register = template.Library()


@register.simple_tag
def theme_stylesheet():
    """The static name of the theme's custom stylesheet, or "" when there is none (or no theme)."""
    return theme.custom_css(settings.THEME_DIR)
