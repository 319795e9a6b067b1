"""Readers' pages as files (escribe/pages.py): what is written, where, when it goes stale, and every guard.

Each guard has a test of its own that fails when that guard is deleted: the
request and response are otherwise ones that would be written.
"""

import gzip
import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path, PurePosixPath

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import override_settings
from django.urls import path
from django.utils import timezone

from blog.models import Page, Post
from escribe import page_files, pages
from escribe.urls import urlpatterns as site_urlpatterns
from tests.support.factories import make_blurb, make_post, make_tag, set_site
from tests.support.page_files import kept_files

pytestmark = pytest.mark.django_db


def kept(pages_dir, url_path, extension="html"):
    """The file a URL's page is kept in within the current generation (it may not exist)."""
    generation = pages.current()
    assert generation is not None, "no generation yet"
    relative = page_files.file_for(url_path, {v: k for k, v in page_files.EXTENSIONS.items()}[extension])
    return generation.path / relative


# --- What is written -------------------------------------------------------------------------


def test_an_anonymous_page_is_written_with_a_gzip_twin(client, pages_dir):
    post = make_post(title="Kept as a file")
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    file = kept(pages_dir, post.get_absolute_url())
    assert file.read_bytes() == response.content
    assert gzip.decompress(file.with_name(file.name + ".gz").read_bytes()) == response.content
    assert response["Cache-Control"] == "max-age=0, must-revalidate"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/", "index.html"),
        ("/feeds/atom/", "feeds/atom/index.atom"),
        ("/feeds/rss/", "feeds/rss/index.rss"),
        ("/robots.txt", "robots.txt"),
        ("/sitemap.xml", "sitemap.xml"),
        ("/tags/", "tags/index.html"),
    ],
)
def test_each_kind_of_page_gets_the_name_nginx_looks_for(client, pages_dir, url, name):
    make_post(tags=[make_tag("Python")])
    assert client.get(url).status_code == 200
    assert name in kept_files(pages_dir)


def test_the_markdown_source_is_kept_under_its_own_name(client, pages_dir):
    post = make_post(slug="source")
    assert client.get(post.get_source_url()).status_code == 200
    assert "post/source.md" in kept_files(pages_dir)


# --- Request guards: each alone keeps a page from being written --------------------------------


def test_a_post_request_is_never_written(client, pages_dir):
    post = make_post()
    client.post(f"/post/{post.slug}/comment/", {})
    client.get("/")  # something must be written, or the check below proves nothing
    assert "post" not in " ".join(kept_files(pages_dir))


def test_a_head_request_is_never_written(client, pages_dir):
    make_post()
    assert client.head("/").status_code == 200
    assert kept_files(pages_dir) == []


def test_a_query_string_is_never_written(client, pages_dir):
    make_post()
    assert client.get("/", {"utm_source": "x"}).status_code == 200
    assert kept_files(pages_dir) == []


def test_the_authors_session_is_never_written(client, pages_dir, author):
    make_post()
    client.force_login(author)
    assert client.get("/").status_code == 200
    assert kept_files(pages_dir) == []


def test_an_authorization_header_is_never_written(client, pages_dir):
    make_post()
    assert client.get("/", headers={"Authorization": "Basic YTpi"}).status_code == 200
    assert kept_files(pages_dir) == []


@pytest.mark.parametrize("host", ["testserver:8080", "127.0.0.1", "localhost"])
def test_another_host_or_port_creates_no_files(client, pages_dir, host):
    make_post()
    assert client.get("/", headers={"Host": host}).status_code == 200
    assert kept_files(pages_dir) == []


