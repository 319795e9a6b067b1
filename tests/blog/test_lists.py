"""List pages show each post's summary, else its first paragraph; archive pages list titles."""

import re
from datetime import datetime, timedelta
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog import posthtml
from blog.changes import content_changed
from blog.models import Post
from tests.support.factories import make_post, make_tag

pytestmark = pytest.mark.django_db

BODY = "First *words*, [a link](/a/) and `x < y`.[^1]\n\nSecond paragraph.\n\n```python\nprint(1)\n```\n\n[^1]: A note."


def at(year, month, day=10):
    return timezone.make_aware(datetime(year, month, day, 12, 0))


# --- what lists show, computed on save ---------------------------------------------------------------


def test_the_summary_is_what_lists_show():
    assert posthtml.list_html("<p>Body.</p>", "<p>Summary.</p>") == "<p>Summary.</p>"


def test_without_a_summary_lists_show_the_first_paragraph_as_rendered_without_footnote_references():
    post = make_post(slug="notes", body=BODY)
    assert post.list_html == ('<p>First <em>words</em>, <a href="/a/">a link</a> and <code>x &lt; y</code>.</p>')


def test_a_paragraph_of_nothing_but_an_image_is_passed_over():
    html = '<p><img alt="A cat" src="/c.png" /></p>\n<p>Words &amp; <br />more.</p>'
    assert posthtml.list_html(html) == "<p>Words &amp; <br />more.</p>"


def test_a_post_without_a_paragraph_shows_nothing_under_its_title():
    assert posthtml.list_html('<div class="highlight"><pre><code>x</code></pre></div>') == ""


def test_saving_again_keeps_the_list_html_in_step_with_the_post():
    post = make_post(body="Old start.")
    post.body = "New start."
    post.save()
    assert Post.objects.get(pk=post.pk).list_html == "<p>New start.</p>"
    post.summary = "A *summary*."
    post.save()
    assert Post.objects.get(pk=post.pk).list_html == "<p>A <em>summary</em>.</p>"


def test_rerender_posts_redoes_the_list_html():
    post = make_post(body="Start.")
    Post.objects.update(list_html="<p>Stale.</p>")
    call_command("rerender_posts", stdout=StringIO())
    assert Post.objects.get(pk=post.pk).list_html == "<p>Start.</p>"


def test_existing_posts_get_their_list_html_from_the_migration():
    post = make_post(body=BODY, summary="")
    summarised = make_post(body=BODY, summary="Short.")
    Post.objects.update(list_html="")
    import_module("blog.migrations.0013_list_html").fill(apps, None)
    assert Post.objects.get(pk=post.pk).list_html.startswith("<p>First <em>words</em>")
    assert Post.objects.get(pk=summarised.pk).list_html == "<p>Short.</p>"


# --- the list pages ----------------------------------------------------------------------------------


@pytest.fixture
def listed():
    tag = make_tag("Listed")
    plain = make_post(title="Plain post", body=BODY, tags=[tag], published_at=at(2021, 3))
    summarised = make_post(
        title="Summarised post", body="Body start.\n\nBody end.", summary="The *summary*.", tags=[tag],
        published_at=at(2021, 3, 11),
    )  # fmt: skip
    return {"tag": tag, "plain": plain, "summarised": summarised}


@pytest.mark.parametrize("url", ["/", "/tag/listed/", "/archive/2021/3/"])
def test_list_pages_show_the_summary_or_the_first_paragraph_under_each_title(client, listed, url):
    html = client.get(url).content.decode()
    assert "<p>The <em>summary</em>.</p>" in html
    assert "Body start." not in html  # a summary stands for the whole post
    assert '<a href="/a/">a link</a>' in html
    assert "Second paragraph." not in html and "print" not in html  # the rest is on the post's page
    assert 'href="#notes-fn:1"' not in html  # a footnote reference whose note is not on the page
    assert html.index("Summarised post") < html.index("<p>The <em>summary</em>.</p>") < html.index("Plain post")


def test_list_pages_read_neither_the_markdown_nor_the_whole_html(client, listed):
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    read = " ".join(query["sql"] for query in queries if '"blog_post"."list_html"' in query["sql"])
    assert read, "the front page reads the posts' list HTML"
    assert "body_html" not in read and "summary_html" not in read and '"blog_post"."body"' not in read


# --- the archive -------------------------------------------------------------------------------------


def test_a_years_page_lists_its_titles_under_their_months(client):
    make_post(title="March one", slug="march-one", published_at=at(2021, 3))
    make_post(title="March two", slug="march-two", published_at=at(2021, 3, 20))
    make_post(title="July one", slug="july-one", published_at=at(2021, 7))
    make_post(title="Another year", slug="another-year", published_at=at(2020, 7))
    html = client.get("/archive/2021/").content.decode()
    sections = re.findall(r'<section class="archive-month".*?</section>', html, re.S)
    assert len(sections) == 2
    july, march = sections
    assert 'href="/archive/2021/7/">July</a>' in july and "(1 post)" in july
    assert '<a href="/post/july-one/">July one</a>' in july and "March" not in july
    assert 'href="/archive/2021/3/">March</a>' in march and "(2 posts)" in march
    assert march.index("March two") < march.index("March one")
    assert '<time datetime="2021-03-20' in march
    assert "Another year" not in html


def test_a_years_page_leaves_out_what_is_scheduled(client):
    make_post(title="Out now", published_at=timezone.now() - timedelta(days=1))
    make_post(title="Coming soon", published_at=timezone.now() + timedelta(days=1))
    html = client.get(f"/archive/{timezone.localtime().year}/").content.decode()
    assert "Out now" in html and "Coming soon" not in html


YEAR_PAGE_QUERIES = 9


def _fill(count):
    now = timezone.now()
    Post.objects.bulk_create(
        Post(
            title=f"P{i}", slug=f"p-{i}", body="Text.", body_html="<p>Text.</p>", list_html="<p>Text.</p>",
            status=Post.Status.PUBLISHED, published_at=now - timedelta(days=i),
        )
        for i in range(count)
    )  # fmt: skip
    content_changed(everything=True)  # bulk_create sends no signals; a save would have done this


def test_a_years_page_costs_the_same_queries_with_more_posts(client):
    year = timezone.localtime().year
    counts = []
    for total in (10, 400):
        Post.objects.all().delete()
        _fill(total)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(f"/archive/{year}/").content.decode()
        assert '<a href="/post/p-0/">P0</a>' in html
        counts.append(len(queries))
    # The site settings, the year's months and its scheduled posts (blog/models/archive.py), its titles,
    # the sidebar's four and the navigation: as many with 400 posts as with 10.
    assert counts == [YEAR_PAGE_QUERIES, YEAR_PAGE_QUERIES]
