"""blog/models/documents.py: what posts, pages and blurbs share, and where each still differs."""

import pytest

from blog.models import Blurb, Page, Post, Status
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db


def test_posts_and_pages_have_one_status_with_no_schedule_of_its_own():
    # A page has no publication time: a third state would be one it cannot show.
    assert Post.Status is Page.Status is Status
    assert Status.choices == [("draft", "Draft"), ("published", "Published")]


def test_each_kind_of_document_keeps_its_own_heading_ids():
    # Ids must not collide where a post, its summary, a page and the sidebar's blurbs share one page.
    post = make_post(slug="hello", body="## Why", summary="## Why")
    page = Page.objects.create(title="About", slug="about", body="## Why")
    blurb = Blurb.objects.create(title="About Me", body="## Why")
    assert 'id="hello-why"' in post.body_html
    assert 'id="hello-summary-why"' in post.summary_html
    assert 'id="page-about-why"' in page.body_html
    assert 'id="blurb-about-me-why"' in blurb.body_html


def test_a_post_without_a_summary_stores_no_summary_html_and_is_described_from_its_body():
    post = make_post(slug="plain", body="Words " * 400, summary="")
    assert post.summary_html == ""
    assert post.reading_minutes == 2
    assert post.excerpt.startswith("Words Words")


def test_the_blurb_form_asks_for_the_title_before_the_body(author_client):
    form = author_client.get("/admin/blog/blurb/add/").content.decode()
    assert form.index('name="title"') < form.index('name="body"')
