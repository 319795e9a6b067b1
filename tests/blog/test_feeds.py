import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from django.utils.dateparse import parse_datetime

from tests.support.factories import make_post, make_tag, set_site

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def posts():
    vim, git = make_tag("Vim"), make_tag("Git")
    first = make_post(
        title="Vim macros",
        body="See [the archive](/archive/) and ![logo](/static/img/logo.png).\n\n```vim\n:normal @q\n```\n",
        summary="Macros in *Vim*.",
        tags=[vim],
    )
    second = make_post(title="Git bisect", body="Bisect finds bugs.", tags=[git])
    return {"vim": vim, "git": git, "first": first, "second": second}


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return ET.fromstring(response.content)


def test_atom_feed_has_full_content_absolute_links_and_dates(client, posts):
    feed = parse(client, "/feeds/atom/")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Vim macros", "Git bisect"]
    entry = entries[0]
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert 'href="http://testserver/archive/"' in content.text
    assert 'src="http://testserver/static/img/logo.png"' in content.text
    assert '<span class="' in content.text  # highlighted code is carried whole
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver/post/{posts['first'].slug}/"
    assert "Macros in <em>Vim</em>." in entry.findtext(f"{ATOM}summary")
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name")
    published = parse_datetime(entry.findtext(f"{ATOM}published"))
    assert published == posts["first"].published_at
    assert parse_datetime(entry.findtext(f"{ATOM}updated")) >= published
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["Vim"]


def test_rss_feed_has_full_content_and_dates(client, posts):
    channel = parse(client, "/feeds/rss/").find("channel")
    items = channel.findall("item")
    assert len(items) == 2
    item = items[0]
    assert item.findtext("link") == f"http://testserver{posts['first'].get_absolute_url()}"
    assert 'href="http://testserver/archive/"' in item.findtext("description")
    assert parsedate_to_datetime(item.findtext("pubDate")) == posts["first"].published_at.replace(microsecond=0)
    assert [c.text for c in item.findall("category")] == ["Vim"]


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_tag_feed_holds_only_that_tags_posts(client, posts, kind):
    feed = parse(client, f"/feeds/tag/vim/{kind}/")
    if kind == "atom":
        titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
        assert feed.findtext(f"{ATOM}title").endswith("Vim")
    else:
        titles = [i.findtext("title") for i in feed.find("channel").findall("item")]
    assert titles == ["Vim macros"]


def test_unknown_tag_feed_is_404(client):
    assert client.get("/feeds/tag/nope/atom/").status_code == 404


def test_every_page_advertises_the_feeds(client, posts):
    html = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert '<link rel="alternate" type="application/rss+xml"' in html


def test_sitemap_index_points_at_sections_with_posts(client, posts):
    index = parse(client, "/sitemap.xml")
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [loc.text for loc in index.iter(f"{ns}loc")]
    assert "http://testserver/sitemap-posts.xml" in locations
    urls = [loc.text for loc in parse(client, "/sitemap-posts.xml").iter(f"{ns}loc")]
    assert f"http://testserver{posts['first'].get_absolute_url()}" in urls


@pytest.mark.parametrize("url", ["/feeds/atom/", "/feeds/rss/", "/feeds/tag/vim/atom/"])
def test_feeds_carry_the_newest_feed_length_posts(client, settings, url):
    set_site(feed_length=3)
    vim = make_tag("Vim")
    titles = [make_post(title=f"Tip {n}", tags=[vim]).title for n in range(5)]  # newest first
    feed = parse(client, url)
    found = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] or [
        item.findtext("title") for item in feed.iter("item")
    ]
    assert found == titles[:3]


# --- links that work in a feed reader ------------------------------------------------------------

FOOTNOTED = """## First part

A claim.[^1] See [the second part](#second-part), [the tags](/tags/) and [elsewhere](https://example.org/x).

![chart](/media/chart.png)

## Second part

Fin &amp; done.

[^1]: The source.
"""


@pytest.mark.parametrize("url", ["/feeds/atom/", "/feeds/rss/"])
def test_footnote_heading_and_site_links_are_absolute_in_feeds(client, url):
    post = make_post(slug="footnoted", body=FOOTNOTED)
    feed = parse(client, url)
    path = f"{ATOM}entry/{ATOM}content" if url.endswith("atom/") else "channel/item/description"
    html = feed.find(path).text
    page = "http://testserver/post/footnoted/"
    # Every fragment link of the rendered post now leads into the post's own page.
    fragments = [part.split('"')[0] for part in post.body_html.split('href="#')[1:]]
    assert len(fragments) >= 3  # the footnote, its back-link, the heading link
    for fragment in fragments:
        assert f'href="{page}#{fragment}"' in html, fragment
    assert 'href="#' not in html
    assert 'href="http://testserver/tags/"' in html and 'src="http://testserver/media/chart.png"' in html
    assert 'href="https://example.org/x"' in html
    assert "Fin &amp; done." in html