def test_an_allowed_host_on_another_port_creates_no_files(client, pages_dir, settings):
    # ALLOWED_HOSTS ignores ports, so Django answers blog.test:1234; its links
    # would name that port, so the page must not be kept for everyone.
    settings.ALLOWED_HOSTS = ["blog.test"]
    settings.SITE_URL = "https://blog.test"
    make_post()
    assert client.get("/", headers={"Host": "blog.test:1234"}, secure=True).status_code == 200
    assert kept_files(pages_dir) == []
    assert client.get("/", headers={"Host": "blog.test"}, secure=True).status_code == 200
    assert "index.html" in kept_files(pages_dir)  # the site's own origin is kept: the setup above can write


def test_another_scheme_creates_no_files(client, pages_dir, settings):
    settings.SITE_URL = "https://testserver"
    make_post()
    assert client.get("/").status_code == 200  # plain HTTP
    assert kept_files(pages_dir) == []


def test_without_a_pages_folder_nothing_is_written(client, pages_dir, settings):
    settings.PAGES_DIR = ""
    make_post()
    assert client.get("/").status_code == 200
    assert not pages_dir.exists()


# --- Response guards: a view answering each way is never written -------------------------------


def _answer(**kwargs):
    def view(request):
        response = kwargs.get("make", lambda: HttpResponse("<p>same for all</p>"))()
        for name, value in kwargs.get("headers", {}).items():
            response[name] = value
        if "cookie" in kwargs:
            response.set_cookie(kwargs["cookie"], "1")
        if "status" in kwargs:
            response.status_code = kwargs["status"]
        return response

    return view


urlpatterns = [
    path("probe/plain/", _answer()),
    path("probe/not-found/", _answer(status=404)),
    path("probe/redirect/", _answer(status=301, headers={"Location": "/"})),
    path("probe/server-error/", _answer(status=500)),
    path("probe/cookie/", _answer(cookie="tracking")),
    path("probe/vary-cookie/", _answer(headers={"Vary": "Cookie"})),
    path("probe/private/", _answer(headers={"Cache-Control": "private"})),
    path("probe/no-store/", _answer(headers={"Cache-Control": "no-store"})),
    path("probe/no-cache/", _answer(headers={"Cache-Control": "no-cache"})),
    path("probe/encoded/", _answer(headers={"Content-Encoding": "gzip"})),
    path("probe/json/", _answer(make=lambda: HttpResponse("{}", content_type="application/json"))),
    path("probe/streaming/", _answer(make=lambda: StreamingHttpResponse(iter([b"<p>", b"x</p>"])))),
    *site_urlpatterns,
]


@pytest.fixture
def probes(pages_dir, settings):
    settings.ROOT_URLCONF = __name__
    return pages_dir


def test_a_plain_probe_is_written(client, probes):
    # The control for the probes below: the same view without the trait is kept.
    assert client.get("/probe/plain/").status_code == 200
    assert kept_files(probes) == ["probe/plain/index.html", "probe/plain/index.html.gz"]


@pytest.mark.parametrize(
    "probe",
    ["not-found", "redirect", "server-error", "cookie", "vary-cookie", "private", "no-store", "no-cache", "encoded",
     "json", "streaming"],
)  # fmt: skip
def test_a_response_not_every_reader_may_share_is_never_written(client, probes, probe):
    client.get(f"/probe/{probe}/")
    assert kept_files(probes) == []


# --- Paths: never outside the folder, never a dot file, never two URLs in one file --------------


@pytest.mark.parametrize(
    "url_path",
    ["/../etc/passwd/", "/a/../../b/", "/.hidden/", "/a//b/", "/a/./b/", "/post/x/index.html", "/a\\b/", "/a\x00b/",
     "/" + "a" * 1001 + "/", "/a" * 600 + "/", "relative/", "/robots.txt.gz", "/%2e%2e/"],
)  # fmt: skip
def test_a_path_that_could_leave_or_confuse_the_folder_has_no_file(url_path):
    assert page_files.file_for(url_path, "text/html") is None


