"""The blog's stored counts: right after every write, and right the moment a scheduled post goes public."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from blog import counts
from blog.changes import content_changed
from blog.models import ArchiveMonth, Post, Tag, month_of
from tests.support.concurrency import at_once, needs_two_waiting_writers
from tests.support.factories import make_post, make_tag

pytestmark = pytest.mark.django_db


def count(tag):
    return Tag.objects.filter(pk=tag.pk).with_public_counts()[0].post_count


def month_count(moment):
    months = {month.month: month.post_count for month in ArchiveMonth.objects.with_public_counts()}
    return months.get(month_of(moment), 0)


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
    post.tags.clear()
    assert (count(python), count(vim)) == (1, 1)
    vim.posts.add(post)  # from the tag's side
    assert count(vim) == 2
    draft.delete()
    assert (count(python), count(vim), counts.public_post_count()) == (0, 1, 1)


def test_a_scheduled_post_is_counted_from_its_time_on_with_no_write_at_that_time():
    tag = make_tag("Later")
    at = timezone.now() + timedelta(hours=2)
    make_post(tags=[tag], published_at=at)
    assert (count(tag), counts.public_post_count(), month_count(at)) == (0, 0, 0)
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=1)):
        assert (count(tag), counts.public_post_count(), month_count(at)) == (1, 1, 1)


def test_moving_a_post_to_another_month_moves_its_count():
    post = make_post(published_at=timezone.now() - timedelta(days=400))
    before = post.published_at
    post.published_at = timezone.now() - timedelta(days=1)
    post.save()
    assert month_count(before) == 0 and month_count(post.published_at) == 1
    assert ArchiveMonth.objects.count() == 1  # the emptied month is gone


def test_bulk_writes_are_counted_by_the_one_function_that_says_what_is_stale():
    tag = make_tag("Bulk")
    posts = Post.objects.bulk_create(
        [Post(title=f"B{n}", slug=f"b-{n}", body="x", status=Post.Status.PUBLISHED) for n in range(3)]
    )
    Post.tags.through.objects.bulk_create([Post.tags.through(post_id=post.pk, tag_id=tag.pk) for post in posts])
    assert count(tag) == 0 and counts.public_post_count() == 0  # bulk_create sends no signals
    content_changed(everything=True)
    assert count(tag) == 3 and counts.public_post_count() == 3


def test_reading_pages_writes_nothing(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tag = make_tag("Read")
    post = make_post(tags=[tag])
    make_post(tags=[tag], published_at=timezone.now() + timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        for url in ("/", post.get_absolute_url(), tag.get_absolute_url(), "/tags/", "/archive/", "/sitemap.xml"):
            assert client.get(url).status_code == 200, url
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def test_the_sitemap_index_gives_the_latest_public_change(client):
    from django.utils.dateparse import parse_datetime

    old = make_post()
    newest = make_post()
    make_post(status=Post.Status.DRAFT)  # a draft's edits are nobody's business
    Post.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    body = client.get("/sitemap.xml").content.decode()
    lastmod = body.split("sitemap-posts.xml</loc><lastmod>")[1].split("<")[0]
    assert parse_datetime(lastmod) == Post.objects.get(pk=newest.pk).updated_at


@pytest.mark.django_db(transaction=True)
def test_two_writers_tagging_at_once_leave_the_right_tag_count():
    needs_two_waiting_writers()
    tag = make_tag("Busy")
    first, second = make_post(), make_post()
    at_once(lambda: first.tags.add(tag), lambda: second.tags.add(tag))
    assert Tag.objects.get(pk=tag.pk).published_post_count == 2


@pytest.mark.django_db(transaction=True)
def test_two_writers_publishing_in_one_month_leave_the_right_month_count():
    needs_two_waiting_writers()
    when = timezone.now() - timedelta(days=1)
    make_post(published_at=when)
    drafts = [make_post(status=Post.Status.DRAFT, published_at=when) for _ in range(2)]

    def publish(post):
        post.status = Post.Status.PUBLISHED
        post.save()

    at_once(lambda: publish(drafts[0]), lambda: publish(drafts[1]))
    assert ArchiveMonth.objects.get(month=month_of(when)).published_post_count == 3


def test_a_page_read_with_the_spam_report_row_gone_writes_nothing(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comments.models import SpamReport

    SpamReport.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}] == []
    assert not SpamReport.objects.exists()
