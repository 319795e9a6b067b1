"""Small factories for test data, with times relative to now."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from blog.models import Blurb, Post, Tag
from blog.site import SiteSettings, first_values

_counter = itertools.count(1)


def make_post(tags=(), **fields):
    n = next(_counter)
    fields.setdefault("title", f"Post number {n}")
    fields.setdefault("slug", f"post-{n}")
    fields.setdefault("body", f"Body of post {n}.\n\n```python\nprint({n})\n```\n")
    fields.setdefault("status", Post.Status.PUBLISHED)
    fields.setdefault("published_at", timezone.now() - timedelta(days=1, minutes=n))
    post = Post.objects.create(**fields)
    if tags:
        post.tags.set(tags)
    return post


def make_tag(name=None, **fields):
    n = next(_counter)
    name = name or f"Tag {n}"
    return Tag.objects.create(name=name, **fields)


def make_blurb(**fields):
    n = next(_counter)
    fields.setdefault("title", f"Blurb {n}")
    fields.setdefault("body", f"Some *words* for blurb {n}.")
    fields.setdefault("position", n)
    return Blurb.objects.create(**fields)


def make_author(username="author", password="correct horse battery staple"):
    email = f"{username}@example.com"
    return get_user_model().objects.create_superuser(username=username, email=email, password=password)


def set_site(**values):
    """Change the blog's site settings (blog.SiteSettings) as the author would in the admin; returns the row."""
    row = SiteSettings.objects.filter(pk=1).first() or SiteSettings(pk=1, **first_values())
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row
