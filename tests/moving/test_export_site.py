"""manage.py export_site: the whole public site as static files that work from any static web server."""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from django.core.management import CommandError

from comments.models import Comment
from tests.support.commands import run
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_blurb, make_post, make_tag, set_site
from tests.support.static_server import static_server
from tools.localstack import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def blog(settings):
    set_site(posts_per_page=2)
    python = make_tag("Python", featured=True)
    make_blurb(title="About Me")
    posts = [make_post(title=f"Exported {n}", tags=[python]) for n in range(5)]
    make_post(title="Still a draft", status="draft")
    make_comment(posts[0], status=Comment.Status.APPROVED, body="An approved comment")
    return posts


def export(directory, *args):
    return run("export_site", str(directory), *args)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def test_every_public_page_feed_and_sitemap_is_exported(blog, tmp_path):
    export(tmp_path / "site", "--base-url", "https://archive.example.org")
    site = tmp_path / "site"
    names = [
        "index.html", "page/2/index.html", "page/3/index.html", "tags/index.html", "archive/index.html",
        "tag/python/index.html", "feeds/atom/index.atom", "feeds/rss/index.rss", "feeds/comments/atom/index.atom",
        "feeds/tag/python/atom/index.atom", "sitemap.xml", "sitemap-posts.xml", "robots.txt", "404.html",
        f"post/{blog[0].slug}/index.html", f"post/{blog[0].slug}.md",
    ]  # fmt: skip
    for name in names:
        assert (site / name).is_file(), name
    assert not list(site.rglob("*still-a-draft*"))
    assert "An approved comment" in (site / f"post/{blog[0].slug}/index.html").read_text()
    # Absolute links point where the copy will live.
    assert "https://archive.example.org/post/" in (site / "feeds/atom/index.atom").read_text()
    assert "Sitemap: https://archive.example.org/sitemap.xml" in (site / "robots.txt").read_text()
    post_html = (site / f"post/{blog[0].slug}/index.html").read_text()
    assert f'<link rel="canonical" href="https://archive.example.org/post/{blog[0].slug}/">' in post_html
    # Each post's comment feed is linked from the post, so it is in the copy too.
    assert (site / f"feeds/post/{blog[0].slug}/comments/atom/index.atom").is_file()


@pytest.mark.parametrize(
    "options", [(), ("--comments-email", "me@example.org", "--search-engine", "https://duckduckgo.com/")]
)
def test_every_link_in_the_export_leads_to_an_exported_file(blog, tmp_path, options):
    site = tmp_path / "site"
    export(site, *options)
    broken = []
    for page in site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text())
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#") or parts.query:
                continue
            target = site / parts.path.lstrip("/")
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append((str(page.relative_to(site)), link))
    assert broken == []


def test_the_copy_never_has_the_comment_form_and_still_shows_the_comments(blog, tmp_path):
    # --without-comment-form is what every export does now; older scripts still pass it.
    export(tmp_path / "default")
    export(tmp_path / "without", "--without-comment-form")
    page = f"post/{blog[0].slug}/index.html"
    for copy in ("default", "without"):
        html = (tmp_path / copy / page).read_text()
        assert 'class="comment-form"' not in html and "An approved comment" in html
        assert "Comments are closed on this copy of the blog." in html


def test_a_copy_for_a_sub_path_links_within_it(blog, tmp_path):
    site = tmp_path / "site"
    export(site, "--base-url", "https://example.org/blog/")
    html = (site / "index.html").read_text()
    assert 'href="/blog/post/' in html and 'href="/blog/static/css/' in html
    assert '<link rel="canonical" href="https://example.org/blog/">' in html
    assert (site / "static").is_dir() and (site / "post" / blog[0].slug / "index.html").is_file()


def test_export_refuses_a_folder_with_something_in_it(blog, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        export(tmp_path)
    with pytest.raises(CommandError, match="is a file"):
        export(tmp_path / "keep.txt")


def test_the_export_works_through_a_plain_static_web_server(blog, tmp_path):
    site = tmp_path / "site"
    port = free_port()
    export(site, "--base-url", f"http://127.0.0.1:{port}")
    with static_server(site, port) as front_page:
        front = httpx.get(front_page, timeout=2)
        assert front.status_code == 200 and "Exported 0" in front.text
        css = next(link for link in _parse(front.text) if link.endswith(".css"))
        assert httpx.get(f"http://127.0.0.1:{port}{css}", timeout=5).status_code == 200
        post = httpx.get(f"http://127.0.0.1:{port}/post/{blog[0].slug}/", timeout=5)
        assert post.status_code == 200 and "An approved comment" in post.text
        feed = httpx.get(f"http://127.0.0.1:{port}/feeds/atom/", timeout=5)
        assert feed.status_code == 200 and "<feed" in feed.text


def _parse(html):
    parser = _Links()
    parser.feed(html)
    return parser.links


def test_the_copy_leaves_the_live_page_files_alone(blog, tmp_path, settings):
    settings.PAGES_DIR = str(tmp_path / "live")
    settings.SITE_URL = "http://testserver"
    export(tmp_path / "site", "--base-url", "http://testserver")
    assert not Path(settings.PAGES_DIR).exists()


def test_the_copy_carries_the_custom_css_from_the_site_settings(blog, tmp_path):
    css = "body {\n  background: ivory;\n}"
    set_site(custom_css=css)
    site = tmp_path / "site"
    export(site, "--base-url", "https://example.org/blog/")
    links = _parse((site / "index.html").read_text())
    custom = [link for link in links if link.startswith("/blog/site-")]
    assert len(custom) == 1 and custom[0].endswith(".css")
    assert (site / custom[0].removeprefix("/blog/")).read_text() == css