def test_making_links_absolute_leaves_the_rest_of_the_html_as_it_was():
    from blog.posthtml import absolutize

    html = (
        '<p class="x">A &lt;b&gt; &#169; <a title="T &amp; U" href="/a/?x=1&amp;y=2">a</a><br>'
        '<img alt="" src="/i.png" srcset="/i-800.webp 800w, /i-1600.webp 1600w" width="8" height="6"/>'
        '<a href="mailto:me@example.org">m</a><!-- kept --></p>\n<pre><code>x &lt; y</code></pre>'
    )
    out = absolutize(html, "https://site.example/post/p/")
    assert out == (
        '<p class="x">A &lt;b&gt; &#169; <a title="T &amp; U" href="https://site.example/a/?x=1&amp;y=2">a</a><br>'
        '<img alt="" src="https://site.example/i.png" '
        'srcset="https://site.example/i-800.webp 800w, https://site.example/i-1600.webp 1600w" width="8" height="6" />'
        '<a href="mailto:me@example.org">m</a><!-- kept --></p>\n<pre><code>x &lt; y</code></pre>'
    )


# --- a comment feed per post ---------------------------------------------------------------------


def test_a_posts_comment_feed_holds_its_approved_comments_only(client):
    from tests.support.comment_helpers import make_comment

    post, other = make_post(slug="talked-about"), make_post()
    make_comment(post, status="approved", author_name="Ada", body="Approved <b>here</b>")
    make_comment(post, status="pending", body="Waiting")
    make_comment(post, status="spam", body="Spam")
    make_comment(other, status="approved", body="Elsewhere")
    feed = parse(client, "/feeds/post/talked-about/comments/atom/")
    assert "talked-about" in feed.find(f"{ATOM}link").get("href")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    summary = entries[0].findtext(f"{ATOM}summary")
    # The commenter's markup arrives as text, escaped, as in the site's comment feed.
    assert "Approved &lt;b&gt;here&lt;/b&gt;" in summary
    assert entries[0].find(f"{ATOM}author").findtext(f"{ATOM}name") == "Ada"


@pytest.mark.parametrize("state", ["draft", "scheduled", "missing"])
def test_a_post_readers_cannot_see_has_no_comment_feed(client, state):
    from datetime import timedelta

    from django.utils import timezone

    from tests.support.comment_helpers import make_comment

    if state != "missing":
        fields = {"status": "draft"} if state == "draft" else {"published_at": timezone.now() + timedelta(days=1)}
        make_comment(make_post(slug="hidden", **fields), status="approved")
    assert client.get("/feeds/post/hidden/comments/atom/").status_code == 404


def test_a_post_page_links_its_comment_feed_and_every_page_the_sites(client):
    post = make_post(slug="linked", title='Quotes "and" <tags>')
    html = client.get(post.get_absolute_url()).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Comments on Quotes &quot;and&quot; &lt;tags&gt; '
        '(Atom)" href="/feeds/post/linked/comments/atom/">'
    ) in html
    for url in ("/", post.get_absolute_url(), "/archive/", "/tags/"):
        assert 'href="/feeds/comments/atom/"' in client.get(url).content.decode(), url


@pytest.mark.parametrize("url", ["/feeds/post/busy/comments/atom/", "/feeds/comments/atom/"])
def test_comment_feeds_ask_the_same_queries_for_3_comments_or_30(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.support.comment_helpers import make_comment

    post = make_post(slug="busy")
    counts = []
    for total in (3, 30):
        while post.comments.count() < total:
            make_comment(post, status="approved", body=f"Comment {post.comments.count()}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{url}: {counts[0]} queries with 3 comments, {counts[1]} with 30"


def test_the_sitemap_asks_the_same_queries_for_5_posts_and_pages_or_50(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from blog.models import Page

    tag = make_tag("Everywhere")
    counts = []
    for total in (5, 50):
        while Page.objects.count() < total:
            n = Page.objects.count()
            Page.objects.create(title=f"Page {n}", slug=f"page-{n}-x", body="Text.", status=Page.Status.PUBLISHED)
            make_post(title=f"Post {n}", tags=[tag])
        with CaptureQueriesContext(connection) as queries:
            index = client.get("/sitemap.xml")
            assert index.status_code == 200
            for section in ET.fromstring(index.content).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
                assert client.get(section.text.replace("http://testserver", "")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"the sitemap: {counts[0]} queries at 5, {counts[1]} at 50"
