"""The admin's reminder that the demo is still here (templates/admin/base_site.html)."""

from django import template

from moving import demo

register = template.Library()


@register.simple_tag
def demo_present():
    """Whether the demo seed_demo loaded is still here, not removed."""
    return demo.present()