def test_a_file_name_must_say_its_content_type():
    atom = "application/atom+xml; charset=utf-8"
    assert page_files.file_for("/feeds/atom/", atom) == PurePosixPath("feeds/atom/index.atom")
    assert page_files.file_for("/robots.txt", "text/plain") == PurePosixPath("robots.txt")
    assert page_files.file_for("/robots.txt", "text/html") is None
    assert page_files.file_for("/", "application/octet-stream") is None


def test_writing_refuses_a_path_that_leaves_the_folder(tmp_path):
    (tmp_path / "gen").mkdir()
    with pytest.raises(ValueError, match="leaves"):
        page_files.write_file(tmp_path / "gen", "../outside.html", b"x")
    assert not (tmp_path / "outside.html").exists()


def test_writing_never_recreates_a_deleted_generation(tmp_path):
    with pytest.raises(FileNotFoundError):
        page_files.write_file(tmp_path / "gone", "page/index.html", b"x")
    assert not (tmp_path / "gone").exists()


def test_a_write_that_fails_leaves_no_half_page(tmp_path, monkeypatch):
    (tmp_path / "gen").mkdir()

    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        page_files.write_file(tmp_path / "gen", "page/index.html", b"<p>whole</p>")
    assert list((tmp_path / "gen").rglob("*.html*")) == []
    assert list((tmp_path / "gen").rglob("*.tmp")) == []


