"""Drafts and scheduled posts are absent from every public place until their time."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from blog.models import Post
from tests.support.factories import make_post, make_tag

pytestmark = pytest.mark.django_db


def public_places(post, tag):
    """(url, what identifies the post there) for every public place."""
    month = timezone.localtime(post.published_at)
    return [
        ("/", post.title),
        ("/search/?q=Zanzibar", f'href="{post.get_absolute_url()}"'),  # the title is shown with its hit marked
        (tag.get_absolute_url(), post.title),
        ("/tags/", f'{tag.name}</a> <span class="count">(1)</span>'),
        ("/archive/", f"/archive/{month.year}/{month.month}/"),
        (f"/archive/{month.year}/", post.title),
        (f"/archive/{month.year}/{month.month}/", post.title),
        ("/feeds/atom/", post.title),
        ("/feeds/rss/", post.title),
        (f"/feeds/tag/{tag.slug}/atom/", post.title),
        (f"/feeds/tag/{tag.slug}/rss/", post.title),
        ("/sitemap-posts.xml", post.get_absolute_url()),
    ]


def direct_urls(post):
    return [post.get_absolute_url(), post.get_source_url(), f"/{post.pk}/"]


def assert_hidden(client, post, tag):
    for url, marker in public_places(post, tag):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert marker not in response.content.decode(), f"{post.title} visible at {url}"
    for url in direct_urls(post):
        assert client.get(url).status_code == 404, url


def assert_visible(client, post, tag):
    for url, marker in public_places(post, tag):
        response = client.get(url)
        assert response.status_code == 200, url
        assert marker in response.content.decode(), f"{post.title} missing at {url}"
    for url in direct_urls(post):
        assert client.get(url).status_code in (200, 301), url


def test_draft_is_hidden_until_published(client):
    tag = make_tag("Travel")
    draft = make_post(title="Zanzibar draft", status=Post.Status.DRAFT, tags=[tag])
    assert_hidden(client, draft, tag)

    draft.status = Post.Status.PUBLISHED
    draft.save()
    assert_visible(client, draft, tag)


def test_scheduled_post_appears_when_its_time_comes_without_restart(client):
    tag = make_tag("Travel")
    at = timezone.now() + timedelta(hours=3)
    future = make_post(title="Zanzibar future", published_at=at, tags=[tag])
    assert_hidden(client, future, tag)

    later = at + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert_visible(client, future, tag)


def test_author_can_open_a_draft_with_banner_noindex_and_private_cache(author_client):
    draft = make_post(title="Zanzibar draft", status=Post.Status.DRAFT)
    response = author_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Draft: only you can see this post." in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_author_sees_a_scheduled_post_marked_as_scheduled(author_client):
    future = make_post(title="Soon", published_at=timezone.now() + timedelta(days=2))
    html = author_client.get(future.get_absolute_url()).content.decode()
    assert "Scheduled: this post is not public" in html


COMMENT_LATER = "Readers can comment here once the post is public."


@pytest.mark.parametrize("when", ["draft", "scheduled"])
def test_a_post_not_public_yet_says_comments_come_later_not_that_they_are_closed(author_client, when):
    if when == "draft":
        post = make_post(status=Post.Status.DRAFT)
    else:
        post = make_post(published_at=timezone.now() + timedelta(days=2))
    html = author_client.get(post.get_absolute_url()).content.decode()
    assert COMMENT_LATER in html
    assert "Comments are closed" not in html and 'class="comment-form"' not in html


def test_the_admin_preview_says_comments_come_later(author_client):
    from tests.blog.test_admin import post_form

    html = author_client.post("/admin/blog/post/preview/", post_form()).content.decode()
    assert COMMENT_LATER in html
    assert "Comments are closed" not in html


def test_a_draft_closed_to_comments_says_so(author_client):
    post = make_post(status=Post.Status.DRAFT, comments_enabled=False)
    html = author_client.get(post.get_absolute_url()).content.decode()
    assert "Comments are closed for this post." in html
    assert COMMENT_LATER not in html


def test_tag_with_only_hidden_posts_is_not_in_the_cloud(client):
    tag = make_tag("Secret")
    make_post(status=Post.Status.DRAFT, tags=[tag])
    assert "Secret" not in client.get("/tags/").content.decode()
    assert "Secret" not in client.get("/").content.decode()


def tag_urls(tag):
    return [tag.get_absolute_url(), f"/feeds/tag/{tag.slug}/atom/", f"/feeds/tag/{tag.slug}/rss/"]


def test_a_tag_only_a_draft_carries_is_not_found_until_the_draft_is_published(client):
    tag = make_tag("Travel")
    draft = make_post(title="Zanzibar draft", status=Post.Status.DRAFT, tags=[tag])
    for url in tag_urls(tag):
        assert client.get(url).status_code == 404, url
    assert tag.get_absolute_url() not in client.get("/sitemap-tags.xml").content.decode()

    draft.status = Post.Status.PUBLISHED
    draft.save()
    for url in tag_urls(tag):
        assert client.get(url).status_code == 200, url
    assert tag.get_absolute_url() in client.get("/sitemap-tags.xml").content.decode()


def test_a_tag_only_a_scheduled_post_carries_is_found_once_its_time_comes(client):
    tag = make_tag("Travel")
    at = timezone.now() + timedelta(hours=3)
    make_post(title="Zanzibar future", published_at=at, tags=[tag])
    for url in tag_urls(tag):
        assert client.get(url).status_code == 404, url

    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(minutes=1)):
        for url in tag_urls(tag):
            assert client.get(url).status_code == 200, url


def test_a_featured_tag_no_public_post_carries_is_not_in_stuff_i_use(client):
    make_post(tags=[make_tag("Shown", featured=True)])
    make_post(status=Post.Status.DRAFT, tags=[make_tag("Unused", featured=True)])
    html = client.get("/").content.decode()
    assert ">Shown</a>" in html
    assert "Unused" not in html
