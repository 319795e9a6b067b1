"""Stored public-post counts: right after every change and when scheduled posts go public."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from blog import counts
from blog.models import Post, Tag
from tests.factories import make_post, make_tag

pytestmark = pytest.mark.django_db


def count(tag):
    return Tag.objects.with_post_counts().get(pk=tag.pk).post_count


def test_counts_follow_publishing_retagging_and_deleting():
    python, vim = make_tag("Python"), make_tag("Vim")
    post = make_post(tags=[python])
    draft = make_post(tags=[python, vim], status=Post.Status.DRAFT)
    assert (count(python), count(vim), counts.public_post_count()) == (1, 0, 1)
    draft.status = Post.Status.PUBLISHED
    draft.save()
    assert (count(python), count(vim), counts.public_post_count()) == (2, 1, 2)
    post.tags.set([vim])
    assert (count(python), count(vim)) == (1, 2)
    draft.delete()
    assert (count(python), count(vim), counts.public_post_count()) == (0, 1, 1)


def test_a_scheduled_post_is_counted_from_its_time_on():
    tag = make_tag("Later")
    at = timezone.now() + timedelta(hours=2)
    make_post(tags=[tag], published_at=at)
    assert count(tag) == 0 and counts.public_post_count() == 0
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=1)):
        assert count(tag) == 1 and counts.public_post_count() == 1


def test_counts_come_back_after_the_cache_is_lost():
    from django.core.cache import cache

    tag = make_tag("Kept")
    make_post(tags=[tag])
    cache.clear()
    assert count(tag) == 1 and counts.public_post_count() == 1


@pytest.mark.django_db(transaction=True)
def test_counts_are_refreshed_after_the_commit():
    tag = make_tag("Committed")
    counts.refresh()
    with transaction.atomic():
        make_post(tags=[tag])
        assert Tag.objects.get(pk=tag.pk).public_post_count == 0
    assert Tag.objects.get(pk=tag.pk).public_post_count == 1


def test_the_sitemap_index_gives_the_latest_public_change_without_reading_every_post(client):
    from django.utils.dateparse import parse_datetime

    old = make_post()
    newest = make_post()
    make_post(status=Post.Status.DRAFT)  # a draft's edits are nobody's business
    Post.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    counts.refresh()
    body = client.get("/sitemap.xml").content.decode()
    lastmod = body.split("sitemap-posts.xml</loc><lastmod>")[1].split("<")[0]
    assert parse_datetime(lastmod) == Post.objects.get(pk=newest.pk).updated_at