def test_pages_are_written_through_a_rename(tmp_path, monkeypatch):
    # Readers (nginx) only ever open a complete file: the bytes land under
    # another name and are renamed into place.
    (tmp_path / "gen").mkdir()
    renamed = []
    real_replace = os.replace

    def replace(source, target):
        renamed.append(Path(target).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    page_files.write_file(tmp_path / "gen", "page/index.html", b"<p>whole</p>")
    assert renamed == ["index.html.gz", "index.html"]


# --- Staleness ---------------------------------------------------------------------------------


def test_a_change_makes_every_file_unreachable_at_once(client, pages_dir, django_capture_on_commit_callbacks):
    post = make_post(title="Before")
    client.get("/")
    before = pages.current()
    assert kept_files(pages_dir)
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "After"
        post.save()
    after = pages.current()
    assert after.name != before.name
    assert kept_files(pages_dir) == []
    assert not before.path.exists()  # old generations are deleted: disk use stays bounded
    assert "After" in client.get("/").content.decode()


def test_the_files_go_stale_only_after_the_commit(client, pages_dir, django_capture_on_commit_callbacks):
    post = make_post()
    client.get("/")
    before = pages.current().name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post.save()
        assert pages.current().name == before  # a reader now would still read the old rows
    for callback in callbacks:
        callback()
    assert pages.current().name != before


def test_a_page_rendered_from_before_a_change_is_not_written(client, pages_dir, monkeypatch):
    make_post()
    client.get("/robots.txt")  # the first generation
    from blog import views

    real = views.PostListView.get_queryset

    def change_meanwhile(view):
        pages.invalidate()  # another process commits a change while this page renders
        return real(view)

    monkeypatch.setattr(views.PostListView, "get_queryset", change_meanwhile)
    assert client.get("/").status_code == 200
    assert "index.html" not in kept_files(pages_dir)


def test_a_page_is_not_written_into_a_generation_that_is_no_longer_current(client, pages_dir, monkeypatch):
    make_post()
    client.get("/robots.txt")
    old = pages.current()
    monkeypatch.setattr(Path, "rename", lambda self, target: None)  # the old folder lingers where it was
    from blog import views

    real = views.PostListView.get_queryset

    def change_meanwhile(view):
        pages.invalidate()
        return real(view)

    monkeypatch.setattr(views.PostListView, "get_queryset", change_meanwhile)
    client.get("/")
    assert not (old.path / "index.html").exists()
    assert "index.html" not in kept_files(pages_dir)


def test_a_page_is_not_written_once_its_generation_expired_meanwhile(client, pages_dir, monkeypatch):
    make_post()
    client.get("/robots.txt")
    generation = pages.current()
    from blog import views

    real = views.PostListView.get_queryset

    def expire_meanwhile(view):
        pages._write_until(generation.name, time.time() - 0.001)  # a scheduled post's time passes while rendering
        return real(view)

    monkeypatch.setattr(views.PostListView, "get_queryset", expire_meanwhile)
    client.get("/")
    assert not (generation.path / "index.html").exists()


def test_a_switch_that_fails_sends_every_reader_to_django_and_writes_nothing(client, pages_dir, monkeypatch):
    from blog.models import Blurb
    from tests.support.factories import make_blurb

    blurb = make_blurb(title="Before")
    post = make_post()
    client.get(post.get_absolute_url())
    assert pages.current() is not None

    real_mkdir = Path.mkdir

    def disk_full(self, *args, **kwargs):
        if self.is_dir():  # what exists may be asked for again (exist_ok)
            return real_mkdir(self, *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "mkdir", disk_full)
    with pytest.raises(OSError):
        pages.invalidate()
    # No `current`: nginx finds no file and asks Django, which renders afresh and keeps nothing.
    assert pages.current() is None
    Blurb.objects.filter(pk=blurb.pk).update(title="After")
    response = client.get("/")
    assert response.status_code == 200 and "After" in response.content.decode()
    assert pages.current() is None


def test_old_generations_are_deleted_outside_the_lock(pages_dir, monkeypatch):
    pages.invalidate()
    first = pages.current()
    (first.path / "big").mkdir()
    seen_locked = []
    real_sweep = pages._sweep

    def sweep():
        with open(pages_dir / pages.LOCK) as lock:
            import fcntl

            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
                seen_locked.append(False)
            except BlockingIOError:
                seen_locked.append(True)
        real_sweep()

    monkeypatch.setattr(pages, "_sweep", sweep)
    pages.invalidate()
    assert seen_locked == [False]
    assert not first.path.exists()
    assert not list((pages_dir / pages.GENERATIONS).glob(f"{pages.TRASH}*"))


def test_only_one_generation_is_kept(client, pages_dir):
    make_post()
    for _ in range(5):
        client.get("/")
        pages.invalidate()
    generations = [entry for entry in (pages_dir / pages.GENERATIONS).iterdir() if entry.is_dir()]
    assert [generation.name for generation in generations] == [pages.current().name]


def test_a_generation_expires_when_the_next_scheduled_post_goes_public(client, pages_dir):
    at = timezone.now() + timedelta(minutes=5)
    make_post(title="Soon", published_at=at)
    pages.invalidate()
    assert pages.current().valid_until == pytest.approx(at.timestamp())


def test_a_tag_page_is_written_only_once_a_public_post_carries_the_tag(client, pages_dir):
    tag = make_tag("Travel")
    draft = make_post(status=Post.Status.DRAFT, tags=[tag])
    assert client.get(tag.get_absolute_url()).status_code == 404
    assert not kept(pages_dir, tag.get_absolute_url()).exists()

    draft.status = Post.Status.PUBLISHED
    draft.save()
    assert client.get(tag.get_absolute_url()).status_code == 200
    assert kept(pages_dir, tag.get_absolute_url()).exists()


def test_the_watcher_switches_generations_when_their_time_is_up(pages_dir, monkeypatch):
    pages.invalidate()
    first = pages.current()
    pages._write_until(first.name, time.time() + 0.3)
    assert pages.expire_if_due() <= 0.3
    assert pages.current().name == first.name
    time.sleep(0.35)
    pages.expire_if_due()
    assert pages.current().name != first.name


def test_an_expired_generation_is_never_written_to(client, pages_dir):
    make_post()
    client.get("/robots.txt")
    expired = pages.current()
    pages._write_until(expired.name, time.time() - 1)
    client.get("/")
    # The request began a new generation instead of adding to the expired one.
    assert pages.current().name != expired.name
    assert not (expired.path / "index.html").exists()


def test_a_flood_of_spam_switches_generations_at_most_once_a_minute(pages_dir, django_capture_on_commit_callbacks):
    from comments.changes import SPAM_COUNTER_LAG, spam_counted

    pages.invalidate()
    first = pages.current()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(100):
            spam_counted(1)
    after = pages.current()
    assert after.name == first.name
    assert after.valid_until == pytest.approx(first.created + SPAM_COUNTER_LAG)


def test_spam_after_a_quiet_minute_switches_at_once(pages_dir, django_capture_on_commit_callbacks, monkeypatch):
    from comments.changes import SPAM_COUNTER_LAG, spam_counted

    pages.invalidate()
    first = pages.current()
    monkeypatch.setattr(time, "time", lambda: first.created + SPAM_COUNTER_LAG + 1)
    with django_capture_on_commit_callbacks(execute=True):
        spam_counted(1)
    assert pages.current().name != first.name


def test_a_comment_caught_as_spam_leaves_the_pages_alone(pages_dir, django_capture_on_commit_callbacks):
    from comments import moderation
    from tests.support.comment_helpers import make_comment

    post = make_post()
    comment = make_comment(post)
    pages.invalidate()
    first = pages.current()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.mark_spam([comment], None)
    assert pages.current().name == first.name
    assert pages.current().valid_until is not None  # the counter will show within a minute


# --- Headers ------------------------------------------------------------------------------------


@override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=3600)
def test_page_headers_are_the_ones_django_sends_on_a_public_page(client):
    from escribe.security import page_headers

    make_post()
    response = client.get("/", secure=True)
    expected = page_headers()
    assert {name: response[name] for name in expected} == expected


