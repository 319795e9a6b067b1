import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Page, Post
from tests.support.factories import make_blurb, make_post, make_tag, set_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def blog():
    python = make_tag("Python", featured=True)
    sqlite = make_tag("SQLite")
    make_blurb(title="About Me", body="I write *code*.")
    make_blurb(title="Hidden", body="nope", visible=False)
    older = make_post(
        title="Older post",
        slug="older",
        tags=[python],
        published_at=timezone.datetime(2020, 1, 19, 15, 0, tzinfo=timezone.get_current_timezone()),
    )
    newer = make_post(title="Newer post", slug="newer", tags=[python, sqlite])
    return {"python": python, "sqlite": sqlite, "older": older, "newer": newer}


def test_front_page_lists_posts_newest_first_with_their_first_paragraph(client, blog):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Newer post") < html.index("Older post")
    assert blog["newer"].list_html in html and blog["newer"].body_html not in html


def test_post_page_shows_long_date_tags_and_neighbours(client, blog):
    response = client.get(blog["older"].get_absolute_url())
    html = response.content.decode()
    assert "Sunday, January 19th, 2020" in html
    assert 'href="/tag/python/"' in html
    assert 'href="/post/newer/" rel="next"' in html
    assert 'id="comments"' in html


def test_sidebar_shows_visible_blurbs_tag_pile_and_featured(client, blog):
    html = client.get("/").content.decode()
    assert "About Me" in html and "I write <em>code</em>." in html
    assert "Hidden" not in html
    assert "Pile o&#x27;Tags" in html or "Pile o'Tags" in html
    stuff = html[html.index("Stuff I Use") :]
    assert "Python" in stuff and "SQLite" not in stuff


def test_front_page_paginates(client, settings):
    set_site(posts_per_page=2)
    for _ in range(5):
        make_post()
    first = client.get("/")
    assert 'href="/page/2/" rel="next"' in first.content.decode()
    third = client.get("/page/3/")
    assert third.status_code == 200
    assert 'href="/page/2/" rel="prev"' in third.content.decode()
    assert client.get("/page/4/").status_code == 404
    assert client.get("/page/1/")["Location"] == "/"


def test_tag_page_lists_only_that_tag(client, blog):
    html = client.get("/tag/sqlite/").content.decode()
    assert "Newer post" in html and "Older post" not in html
    assert 'href="/feeds/tag/sqlite/atom/"' in html
    assert client.get("/tag/nope/").status_code == 404


def test_tag_cloud_weighs_tags_by_post_count(client):
    tags = [make_tag(f"T{i}") for i in range(6)]
    for i, tag in enumerate(tags):
        for _ in range(2**i):
            make_post(tags=[tag])
    html = client.get("/tags/").content.decode()
    for step in range(1, 7):
        assert f'class="weight-{step}"' in html


READING_ORDER = ["apple", "Banana", "eggs", "Élan", "zope"]


def _names_in_order(html, names):
    return sorted(names, key=lambda name: html.index(f">{name}</a>"))


def test_tags_page_and_sidebar_list_tags_in_one_order_ignoring_case_and_accents(client):
    for name in ["zope", "Élan", "Banana", "eggs", "apple"]:
        make_post(tags=[make_tag(name, featured=True)])
    tags_page = client.get("/tags/").content.decode()
    assert _names_in_order(tags_page, READING_ORDER) == READING_ORDER
    sidebar = client.get("/").content.decode()
    pile = sidebar[sidebar.index('class="tag-cloud"') :]
    assert _names_in_order(pile, READING_ORDER) == READING_ORDER
    stuff_i_use = sidebar[sidebar.index('class="stuff-i-use"') :]
    assert _names_in_order(stuff_i_use, READING_ORDER) == READING_ORDER


def test_the_sidebar_pile_keeps_the_biggest_tags_in_reading_order(client, monkeypatch):
    from blog.templatetags import blog as blog_tags

    monkeypatch.setattr(blog_tags, "PILE_SIZE", 2)
    small, big, bigger = make_tag("aardvark"), make_tag("Zebra"), make_tag("mango")
    make_post(tags=[small, big, bigger])
    make_post(tags=[big, bigger])
    make_post(tags=[bigger])
    html = client.get("/").content.decode()
    pile = html[html.index('class="tag-cloud"') : html.index("All tags")]
    assert "aardvark" not in pile
    assert pile.index(">mango</a>") < pile.index(">Zebra</a>")


def test_no_public_page_says_one_of_something_in_the_plural(client):
    from comments.models import Comment
    from tests.support.comment_helpers import make_comment

    tag = make_tag("Lonely")
    post = make_post(title="Alone", tags=[tag])
    make_comment(post, status=Comment.Status.APPROVED)
    month = timezone.localtime(post.published_at)
    urls = ["/", post.get_absolute_url(), tag.get_absolute_url(), "/tags/", "/archive/",
            f"/archive/{month.year}/", f"/archive/{month.year}/{month.month}/", "/search/?q=alone"]  # fmt: skip
    for url in urls:
        html = client.get(url).content.decode()
        assert not re.search(r"\b1 (posts|comments|results|matches)\b|\b1 post match\b", html), url
        assert re.search(r"\b1 (post|comment)\b", html), url


def test_archives_count_posts_by_year_and_month(client, blog):
    html = client.get("/archive/").content.decode()
    assert 'href="/archive/2020/"' in html
    assert 'href="/archive/2020/1/"' in html
    year = client.get("/archive/2020/")
    assert year.status_code == 200 and "Older post" in year.content.decode()
    month = client.get("/archive/2020/1/")
    assert "Older post" in month.content.decode() and "Newer post" not in month.content.decode()
    assert client.get("/archive/1999/").status_code == 404
    assert client.get("/archive/2020/13/").status_code == 404


