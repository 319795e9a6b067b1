"""A blog with no posts at all (a new install, or the demo just removed): every public page answers, none with a 500."""

import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from blog.models import Post
from blog.sitemaps import SITEMAPS

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