def test_the_nginx_snippet_carries_every_header(capsys):
    from django.core.management import call_command

    from escribe.security import page_headers

    call_command("page_headers")
    snippet = capsys.readouterr().out
    for name, value in page_headers().items():
        assert f'add_header {name} "{value}" always;' in snippet


@override_settings(SECURE_HSTS_SECONDS=3600)
def test_the_any_response_snippet_leaves_the_pages_caching_and_policy_to_each_location(capsys):
    from django.core.management import call_command

    call_command("page_headers", "--any-response")
    snippet = capsys.readouterr().out
    assert "Strict-Transport-Security" in snippet and "X-Frame-Options" in snippet
    assert "Cache-Control" not in snippet and "Content-Security-Policy" not in snippet


def test_refresh_pages_makes_every_file_stale(client, pages_dir):
    from django.core.management import call_command

    make_post()
    client.get("/")
    before = pages.current().name
    call_command("refresh_pages", stdout=StringIO())
    assert pages.current().name != before and kept_files(pages_dir) == []


def test_a_pages_folder_that_cannot_be_written_still_serves_readers(client, pages_dir):
    pages_dir.parent.mkdir(parents=True, exist_ok=True)
    pages_dir.write_text("a file where the folder should be")
    make_post(title="Still readable")
    response = client.get("/")
    assert response.status_code == 200 and "Still readable" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_failed_switch_after_a_commit_is_logged_not_an_error_page(author_client, pages_dir, monkeypatch, caplog):
    from tests.blog.test_admin import post_form

    def broken():
        raise OSError("read-only file system")

    monkeypatch.setattr(pages, "_switch", broken)
    response = author_client.post("/admin/blog/post/add/", post_form(title="Saved anyway", slug="saved-anyway"))
    assert response.status_code == 302
    assert Post.objects.filter(slug="saved-anyway").exists()
    assert "read-only file system" in caplog.text


# --- The sidebar, cached per generation ----------------------------------------------------------


