"""The Jinja2 environment for public pages.

Readers' pages are rendered by Jinja2 (compiled to Python, several times
faster than Django's template language); the admin stays on Django templates.
"""

import functools

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import Environment

from blog.sidebar import sidebar
from blog.templatetags.blog_tags import isotime, longdate, monthname
from comments.forms import form_html
from comments.formatting import safe_website


@functools.lru_cache(maxsize=4096)
def url(name, *args):
    # Every page asks for the same dozen URLs; reverse() is slow and the URL
    # conf never changes while the process runs.
    return reverse(name, args=args or None)


def pluralize(count, suffix="s"):
    return "" if count == 1 else suffix


def intcomma(number):
    return f"{number:,}"


def environment(**options):
    env = Environment(**options)
    env.globals.update(url=url, static=static, sidebar=sidebar, comment_form=form_html)
    env.filters.update(
        longdate=longdate, isotime=isotime, monthname=monthname, pluralize=pluralize, intcomma=intcomma, safe_website=safe_website
    )
    return env
