"""The application page cache: what it stores, what it never stores, what invalidates it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.signals import request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils import timezone

from blog.models import Post
from comments import moderation
from comments.models import SpamReport
from escribe import pagecache
from tests.comment_helpers import make_comment
from tests.factories import make_author, make_blurb, make_post, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return make_post(title="Cached post", slug="cached", tags=[make_tag("Python")])


def get(client, url, **extra):
    return client.get(url, **extra)


def test_second_anonymous_get_is_served_from_the_cache(client, post):
    first = get(client, "/")
    second = get(client, "/")
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert first.content == second.content
    assert "max-age=0" in second["Cache-Control"] and "public" in second["Cache-Control"]
    assert not second.cookies


def test_cached_pages_answer_conditional_gets(client, post):
    etag = get(client, "/")["ETag"]
    assert get(client, "/").status_code == 200
    assert get(client, "/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_hit_costs_no_query(client, post, django_assert_num_queries):
    get(client, post.get_absolute_url())
    with django_assert_num_queries(0):
        assert get(client, post.get_absolute_url())["X-Page-Cache"] == "hit"


def test_the_authors_requests_are_never_cached(author_client, post):
    author_client.get("/")
    assert author_client.get("/").get("X-Page-Cache") is None
    # ...and nothing the author saw was stored for the next reader.
    assert get(Client(), "/")["X-Page-Cache"] == "miss"


def test_a_draft_seen_by_the_author_is_never_cached(author_client, client):
    draft = make_post(title="Secret draft", status=Post.Status.DRAFT)
    assert "Secret draft" in author_client.get(draft.get_absolute_url()).content.decode()
    client.cookies.clear()
    assert get(client, draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("url", ["/search/?q=python", "/admin/login/", "/healthz", "/no-such-page/"])
def test_pages_that_are_not_cached(client, post, url):
    get(client, url)
    assert get(client, url).get("X-Page-Cache") in (None, "miss")


def test_posts_are_not_cached(client, post):
    client.post("/", {})
    assert get(client, "/")["X-Page-Cache"] == "miss"


def assert_fresh(client, url, text, present=True):
    response = get(client, url)
    assert (text in response.content.decode()) is present, f"{text!r} {'missing from' if present else 'still on'} {url}"


def warm(client, *urls):
    for url in urls:
        get(client, url)
        assert get(client, url)["X-Page-Cache"] == "hit"


def test_saving_a_post_refreshes_pages(client, post):
    warm(client, "/", post.get_absolute_url())
    post.title = "Renamed post"
    post.save()
    assert_fresh(client, "/", "Renamed post")
    assert_fresh(client, post.get_absolute_url(), "Renamed post")


def test_publishing_and_deleting_posts_refreshes_pages(client, post):
    draft = make_post(title="Fresh news", status=Post.Status.DRAFT)
    warm(client, "/", "/feeds/atom/")
    draft.status = Post.Status.PUBLISHED
    draft.save()
    assert_fresh(client, "/", "Fresh news")
    assert_fresh(client, "/feeds/atom/", "Fresh news")
    draft.delete()
    assert_fresh(client, "/", "Fresh news", present=False)


def test_retagging_and_editing_tags_refreshes_pages(client, post):
    warm(client, "/tag/python/", "/tags/")
    post.tags.add(make_tag("Vim"))
    assert_fresh(client, "/tags/", "Vim")
    tag = post.tags.get(name="Python")
    tag.featured = True
    tag.save()
    assert_fresh(client, "/", "Stuff I Use")


def test_editing_a_blurb_refreshes_every_page(client, post):
    blurb = make_blurb(title="About Me", body="Old words.")
    warm(client, "/", post.get_absolute_url())
    blurb.body = "New words."
    blurb.save()
    assert_fresh(client, "/", "New words.")
    assert_fresh(client, post.get_absolute_url(), "New words.")


def test_approving_and_removing_a_comment_refreshes_the_post_page(client, post):
    author = make_author()
    comment = make_comment(post, body="A fine remark")
    warm(client, post.get_absolute_url(), "/feeds/comments/atom/")
    moderation.approve([comment], author)
    assert_fresh(client, post.get_absolute_url(), "A fine remark")
    assert_fresh(client, "/feeds/comments/atom/", "A fine remark")
    moderation.mark_spam([comment], author)
    assert_fresh(client, post.get_absolute_url(), "A fine remark", present=False)
    moderation.mark_ham([comment], author)
    moderation.delete([comment], author)
    assert_fresh(client, post.get_absolute_url(), "A fine remark", present=False)


def test_a_new_pending_comment_keeps_the_cache(client, post):
    warm(client, post.get_absolute_url())
    before = pagecache.generation()
    make_comment(post, body="Waiting in the queue")
    assert pagecache.generation() == before
    assert get(client, post.get_absolute_url())["X-Page-Cache"] == "hit"


def test_the_spam_counter_moving_refreshes_the_sidebar(client, post):
    warm(client, "/")
    SpamReport.add(41)
    assert_fresh(client, "/", "At least 41 pieces")


def test_a_scheduled_post_appears_at_its_time_without_any_change(client, post):
    at = timezone.now() + timedelta(minutes=5)
    make_post(title="Scheduled news", published_at=at)
    warm(client, "/")
    assert_fresh(client, "/", "Scheduled news", present=False)
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=1)):
        assert_fresh(client, "/", "Scheduled news")


def test_entries_never_outlive_the_page_cache_seconds(client, post, settings):
    settings.PAGE_CACHE_SECONDS = 60
    get(client, "/")
    later = timezone.now() + timedelta(seconds=61)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert get(client, "/")["X-Page-Cache"] == "miss"


def test_page_cache_can_be_turned_off(client, post, settings):
    settings.PAGE_CACHE_SECONDS = 0
    get(client, "/")
    assert get(client, "/").get("X-Page-Cache") is None


@pytest.mark.django_db(transaction=True)
def test_invalidation_waits_for_the_commit():
    post = make_post()
    before = pagecache.generation()
    with transaction.atomic():
        post.title = "Changed inside a transaction"
        post.save()
        # A reader now would still see the old row: the generation must not move yet.
        assert pagecache.generation() == before
    assert pagecache.generation() != before


def test_generation_survives_a_cache_clear_as_a_new_one():
    first = pagecache.generation()
    cache.clear()
    assert pagecache.generation() != first


def wsgi_get(path, **environ):
    from wsgiref.util import setup_testing_defaults

    from escribe.wsgi import application

    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "HTTP_HOST": "testserver", **environ}
    setup_testing_defaults(env)
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(headers)

    # As Django's test client does: the handler would close the test's
    # connection, inside the test's transaction, at the start of the request.
    # SQLite's in-memory test database ignores that; PostgreSQL's does not.
    request_started.disconnect(close_old_connections)
    try:
        body = b"".join(application(env, start_response))
    finally:
        request_started.connect(close_old_connections)
    return captured["status"], captured["headers"], body


def test_wsgi_fast_path_serves_the_whole_stored_response(post, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    status, headers, body = wsgi_get("/")
    assert status.startswith("200") and headers["X-Page-Cache"] == "miss"
    with mock.patch("django.core.handlers.wsgi.WSGIHandler.__call__", side_effect=AssertionError("Django was called")):
        hit_status, hit_headers, hit_body = wsgi_get("/")
    assert hit_status == "200 OK" and hit_body == body
    assert hit_headers["X-Page-Cache"] == "hit"
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Cross-Origin-Opener-Policy", "ETag"):
        assert hit_headers[name] == headers[name], name
    not_modified = wsgi_get("/", HTTP_IF_NONE_MATCH=headers["ETag"])
    assert not_modified[0] == "304 Not Modified" and not_modified[2] == b""


def test_wsgi_fast_path_lets_the_author_and_changes_through(post, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    wsgi_get("/")
    assert wsgi_get("/", HTTP_COOKIE="theme=dark; sessionid=abc")[1].get("X-Page-Cache") is None
    post.title = "Changed behind the fast path"
    post.save()
    status, headers, body = wsgi_get("/")
    assert headers["X-Page-Cache"] == "miss" and b"Changed behind the fast path" in body


def test_plain_http_and_https_are_cached_apart(post, settings):
    # Over plain HTTP production's stored answer is the redirect, never the page.
    settings.ALLOWED_HOSTS = ["testserver"]
    wsgi_get("/")
    assert wsgi_get("/")[1]["X-Page-Cache"] == "hit"
    assert wsgi_get("/", HTTP_X_FORWARDED_PROTO="https")[1]["X-Page-Cache"] == "miss"


# --- compression: once, when stored --------------------------------------------------------


def test_a_reader_who_takes_gzip_gets_the_stored_page_compressed(client, post):
    import gzip

    plain = get(client, post.get_absolute_url())
    for outcome in ("hit", "hit"):
        zipped = get(client, post.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, deflate, br, zstd")
        assert zipped["X-Page-Cache"] == outcome
        assert zipped["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.content) == plain.content
        assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content) / 2
        assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
        assert zipped["ETag"] != plain["ETag"]
        # Everything else a reader gets is the same: security headers, caching rules.
        for header in ("Content-Security-Policy", "Cache-Control", "Content-Type", "X-Content-Type-Options"):
            assert zipped[header] == plain[header], header


def test_the_first_reader_gets_the_compressed_form_too(client, post):
    import gzip

    first = get(client, "/", HTTP_ACCEPT_ENCODING="gzip")
    assert first["X-Page-Cache"] == "miss" and first["Content-Encoding"] == "gzip"
    assert b"Cached post" in gzip.decompress(first.content)


@pytest.mark.parametrize("accept", ["", "identity", "gzip;q=0", "br", "*;q=0", "gzip; q=0.0, deflate"])
def test_readers_who_do_not_take_gzip_get_the_page_as_is(client, post, accept):
    get(client, "/")
    response = get(client, "/", HTTP_ACCEPT_ENCODING=accept)
    assert response["X-Page-Cache"] == "hit"
    assert not response.has_header("Content-Encoding")
    assert b"Cached post" in response.content


@pytest.mark.parametrize("accept", ["gzip", "GZIP", "deflate, gzip;q=0.5", "x-gzip", "*", "gzip;q=1.0"])
def test_accept_encoding_that_allows_gzip(accept):
    assert pagecache.accepts_gzip(accept)


def test_each_encoding_answers_its_own_etag(client, post):
    get(client, "/")
    zipped_etag = get(client, "/", HTTP_ACCEPT_ENCODING="gzip")["ETag"]
    plain_etag = get(client, "/")["ETag"]
    assert get(client, "/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped_etag).status_code == 304
    assert get(client, "/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=plain_etag).status_code == 200
    assert get(client, "/", HTTP_IF_NONE_MATCH=plain_etag).status_code == 304


def test_the_feed_is_compressed_and_small_answers_are_not(client, post):
    feed = get(client, "/feeds/atom/", HTTP_ACCEPT_ENCODING="gzip")
    assert feed["Content-Encoding"] == "gzip"
    redirect = get(client, f"/{post.pk}/", HTTP_ACCEPT_ENCODING="gzip")  # the legacy permalink: a bodiless 301
    assert redirect.status_code == 301 and not redirect.has_header("Content-Encoding")