# The sidebar shows the blurbs, the navigation in every page's header lists the standalone pages.
@pytest.mark.parametrize("make, shown", [
    (lambda: make_blurb(title="Before"), "{}"),
    (lambda: Page.objects.create(title="Before", slug="now", body="x", status=Page.Status.PUBLISHED), ">{}</a></li>"),
], ids=["sidebar", "navigation"])  # fmt: skip
def test_the_sidebar_and_the_navigation_are_rendered_once_per_generation_and_afresh_after_a_change(
    client, pages_dir, django_capture_on_commit_callbacks, make, shown
):
    document = make()
    first, second, third = make_post(), make_post(), make_post()
    assert shown.format("Before") in client.get(first.get_absolute_url()).content.decode()
    type(document).objects.filter(pk=document.pk).update(title="Unannounced")  # update() says nothing: same generation
    assert shown.format("Before") in client.get(second.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        document.title = "After"
        document.save()
    assert shown.format("After") in client.get(third.get_absolute_url()).content.decode()


def test_the_sidebar_is_never_cached_for_pages_that_are_not_kept(client, pages_dir, author):
    from blog.models import Blurb
    from tests.support.factories import make_blurb

    blurb = make_blurb(title="Before")
    post = make_post()
    client.get("/")
    Blurb.objects.filter(pk=blurb.pk).update(title="Unannounced")
    assert "Unannounced" in client.get("/", {"q": "x"}).content.decode()
    client.force_login(author)
    assert "Unannounced" in client.get(post.get_absolute_url()).content.decode()


def test_without_page_files_the_sidebar_is_never_cached(client, settings):
    from blog.models import Blurb
    from tests.support.factories import make_blurb

    settings.PAGES_DIR = ""
    blurb = make_blurb(title="Before")
    client.get("/")
    Blurb.objects.filter(pk=blurb.pk).update(title="Unannounced")
    assert "Unannounced" in client.get("/").content.decode()


def test_a_generation_expires_when_a_post_closes_to_comments_by_age(pages_dir, settings):
    set_site(comments_close_after_days=30)
    closing = make_post(published_at=timezone.now() - timedelta(days=30) + timedelta(minutes=5))
    make_post(published_at=timezone.now() - timedelta(days=31))  # closed already
    make_post(published_at=timezone.now() - timedelta(days=29), comments_enabled=False)  # never open
    pages.invalidate()
    assert pages.current().valid_until == pytest.approx((closing.published_at + timedelta(days=30)).timestamp())


def test_renaming_the_author_makes_pages_stale_but_a_login_does_not(
    pages_dir, author, django_capture_on_commit_callbacks
):
    pages.invalidate()
    first = pages.current().name
    with django_capture_on_commit_callbacks(execute=True):
        author.last_login = timezone.now()
        author.save(update_fields=["last_login"])
    assert pages.current().name == first
    with django_capture_on_commit_callbacks(execute=True):
        author.first_name = "Ada"
        author.save()
    assert pages.current().name != first


def test_a_standalone_page_saved_or_deleted_makes_every_file_stale(pages_dir, django_capture_on_commit_callbacks):
    # The navigation in every page's header lists the pages.
    from blog.models import Page

    pages.invalidate()
    first = pages.current().name
    with django_capture_on_commit_callbacks(execute=True):
        page = Page.objects.create(title="Now", slug="now", body="Writing.", status=Page.Status.PUBLISHED)
    second = pages.current().name
    assert second != first
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert pages.current().name != second


def test_a_posts_kept_page_shows_new_related_posts_once_another_post_is_tagged(
    client, pages_dir, django_capture_on_commit_callbacks
):
    # Related posts are read from other posts: any blog change makes every post's file stale.
    from tests.support.factories import make_tag

    tag = make_tag("Shared")
    post, other = make_post(tags=[tag]), make_post(title="Newly related")
    assert 'id="related-title"' not in client.get(post.get_absolute_url()).content.decode()
    assert kept(pages_dir, post.get_absolute_url()).is_file()
    with django_capture_on_commit_callbacks(execute=True):
        other.tags.add(tag)
    assert not kept(pages_dir, post.get_absolute_url()).exists()
    related = client.get(post.get_absolute_url()).content.decode().split('id="related-title"')[1]
    assert "Newly related" in related.split("</section>")[0]