def test_markdown_source_has_front_matter(client, blog):
    response = client.get("/post/newer.md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith('---\ntitle: "Newer post"\ndate: ')
    assert 'tags: ["Python", "SQLite"]' in text
    assert "slug: newer" in text
    assert blog["newer"].body in text


def test_numeric_permalink_redirects_permanently(client, blog):
    response = client.get(f"/{blog['older'].pk}/")
    assert response.status_code == 301
    assert response["Location"] == "/post/older/"
    assert client.get("/999999/").status_code == 404


def test_search_finds_words_in_title_and_body(client, blog):
    make_post(title="Vim tricks", body="Use **macros**.")
    html = client.get("/search/", {"q": "macros"}).content.decode()
    assert "Vim tricks" in html and "Newer post" not in html
    assert client.get("/search/").status_code == 200


def test_robots_names_the_sitemap(client):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_not_found_page_is_styled(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()
    assert "site.css" in response.content.decode()


def test_server_error_page_renders_without_context():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html


# Queries per page, whatever the blog's size: the site settings (one, blog.site),
# the page's own, then the sidebar's four (tags, scheduled posts' tags, blurbs,
# spam report) and the header's navigation (one). A post's own include its
# related posts (one).
PAGES = {"/": 10, "post": 12, "tag": 11, "archive": 9, "page": 7}


def _url(kind, post, tag):
    return {
        "/": "/",
        "post": post.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "archive": reverse("blog:archive-month", args=[post.published_at.year, post.published_at.month]),
        "page": "/about/",
    }[kind]


def _fill(count, tags):
    now = timezone.now()
    posts = [
        Post(
            title=f"P{i}",
            slug=f"p-{i}",
            body="Some text",
            body_html="<p>Some text</p>",
            status=Post.Status.PUBLISHED,
            published_at=now - timedelta(hours=i + 1),
        )
        for i in range(count)
    ]
    Post.objects.bulk_create(posts)
    through = Post.tags.through
    through.objects.bulk_create(
        [through(post_id=post.pk, tag_id=tag.pk) for post in Post.objects.all() for tag in tags]
    )


@pytest.mark.parametrize("kind", PAGES)
def test_query_count_does_not_grow_with_content(client, kind, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from blog.changes import content_changed

    tags = [make_tag("Alpha", featured=True), make_tag("Beta")]
    make_blurb()
    Page.objects.create(title="About", slug="about", body="Me.", status=Page.Status.PUBLISHED)
    Page.objects.create(title="Now", slug="now", body="Writing.", status=Page.Status.PUBLISHED)
    counts = []
    for total in (10, 200):
        Post.objects.all().delete()
        _fill(total, tags)
        content_changed(everything=True)  # bulk_create sends no signals; a save would have done this
        post = Post.objects.published().first()
        url = _url(kind, post, tags[0])
        with django_assert_num_queries(PAGES[kind]), CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{kind}: {counts[0]} queries with 10 posts, {counts[1]} with 200"


@pytest.mark.parametrize("share", ["common", "rare"])
def test_tag_pages_page_through_common_and_rare_tags_alike(client, settings, share):
    set_site(posts_per_page=3)
    tag, other = make_tag("Chosen"), make_tag("Other")
    tagged_every = 2 if share == "common" else 9
    for n in range(27):
        make_post(title=f"Numbered {n:02d}", tags=[tag] if n % tagged_every == 0 else [other])
    expected = [p.title for p in Post.objects.published().filter(tags=tag)]
    seen, page = [], 1
    while True:
        response = client.get(tag.get_absolute_url() if page == 1 else f"{tag.get_absolute_url()}page/{page}/")
        if response.status_code == 404:
            break
        html = response.content.decode()
        seen += [title for title in expected if f">{title}</a></h2>" in html]
        page += 1
    assert seen == expected


def test_one_template_engine_parses_each_template_once_per_process():
    from django.template import engines
    from django.template.loaders.cached import Loader

    assert [engine.name for engine in engines.all()] == ["django"]
    assert [type(loader) for loader in engines["django"].engine.template_loaders] == [Loader]


class TestPageNumbers:
    """Page 1 has one address, page 0 does not exist, and no number is too big for a 404."""

    @pytest.fixture
    def tagged(self, settings):
        set_site(posts_per_page=1)
        tag = make_tag("Python")
        for _ in range(3):
            make_post(tags=[tag])
        return tag

    @pytest.mark.parametrize(
        ("url", "target"),
        [("/page/1/", "/"), ("/tag/python/page/1/", "/tag/python/"), ("/archive/2020/1/page/1/", "/archive/2020/1/")],
    )
    def test_page_one_redirects_to_the_list_itself(self, client, tagged, url, target):
        response = client.get(url)
        assert response.status_code == 301
        assert response["Location"] == target

    def test_page_one_of_an_unknown_tag_is_not_found(self, client, tagged):
        assert client.get("/tag/no-such-tag/page/1/").status_code == 404

    @pytest.mark.parametrize(
        "url", ["/page/0/", "/page/00/", "/tag/python/page/0/", "/archive/2020/1/page/0/", "/search/?q=Post&page=0"]
    )
    def test_page_zero_is_not_found(self, client, tagged, url):
        assert client.get(url).status_code == 404

    @pytest.mark.parametrize("number", [4, 2**31, 2**63 - 1, 2**63, 2**64, 10**30], ids=str)
    @pytest.mark.parametrize("url", ["/page/{n}/", "/tag/python/page/{n}/", "/archive/2020/1/page/{n}/"])
    def test_a_page_past_the_last_is_not_found(self, client, tagged, url, number):
        assert client.get(url.format(n=number)).status_code == 404
