"""What link previews, search engines and readers' lists read: canonical URLs, descriptions, OpenGraph,
Twitter cards, JSON-LD, reading time and related posts."""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from blog import posthtml
from blog.models import Page, Post
from tests.support.factories import make_post, make_tag, set_site

pytestmark = pytest.mark.django_db

SITE = "https://blog.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE
    set_site(posts_per_page=2)


class _Head(HTMLParser):
    """The head's <link rel> and <meta> values, and the JSON-LD blocks' text."""

    def __init__(self):
        super().__init__()
        self.links, self.meta, self.json_ld, self._in_json = {}, {}, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "canonical":
            self.links.setdefault("canonical", []).append(attrs["href"])
        elif tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        elif tag == "script":
            assert attrs == {"type": "application/ld+json"}, attrs
            self._in_json = True

    def handle_endtag(self, tag):
        self._in_json = self._in_json and tag != "script"

    def handle_data(self, data):
        if self._in_json:
            self.json_ld.append(data)


def head(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parser = _Head()
    parser.feed(response.content.decode())
    parser.raw = response.content.decode()
    return parser


def test_every_public_page_has_one_absolute_canonical_url_of_its_own(client):
    tag = make_tag("Python")
    posts = [make_post(tags=[tag]) for _ in range(5)]
    Page.objects.create(title="About", slug="about", body="Me.", status=Page.Status.PUBLISHED)
    month = posts[0].published_at
    urls = [
        "/", "/page/2/", "/tags/", "/archive/", f"/archive/{month.year}/", f"/archive/{month.year}/{month.month}/",
        f"/archive/{month.year}/{month.month}/page/2/", tag.get_absolute_url(), f"{tag.get_absolute_url()}page/2/",
        posts[0].get_absolute_url(), "/about/",
    ]  # fmt: skip
    for url in urls:
        assert head(client, url).links["canonical"] == [SITE + url], url


def test_a_missing_page_names_no_canonical_address(client):
    response = client.get("/no-such-thing/")
    assert response.status_code == 404
    assert 'rel="canonical"' not in response.content.decode() and 'property="og:url"' not in response.content.decode()


def test_the_canonical_url_ignores_the_requests_host_and_query(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    make_post(slug="hosted")
    assert head(client, "/post/hosted/?utm_source=x").links["canonical"] == [f"{SITE}/post/hosted/"]
    response = client.get("/?utm_source=feed", HTTP_HOST="evil.example")
    assert f'<link rel="canonical" href="{SITE}/">' in response.content.decode()
    assert "evil.example" not in response.content.decode()


def test_a_post_shares_its_title_excerpt_image_and_type(client):
    post = make_post(
        slug="shared",
        title="Shared & <seen>",
        body="![A chart](/media/chart.png)\n\nFirst words\nof the post.\n\nSecond paragraph.",
    )
    found = head(client, post.get_absolute_url())
    assert found.meta["description"] == "First words of the post."
    assert found.meta["og:title"] == "Shared & <seen>"
    assert found.meta["og:type"] == "article"
    assert found.meta["og:url"] == f"{SITE}/post/shared/"
    assert found.meta["og:site_name"] == "127.0.0.1"  # a new blog is named after its host
    assert found.meta["og:description"] == "First words of the post."
    assert found.meta["og:image"] == f"{SITE}/media/chart.png"
    assert found.meta["twitter:card"] == "summary_large_image"


def test_a_post_without_an_image_gets_the_small_card(client):
    post = make_post(body="Just words.")
    found = head(client, post.get_absolute_url())
    assert "og:image" not in found.meta and found.meta["twitter:card"] == "summary"


def test_the_summary_is_the_description_on_one_line(client):
    post = make_post(summary="A summary\nover  two lines.\n", body="The body's first paragraph.")
    found = head(client, post.get_absolute_url())
    assert found.meta["description"] == "A summary over two lines."
    assert 'content="A summary over two lines."' in found.raw


def test_a_footnote_number_is_left_out_of_the_description():
    post = make_post(body="A claim.[^1] More.\n\n[^1]: The source.")
    assert post.excerpt == "A claim. More."


def test_a_long_first_paragraph_is_cut_at_a_word_within_the_limit():
    text = "<p>" + " ".join(["word"] * 100) + "</p>"
    cut = posthtml.description(text)
    assert len(cut) <= posthtml.DESCRIPTION_CHARS and cut.endswith("word…")


def test_other_pages_describe_the_site_as_a_website(client):
    set_site(title="Notes from the Shed", tagline="Sawdust", description="")
    make_post()
    found = head(client, "/")
    assert found.meta["description"] == "Sawdust"
    assert (found.meta["og:type"], found.meta["og:title"]) == ("website", "Notes from the Shed")


def test_the_sites_description_wins_over_its_tagline_in_feeds_and_sharing(client):
    set_site(tagline="Sawdust", description="Woodworking notes, weekly.")
    assert head(client, "/").meta["og:description"] == "Woodworking notes, weekly."
    assert "<subtitle>Woodworking notes, weekly.</subtitle>" in client.get("/feeds/atom/").content.decode()


def test_the_default_sharing_image_stands_in_for_pages_without_one_of_their_own(client):
    set_site(share_image_url="https://img.example/card.png")
    post_with_image = make_post(body="![A chart](/media/chart.png)\n\nWords.")
    assert head(client, "/").meta["og:image"] == "https://img.example/card.png"
    assert head(client, "/").meta["twitter:card"] == "summary_large_image"
    assert head(client, post_with_image.get_absolute_url()).meta["og:image"] == f"{SITE}/media/chart.png"


def test_a_tagline_with_a_newline_is_described_on_one_line(client, settings):
    set_site(tagline="Notes from\n  a programmer")
    found = head(client, "/archive/")
    assert found.meta["description"] == found.meta["og:description"] == "Notes from a programmer"


def test_a_standalone_page_is_described_by_its_first_paragraph(client):
    Page.objects.create(title="Now", slug="now", body="Writing a *blog*.\n\nMore.", status=Page.Status.PUBLISHED)
    found = head(client, "/now/")
    assert (found.meta["description"], found.meta["og:title"]) == ("Writing a blog.", "Now")


def test_a_post_carries_json_ld_blogposting(client, settings):
    set_site(author_name="Ada Author")
    tag = make_tag("SQLite")
    post = make_post(slug="ld", title="Linked data", body="![x](/media/x.png)\n\nWords here.", tags=[tag])
    found = head(client, post.get_absolute_url())
    [block] = found.json_ld
    data = json.loads(block)
    assert data["@context"] == "https://schema.org" and data["@type"] == "BlogPosting"
    assert data["headline"] == "Linked data"
    assert data["url"] == data["mainEntityOfPage"]["@id"] == f"{SITE}/post/ld/"
    assert data["author"] == {"@type": "Person", "name": "Ada Author"}
    assert data["keywords"] == ["SQLite"] and data["image"] == f"{SITE}/media/x.png"
    post.refresh_from_db()
    assert timezone.datetime.fromisoformat(data["datePublished"]) == post.published_at.replace(microsecond=0)
    assert timezone.datetime.fromisoformat(data["dateModified"]) >= post.published_at.replace(microsecond=0)


def test_json_ld_cannot_end_its_script_element(client):
    title = "</script><script>alert(1)</script> & <!--"
    post = make_post(title=title, summary="<b>bold</b> </script>")
    found = head(client, post.get_absolute_url())
    [block] = found.json_ld
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["headline"] == title
    assert "<script>alert" not in found.raw


def test_only_public_posts_carry_json_ld(client, author_client):
    draft = make_post(status=Post.Status.DRAFT, slug="draft-ld")
    assert "application/ld+json" not in author_client.get(draft.get_absolute_url()).content.decode()


# --- reading time ---------------------------------------------------------------------------------


def test_reading_time_is_computed_on_save_and_shown(client):
    post = make_post(body=" ".join(["word"] * 700))
    assert post.reading_minutes == 4  # 700 / 230, rounded up
    Post.objects.filter(pk=post.pk).update(reading_minutes=9)  # the page shows what was stored
    assert "9 min read" in client.get(post.get_absolute_url()).content.decode()
    assert "9 min read" in client.get("/").content.decode()


def test_code_counts_double_and_a_short_post_takes_a_minute():
    prose = "<p>" + " ".join(["word"] * 230) + "</p>"
    code = '<div class="highlight"><pre><code>' + " ".join(["x"] * 230) + "</code></pre></div>"
    assert posthtml.reading_minutes(prose) == 1
    assert posthtml.reading_minutes(prose + code) == 3
    assert posthtml.reading_minutes("") == 1


def test_existing_posts_get_their_reading_time_from_the_migration():
    post = make_post(body=" ".join(["word"] * 500) + "\n\n![i](/media/i.png)")
    Post.objects.filter(pk=post.pk).update(reading_minutes=1, excerpt="", lead_image="")
    import_module("blog.migrations.0007_describe_existing_posts").describe(apps, None)
    post.refresh_from_db()
    assert (post.reading_minutes, post.lead_image) == (3, "/media/i.png")
    assert post.excerpt.startswith("word word") and post.excerpt.endswith("…")


# --- related posts --------------------------------------------------------------------------------


def related(client, post):
    html = client.get(post.get_absolute_url()).content.decode()
    if 'id="related-title"' not in html:
        return []
    section = html.split('id="related-title"')[1].split("</section>")[0]
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', section)


def test_related_posts_share_the_most_tags_newest_first_among_equals(client):
    a, b, c = make_tag("A"), make_tag("B"), make_tag("C")
    now = timezone.now()
    post = make_post(title="Me", tags=[a, b, c])
    make_post(title="Two old", tags=[a, b], published_at=now - timedelta(days=9))
    make_post(title="Two new", tags=[b, c], published_at=now - timedelta(days=2))
    make_post(title="Three", tags=[a, b, c], published_at=now - timedelta(days=20))
    make_post(title="One", tags=[a], published_at=now - timedelta(days=3))
    make_post(title="One older", tags=[c], published_at=now - timedelta(days=30))
    make_post(title="None", tags=[make_tag("D")])
    make_post(title="Draft", tags=[a, b, c], status=Post.Status.DRAFT)
    make_post(title="Scheduled", tags=[a, b, c], published_at=now + timedelta(days=1))
    assert related(client, post) == ["Three", "Two new", "Two old", "One"]


def test_a_post_without_tags_has_no_related_posts(client):
    make_post(tags=[make_tag("A")])
    assert related(client, make_post()) == []


def test_related_posts_follow_other_posts_changes(client):
    tag = make_tag("A")
    post = make_post(tags=[tag])
    other = make_post(title="Later tagged")
    assert related(client, post) == []
    other.tags.add(tag)
    assert related(client, post) == ["Later tagged"]
