"""Emptying the trash: what has been there longer than ESCRIBE_TRASH_DAYS is deleted for good."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from blog.models import Page, Post


def empty(days=None, now=None):
    """Delete for good the posts and pages trashed more than `days` ago (0: all of them); returns (posts, pages).

    Deleted like the admin deletes (with their comments, redirects and signals), in one transaction.
    """
    days = settings.TRASH_DAYS if days is None else days
    before = (now or timezone.now()) - timedelta(days=days)
    deleted = []
    with transaction.atomic():
        for model in (Post, Page):
            _, per_model = model.objects.in_trash().filter(trashed_at__lte=before).delete()
            deleted.append(per_model.get(model._meta.label, 0))
    return tuple(deleted)
