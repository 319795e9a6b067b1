"""The production stack from deploy/: nginx in front of gunicorn, driven over loopback.

Tests marked `stack` share one running stack (tests/support/stack.py) and skip where
nginx or openssl is missing (fail under CI). The others need no nginx: the
deploy check with the production settings, the template renderer and the
systemd units.
"""

import html
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.stack import HOST, REPO, make_certificate, production_env, run_manage
from tests.support.system import require_program
from tools import localstack


def _load_renderer():
    """deploy/render.py, which is no package: it runs on a bare server from its path."""
    spec = importlib.util.spec_from_file_location("escribe_deploy_render", REPO / "deploy" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load_renderer()

stack_test = pytest.mark.stack


def commentable_slug(stack):
    """The slug of a public post that takes comments."""
    return stack.shell(
        "from blog.models import Post\nprint(Post.objects.published().filter(comments_enabled=True).first().slug)"
    ).strip()


def comment_form(body):
    return {
        "author_name": "Stack Test",
        "author_email": "stack@example.com",
        "author_url": "",
        "body": body,
        "homepage": "",
    }


def comment_count(stack):
    return int(stack.shell("from comments.models import Comment\nprint(Comment.objects.count())"))


def poll(condition, timeout, interval=0.2):
    """Call condition() until it returns something truthy or the time is up; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


@stack_test
def test_http_redirects_to_https_keeping_the_port(stack):
    response = stack.get("/archive/?page=2", scheme="http")
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}:{stack.https_port}/archive/?page=2"


@stack_test
def test_acme_challenges_are_answered_over_http(stack):
    challenge = stack.prefix / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "token123").write_text("token123.thumbprint")
    response = stack.get("/.well-known/acme-challenge/token123", scheme="http")
    assert response.status_code == 200
    assert response.text == "token123.thumbprint"


@stack_test
def test_unknown_host_gets_no_http_response(stack):
    with stack.client("http") as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/", headers={"Host": "evil.test"})


@stack_test
def test_unknown_server_name_is_refused_in_the_tls_handshake(stack):
    context = stack.tls_context(verify=False)
    with (
        socket.create_connection(("127.0.0.1", stack.https_port), timeout=5) as raw,
        pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME"),
        context.wrap_socket(raw, server_hostname="evil.test"),
    ):
        pass


@stack_test
def test_unknown_host_behind_our_server_name_gets_no_response(stack):
    # SNI says blog.test, the Host header says something else.
    with stack.client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/", headers={"Host": "evil.test"})


@stack_test
def test_static_files_come_from_nginx_with_a_long_lifetime(stack):
    manifest = json.loads((stack.prefix / "static" / "staticfiles.json").read_text())
    path = "/static/" + manifest["paths"]["css/site.css"]
    response = stack.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "body" in response.text
    # From nginx alone (gunicorn never saw it), with the site's security headers all the same.
    assert path not in stack.access_log.read_text()
    assert_security_headers(response, stack)


UPLOAD_IN_SHELL = """
import io
from PIL import Image
from django.core.files.base import ContentFile
from blog.models import Upload
buffer = io.BytesIO()
Image.new("RGB", (1000, 500), (10, 120, 200)).save(buffer, "PNG")
image = Upload(file=ContentFile(buffer.getvalue(), name="stack photo.png"))
image.save()
document = Upload(file=ContentFile(b"%PDF-1.4 not much of a PDF", name="slides.pdf"))
document.save()
print(image.url, image.variants[0]["name"], document.url)
"""


@stack_test
def test_uploads_come_from_nginx_cached_forever_and_documents_as_attachments(stack):
    from escribe import media

    image_url, copy_name, document_url = stack.shell(UPLOAD_IN_SHELL).split()
    for url in (image_url, f"/media/{copy_name}"):
        response = stack.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].startswith("image/")
        assert response.headers["Cache-Control"] == media.CACHE_CONTROL
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == media.CONTENT_SECURITY_POLICY
        assert "Content-Disposition" not in response.headers
        assert_security_headers(response, stack)
    document = stack.get(document_url)
    assert document.status_code == 200
    assert document.headers["Content-Disposition"] == "attachment"
    assert document.headers["X-Content-Type-Options"] == "nosniff"
    # Straight from disk: gunicorn never saw them.
    assert "/media/" not in stack.access_log.read_text()
    # The same headers Django sends when it serves the file itself (`make run`).
    assert media.headers_for(document_url)["Content-Disposition"] == "attachment"
    assert "Content-Disposition" not in media.headers_for(image_url)


@stack_test
def test_nginx_lets_an_upload_of_several_megabytes_reach_the_admin(stack):
    # The server-wide limit is 1 MB; the admin's own lets ESCRIBE_UPLOAD_MAX_MB through (Django answers, not nginx).
    response = stack.post("/admin/blog/upload/add/", content=b"x" * (5 * 1024 * 1024),
                          headers={"Content-Type": "application/octet-stream"})  # fmt: skip
    assert response.status_code != 413
    assert "nginx" not in response.text


@stack_test
def test_unhashed_static_names_are_not_cached_forever(stack):
    response = stack.get("/static/css/site.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]


@stack_test
def test_pages_come_from_gunicorn(stack):
    response = stack.get("/?via=gunicorn")
    assert response.status_code == 200
    assert "E-Scribe" in response.text
    # gunicorn writes the line just after the response has gone out.
    assert poll(lambda: "/?via=gunicorn" in stack.access_log.read_text(), timeout=3)


@stack_test
def test_comment_is_stored_with_the_address_nginx_saw(stack):
    slug = commentable_slug(stack)
    body = f"A comment through nginx {uuid.uuid4()}"
    response = stack.post(
        f"/post/{slug}/comment/",
        data=comment_form(body),
        headers={"X-Forwarded-For": "6.6.6.6", "Origin": stack.origin},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/post/{slug}/comment/received/")
    stored = stack.shell(
        f"from comments.models import Comment\nprint(Comment.objects.get(body={body!r}).ip_address)"
    ).strip()
    assert stored == "127.0.0.1"


@stack_test
def test_comment_posts_are_rate_limited_by_nginx(stack):
    slug = commentable_slug(stack)
    before = comment_count(stack)
    statuses = []
    with stack.client() as client:
        for number in range(20):
            response = client.post(
                f"/post/{slug}/comment/",
                data=comment_form(f"Comment number {number}, {uuid.uuid4()}"),
                headers={"Origin": stack.origin},
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                # nginx's own error page, not Django's "refused" template, with the site's headers.
                assert "nginx" in response.text
                assert_security_headers(response, stack)
                assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert 429 in statuses
    assert set(statuses) <= {302, 429}
    assert comment_count(stack) - before == statuses.count(302)


@stack_test
def test_oversized_comment_is_refused_by_nginx(stack):
    slug = commentable_slug(stack)
    response = stack.post(f"/post/{slug}/comment/", data=comment_form("x" * 100_000), headers={"Origin": stack.origin})
    assert response.status_code == 413
    assert "nginx" in response.text
    assert_security_headers(response, stack)
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"


@stack_test
def test_a_login_flood_is_refused_by_nginx_with_the_security_headers(stack):
    with stack.client(local_address="127.0.0.3") as client:
        for _ in range(40):
            response = client.post("/admin/login/", data={"username": "x", "password": "y"})
            if response.status_code == 429 and "nginx" in response.text:
                break
    assert response.status_code == 429 and "nginx" in response.text
    assert_security_headers(response, stack)


@stack_test
def test_nginx_refusal_pages_cannot_be_asked_for(stack):
    assert stack.get("/.escribe-refused/429").status_code == 404


ANY_RESPONSE_HEADERS = ["Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                        "Cross-Origin-Opener-Policy"]  # fmt: skip


def assert_security_headers(response, stack):
    """The site's headers for any response, as Django sends them on a page (each once)."""
    page = stack.get("/?headers")
    for name in ANY_RESPONSE_HEADERS:
        assert response.headers.get_list(name) == [page.headers[name]], name


@stack_test
def test_pages_carry_the_security_headers(stack):
    response = stack.get("/")
    assert response.status_code == 200
    headers = response.headers
    assert "max-age=" in headers.get("Strict-Transport-Security", "")
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy")
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin"
    assert headers.get("Content-Security-Policy")


def log_in(stack):
    """Log in as the author through nginx; returns the Cookie header of the session."""
    login = stack.get("/admin/login/")
    assert login.status_code == 200
    csrf_cookie = login.cookies["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    response = stack.post(
        "/admin/login/?next=/admin/",
        data={"username": "author", "password": stack.password, "csrfmiddlewaretoken": token, "next": "/admin/"},
        headers={
            "Cookie": f"csrftoken={csrf_cookie}",
            "Origin": stack.origin,
            "Referer": f"{stack.origin}/admin/login/",
        },
    )
    assert response.status_code == 302, response.text[:500]
    return f"csrftoken={csrf_cookie}; sessionid={response.cookies['sessionid']}"


def gunicorn_saw(stack, path):
    """How many times the path reached gunicorn (its access log; the line follows the response)."""
    time.sleep(0.3)
    return stack.access_log.read_text().count(f'"GET {path} HTTP')


def start_afresh(stack):
    """Make every page file stale, as a change would (manage.py shell, the production settings)."""
    stack.shell("from escribe import pages\npages.invalidate()")


def page_file(stack, name):
    return stack.prefix / "pages" / "current" / name


SECURITY_HEADERS = [
    "Content-Type", "Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options",
    "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy", "Cache-Control",
]  # fmt: skip


@stack_test
@pytest.mark.parametrize(
    ("path", "name"),
    [("/tags/", "tags/index.html"), ("/feeds/atom/", "feeds/atom/index.atom"), ("/feeds/rss/", "feeds/rss/index.rss"),
     ("/robots.txt", "robots.txt"), ("/sitemap.xml", "sitemap.xml")],
)  # fmt: skip
def test_the_second_reader_gets_the_page_from_a_file_with_the_same_headers(stack, path, name):
    start_afresh(stack)
    before = gunicorn_saw(stack, path)
    first = stack.get(path)
    assert first.status_code == 200
    assert gunicorn_saw(stack, path) == before + 1
    assert page_file(stack, name).read_bytes() == first.content
    assert page_file(stack, name + ".gz").exists()
    second = stack.get(path)
    assert gunicorn_saw(stack, path) == before + 1, "the second reader reached gunicorn"
    assert second.content == first.content
    assert {header: second.headers.get(header) for header in SECURITY_HEADERS} == {
        header: first.headers.get(header) for header in SECURITY_HEADERS
    }
    assert None not in [second.headers.get(header) for header in SECURITY_HEADERS]


@stack_test
def test_page_files_are_sent_compressed_to_readers_who_take_gzip(stack):
    stack.get("/archive/")
    zipped = stack.get("/archive/", headers={"Accept-Encoding": "gzip"})
    plain = stack.get("/archive/", headers={"Accept-Encoding": "identity"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert zipped.content == plain.content  # httpx decodes the gzip one
    assert "Accept-Encoding" in plain.headers["Vary"]


@stack_test
def test_page_files_answer_conditional_requests(stack):
    stack.get("/archive/")
    first = stack.get("/archive/")
    again = stack.get("/archive/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def served_by(stack, path, source, **kwargs):
    """GET `path` as it is served from `source` ("file" or "django"); returns the response."""
    if source == "file":
        stack.get(path)
        assert page_file(stack, path.strip("/") + "/index.html").exists()
    before = gunicorn_saw(stack, path)
    response = stack.get(path, **kwargs)
    assert response.status_code == 200
    assert gunicorn_saw(stack, path) == before + (source == "django"), f"not served by {source}"
    return response


# A page file (nginx's own ETag and Last-Modified) and a page Django renders
# (ConditionalGetMiddleware's ETag; a query string keeps it from being a file).
SOURCES = pytest.mark.parametrize(("source", "path"), [("file", "/archive/"), ("django", "/archive/?from=django")])


@stack_test
@SOURCES
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_if_none_match_is_compared_weakly_and_star_matches_for_get_and_head(stack, source, path, encoding):
    start_afresh(stack)
    # With the encoding asked for: a page file's .gz twin is another file, with an ETag of its own.
    etag = served_by(stack, path, source, headers={"Accept-Encoding": encoding}).headers["ETag"]
    strong = etag.removeprefix("W/")
    # nginx weakens the ETag of what it compresses on the fly: either form must match (RFC 9110 13.1.2).
    for method in ("GET", "HEAD"):
        for if_none_match, status in [
            (strong, 304), (f"W/{strong}", 304), ("*", 304), (f'"other", {strong}', 304), ('"other"', 200),
        ]:  # fmt: skip
            response = stack.request(
                method, path, headers={"If-None-Match": if_none_match, "Accept-Encoding": encoding}
            )
            assert response.status_code == status, (method, if_none_match)


@stack_test
def test_if_modified_since_is_answered_on_page_files(stack):
    start_afresh(stack)
    last_modified = served_by(stack, "/archive/", "file").headers["Last-Modified"]
    assert stack.get("/archive/", headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert stack.get("/archive/", headers={"If-Modified-Since": earlier}).status_code == 200


@stack_test
def test_if_modified_since_is_answered_by_django_where_it_sends_last_modified(stack):
    # Django's feeds carry Last-Modified; its HTML pages have only an ETag, and If-Modified-Since alone gets 200.
    last_modified = served_by(stack, "/feeds/atom/?from=django", "django").headers["Last-Modified"]
    assert stack.get("/feeds/atom/?from=django", headers={"If-Modified-Since": last_modified}).status_code == 304
    page = served_by(stack, "/archive/?from=django", "django")
    assert "Last-Modified" not in page.headers
    since = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert stack.get("/archive/?from=django", headers={"If-Modified-Since": since}).status_code == 200


@stack_test
def test_the_author_never_gets_or_makes_page_files(stack):
    cookie = log_in(stack)
    start_afresh(stack)
    stack.get("/archive/")  # an anonymous reader: the file exists now
    assert page_file(stack, "archive/index.html").exists()
    before = gunicorn_saw(stack, "/archive/")
    for _ in range(2):
        assert stack.get("/archive/", headers={"Cookie": cookie}).status_code == 200
    assert gunicorn_saw(stack, "/archive/") == before + 2, "the author was sent a page file"
    start_afresh(stack)
    stack.get("/archive/", headers={"Cookie": cookie})
    assert not page_file(stack, "archive/index.html").exists()


@stack_test
@pytest.mark.parametrize(
    ("request_kwargs", "reaches"),
    [({"params": {"q": "x"}}, "/tags/?q=x"), ({"headers": {"Authorization": "Basic YTpi"}}, "/tags/"),
     ({"headers": {"Host": f"{HOST}:1234"}}, "/tags/")],
    ids=["query string", "authorization", "another port"],
)  # fmt: skip
def test_requests_that_may_differ_never_get_or_make_page_files(stack, request_kwargs, reaches):
    start_afresh(stack)
    stack.get("/tags/")  # the file exists
    before = gunicorn_saw(stack, reaches)
    assert stack.get("/tags/", **request_kwargs).status_code == 200
    assert gunicorn_saw(stack, reaches) == before + 1
    start_afresh(stack)
    stack.get("/tags/", **request_kwargs)
    assert not page_file(stack, "tags/index.html").exists()


@stack_test
def test_post_requests_never_get_page_files(stack):
    slug = commentable_slug(stack)
    stack.get(f"/post/{slug}/comment/received/")
    response = stack.post(f"/post/{slug}/comment/received/", headers={"Origin": stack.origin})
    assert response.status_code in (403, 405)  # Django refuses it: nginx served no file
    assert poll(lambda: f'"POST /post/{slug}/comment/received/ HTTP' in stack.access_log.read_text(), timeout=3)


@stack_test
def test_admin_is_never_a_page_file(stack):
    first = stack.get("/admin/login/")
    second = stack.get("/admin/login/")
    assert not (stack.prefix / "pages" / "current" / "admin").exists()
    # Each visitor gets their own CSRF cookie.
    assert first.cookies["csrftoken"] != second.cookies["csrftoken"]


def set_custom_css(stack, css):
    """Save the site settings' custom CSS as the admin does (a committed save: every page goes stale)."""
    stack.shell(f"from blog.site import current\nrow = current()\nrow.custom_css = {css!r}\nrow.save()")


@stack_test
def test_the_custom_css_comes_from_gunicorn_with_its_own_lifetime_and_the_site_headers(stack):
    css = "body {\n  letter-spacing: 0.01em;\n}\n" * 20  # over nginx's gzip_min_length
    set_custom_css(stack, css)
    try:
        stack.get("/")
        front = stack.get("/")
        assert page_file(stack, "index.html").exists()
        address = re.search(r'<link rel="stylesheet" href="(/site-[0-9a-f]{12}\.css)">', front.text)[1]
        before = gunicorn_saw(stack, address)
        for _ in range(2):
            response = stack.get(address, headers={"Accept-Encoding": "gzip"})
            assert response.status_code == 200 and response.text == css
        # Never a page file: nginx would send it with a page's short Cache-Control, as the wrong type.
        assert gunicorn_saw(stack, address) == before + 2
        assert not page_file(stack, address.lstrip("/")).exists()
        assert response.headers["Content-Type"] == "text/css; charset=utf-8"
        assert response.headers.get_list("Cache-Control") == ["public, max-age=31536000, immutable"]
        assert response.headers["Content-Encoding"] == "gzip" and "set-cookie" not in response.headers
        assert_security_headers(response, stack)
        set_custom_css(stack, css.replace("0.01em", "0.02em"))
        moved = stack.get(address)
        assert moved.status_code == 302 and moved.headers["Location"] in stack.get("/").text
    finally:
        set_custom_css(stack, "")


@stack_test
def test_forwarded_headers_from_the_client_are_not_passed_on(stack):
    # gunicorn believes these from nginx's socket; a client's copies that
    # disagreed with nginx's X-Forwarded-Proto would make it answer 400.
    response = stack.get(
        "/robots.txt?forwarded",
        headers={
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Ssl": "off",
            "X-Forwarded-Protocol": "plain",
            "X-Forwarded-Host": "evil.test",
        },
    )
    assert response.status_code == 200
    assert f"Sitemap: {stack.origin}/sitemap.xml" in response.text


def front_page_shows(stack, text):
    return html.escape(text) in stack.get("/").text


@stack_test
def test_publishing_and_approving_show_through_nginx_at_once(stack):
    # The front page is a file already; the change must show on the very next request.
    stack.get("/")
    assert page_file(stack, "index.html").exists()
    title = stack.shell(
        "from django.utils import timezone\n"
        "from blog.models import Post\n"
        "post = Post.objects.filter(status=Post.Status.DRAFT).first()\n"
        "post.status = Post.Status.PUBLISHED\n"
        "post.published_at = timezone.now()\n"
        "post.save()\n"
        "print(post.title)"
    ).strip()
    assert front_page_shows(stack, title), f"{title!r} is not on the front page"

    url = stack.shell(
        "from comments.models import Comment\n"
        "print(Comment.objects.filter(status=Comment.Status.PENDING).order_by('id').first().post.get_absolute_url())"
    ).strip()
    stack.get(url)
    assert page_file(stack, url.strip("/") + "/index.html").exists()
    body = stack.shell(
        "from comments import moderation\n"
        "from comments.models import Comment\n"
        "comment = Comment.objects.filter(status=Comment.Status.PENDING).order_by('id').first()\n"
        "moderation.approve([comment], None)\n"
        "print(comment.body.splitlines()[0])"
    ).strip()
    assert html.escape(body) in stack.get(url).text, "the approved comment is not shown"


@stack_test
def test_an_edit_shows_at_once_through_nginx_and_straight_from_gunicorn(stack):
    url = "/archive/"
    stack.get(url)
    assert page_file(stack, "archive/index.html").exists()
    with localstack.extra_gunicorn(stack, "direct-gunicorn") as port:
        direct = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Host": stack.host, "X-Forwarded-Proto": "https"}, timeout=10
        )
        with direct:
            assert direct.get(url).status_code == 200
            marker = f"Blurb {uuid.uuid4().hex[:8]}"
            stack.shell(
                "from blog.models import Blurb\n"
                "blurb = Blurb.objects.order_by('position').first()\n"
                f"blurb.title = {marker!r}\n"
                "blurb.save()"
            )
            assert marker in stack.get(url).text
            assert marker in direct.get(url).text


@stack_test
def test_a_scheduled_post_appears_on_every_page_within_5_seconds_with_nothing_but_the_site_running(stack):
    title = f"Scheduled {uuid.uuid4().hex[:8]}"
    slug = title.lower().replace(" ", "-")
    facts = json.loads(
        stack.shell(
            "import json\n"
            "from datetime import timedelta\n"
            "from django.utils import timezone\n"
            "from blog.models import Post, Tag\n"
            "newest = Post.objects.published().first()\n"
            "tag = Tag.objects.get(name='Python')\n"
            f"post = Post.objects.create(title={title!r}, slug={slug!r}, body='Soon.',"
            # Far enough ahead that every page below is read (and kept as a file) before it is due.
            " status=Post.Status.PUBLISHED, published_at=timezone.now() + timedelta(seconds=8))\n"
            "post.tags.add(tag)\n"
            "month = timezone.localtime(post.published_at)\n"
            "print(json.dumps({'due': post.published_at.timestamp(), 'tag': tag.get_absolute_url(),"
            " 'neighbour': newest.get_absolute_url(), 'month': f'/archive/{month.year}/{month.month}/'}))"
        )
    )
    places = {
        "/": title,
        facts["tag"]: title,
        facts["month"]: title,
        "/feeds/atom/": title,
        "/feeds/rss/": title,
        "/sitemap-posts.xml": f"/post/{slug}/",
        facts["neighbour"]: f"/post/{slug}/",
    }
    for url, marker in places.items():
        response = stack.get(url)
        assert marker not in response.text, f"{url} showed the post before its time"
        assert time.time() < facts["due"], "too slow to check every page before the post was due"
    time.sleep(max(0.0, facts["due"] - time.time()))
    missing = dict(places)
    while missing and time.time() < facts["due"] + 5:
        missing = {url: marker for url, marker in missing.items() if marker not in stack.get(url).text}
        time.sleep(0.2)
    assert not missing, f"not there 5 s after its time: {sorted(missing)}"


@stack_test
def test_graceful_reload_loses_no_request(stack):
    statuses, errors = [], []

    def hammer():
        deadline = time.monotonic() + 4
        with stack.client() as client:
            while time.monotonic() < deadline and len(statuses) + len(errors) < 200:
                try:
                    statuses.append(client.get("/healthz").status_code)
                except httpx.HTTPError as error:
                    errors.append(repr(error))
                time.sleep(0.01)

    worker = threading.Thread(target=hammer)
    worker.start()
    time.sleep(1)
    os.kill(stack.gunicorn_pid(), signal.SIGHUP)
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert not errors
    assert statuses and set(statuses) == {200}
    assert stack.gunicorn_pid() == stack.gunicorn.pid
    assert "Hang up" in (stack.prefix / "gunicorn.out").read_text()


def test_deploy_check_passes_with_the_production_settings(tmp_path):
    env = production_env(tmp_path, 443)
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stdout + result.stderr


NGINX_VALUES = {
    "SERVER_NAME": "blog.example.com",
    "HTTP_PORT": "80",
    "HTTPS_PORT": "443",
    "SOCKET": "/run/escribe/gunicorn.sock",
    "STATIC_ROOT": "/srv/escribe/var/static",
    "PAGES_DIR": "/srv/escribe/var/pages",
    "MEDIA_ROOT": "/srv/escribe/var/media",
    "PAGE_HEADERS": "/etc/nginx/snippets/escribe-page-headers.conf",
    "SECURITY_HEADERS": "/etc/nginx/snippets/escribe-security-headers.conf",
    "ACME_ROOT": "/var/www/letsencrypt",
    "SSL_CERT": "/etc/letsencrypt/live/blog.example.com/fullchain.pem",
    "SSL_KEY": "/etc/letsencrypt/live/blog.example.com/privkey.pem",
    "ACCESS_LOG": "/var/log/nginx/escribe.access.log",
}


def test_rendered_site_redirects_to_the_default_https_port_without_a_suffix():
    site = render.render_file(REPO / "deploy/nginx/escribe.conf", **NGINX_VALUES)
    assert "return 301 https://$host$request_uri;" in site
    assert "@@" not in site
    on_8443 = render.render_file(REPO / "deploy/nginx/escribe.conf", **{**NGINX_VALUES, "HTTPS_PORT": "8443"})
    assert "return 301 https://$host:8443$request_uri;" in on_8443


def test_renderer_names_missing_and_unknown_placeholders():
    values = {**NGINX_VALUES, "SERVER_NAMES": "typo.example.com"}
    del values["SOCKET"]
    assignments = [f"--set={name}={value}" for name, value in values.items()]
    result = subprocess.run(
        [sys.executable, "deploy/render.py", "deploy/nginx/escribe.conf", *assignments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no value for SOCKET" in result.stderr
    assert "no placeholder SERVER_NAMES" in result.stderr


def test_rendered_site_listens_on_every_address_unless_given_one():
    """Several app hosts on one machine (tools/stack.py) each take their own address, never all of them."""
    listens = [
        line.strip()
        for line in render.render_file(REPO / "deploy/nginx/escribe.conf", **NGINX_VALUES).splitlines()
        if line.strip().startswith("listen")
    ]
    assert listens == [
        "listen 80 default_server;", "listen [::]:80 default_server;",
        "listen 443 ssl http2 default_server;", "listen [::]:443 ssl http2 default_server;",
        "listen 80;", "listen [::]:80;",
        "listen 443 ssl http2;", "listen [::]:443 ssl http2;",
    ]  # fmt: skip
    proxied = {**NGINX_VALUES, "CHECK_SOCKET": "/run/check.sock", "PROXY": ["10.0.0.10"], "LISTEN_ADDRESS": "127.0.0.2"}
    for name in ("ACME_ROOT", "SSL_CERT", "SSL_KEY"):
        del proxied[name]
    site = render.render_file(REPO / "deploy/nginx/escribe.conf", {"PROXIED": True}, **proxied)
    listens = [line.strip() for line in site.splitlines() if line.strip().startswith("listen")]
    assert listens == ["listen 127.0.0.2:80 default_server;", "listen 127.0.0.2:80;", "listen unix:/run/check.sock;"]


def test_the_front_moves_only_what_a_host_never_received_and_says_who_the_reader_is():
    """deploy/nginx/front.conf: a GET whose host failed goes to the next; a POST that reached one never does."""
    values = {
        "SERVER_NAME": "blog.example.com", "HTTP_PORT": "80", "HTTPS_PORT": "443",
        "APP_HOST": ["10.0.0.2:80", "10.0.0.3:80"], "SSL_CERT": "/c.pem", "SSL_KEY": "/k.pem", "ACME_ROOT": "/acme",
        "SECURITY_HEADERS": "/h.conf", "ACCESS_LOG": "/a.log",
    }  # fmt: skip
    site = render.render_file(REPO / "deploy/nginx/front.conf", **values)
    lines = [line.strip() for line in site.splitlines() if not line.strip().startswith("#")]
    assert "server 10.0.0.2:80 max_fails=1 fail_timeout=3s;" in lines
    assert "server 10.0.0.3:80 max_fails=1 fail_timeout=3s;" in lines
    assert "proxy_next_upstream error timeout http_502 http_503 http_504;" in lines
    assert not any("non_idempotent" in line for line in lines)
    # Overwritten with what the front saw, never a client's own header passed on.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in lines
    assert "proxy_set_header X-Forwarded-Proto https;" in lines
    assert not any(line.startswith("proxy_bind") for line in lines)
    bound = render.render_file(
        REPO / "deploy/nginx/front.conf", {"BIND": True, "MEDIA_STORE": True},
        **values, SOURCE_ADDRESS="127.0.0.10", MEDIA_STORE_URL="http://127.0.0.20:9000/media/",
    )  # fmt: skip
    assert "proxy_bind 127.0.0.10;" in bound
    assert "proxy_pass http://127.0.0.20:9000/media/;" in bound


def test_renderer_refuses_values_that_would_break_the_file():
    with pytest.raises(render.RenderError, match="line break"):
        render.render("server_name @@NAME@@;", NAME="a;\n}")
    with pytest.raises(render.RenderError, match="NAME is empty"):
        render.render("server_name @@NAME@@;", NAME="")


@stack_test
def test_site_fits_debians_stock_nginx_conf(tmp_path):
    """Debian's nginx.conf sets gzip and TLS defaults at http level: the site must not clash."""
    nginx = require_program("nginx", "/usr/sbin/nginx")
    openssl = require_program("openssl", "/usr/bin/openssl")
    stock = Path("/etc/nginx/nginx.conf")
    if "include /etc/nginx/sites-enabled/*;" not in (stock.read_text() if stock.exists() else ""):
        pytest.skip("no Debian nginx.conf here")
    cert, key = make_certificate(openssl, tmp_path)
    headers = tmp_path / "page-headers.conf"
    headers.write_text(run_manage(production_env(tmp_path, 443), "page_headers").stdout)
    any_response = tmp_path / "security-headers.conf"
    any_response.write_text(run_manage(production_env(tmp_path, 443), "page_headers", "--any-response").stdout)
    site = tmp_path / "escribe.conf"
    site.write_text(
        render.render_file(
            REPO / "deploy/nginx/escribe.conf",
            **{
                **NGINX_VALUES,
                "PAGES_DIR": tmp_path / "pages",
                "PAGE_HEADERS": headers,
                "SECURITY_HEADERS": any_response,
                "SSL_CERT": cert,
                "SSL_KEY": key,
                "ACCESS_LOG": tmp_path / "escribe.access.log",
            },
        )
    )
    conf = stock.read_text().replace("include /etc/nginx/sites-enabled/*;", f"include {site};")
    # Only the files nginx -t would open change place.
    conf = re.sub(r"(?m)^pid .*$", f"pid {tmp_path / 'nginx.pid'};", conf)
    conf = re.sub(r"(error_log|access_log) /var/log/nginx/[a-z.]+;", rf"\1 {tmp_path}/\1.log;", conf)
    (tmp_path / "nginx.conf").write_text(conf)
    result = subprocess.run(
        [nginx, "-t", "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "warn" not in result.stderr


UNITS = [
    "escribe.service",
    "escribe-recheck.service",
    "escribe-recheck.timer",
    "escribe-purge-spam.service",
    "escribe-purge-spam.timer",
    "escribe-backup.service",
    "escribe-backup.timer",
]


def test_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    for unit in UNITS:
        template = REPO / "deploy" / "systemd" / unit
        # Only the services name paths; verify checks that ExecStart exists.
        values = {"APP_DIR": REPO, "ENV_FILE": "/etc/escribe/env"} if unit.endswith(".service") else {}
        (tmp_path / unit).write_text(render.render_file(template, **values))
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / unit) for unit in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify only warns about unknown keys: any output is a finding.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
