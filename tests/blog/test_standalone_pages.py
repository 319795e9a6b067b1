"""Standalone pages (About, Now, Uses): their own addresses, the header's navigation, drafts, the sitemap, the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import path, reverse

from blog.models import Page, Redirect
from escribe.urls import urlpatterns as site_urlpatterns
from tests.support.factories import make_author, make_post

pytestmark = pytest.mark.django_db


def make_page(**fields):
    fields.setdefault("title", "About")
    fields.setdefault("slug", fields["title"].lower())
    fields.setdefault("body", "I write *code*.\n\nSecond paragraph.")
    fields.setdefault("status", Page.Status.PUBLISHED)
    return Page.objects.create(**fields)


def nav(html):
    """The header's navigation links, in order."""
    header = html[html.index('<nav aria-label="Site">') :]
    header = header[: header.index("</nav>")]
    return [part.split('">')[1].split("<")[0] for part in header.split("<li><a href=")[1:]]


def test_a_published_page_is_at_its_own_address_rendered_from_markdown(client):
    make_page()
    response = client.get("/about/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="page-title">About</h1>' in html
    assert "<p>I write <em>code</em>.</p>" in html
    assert "<title>About &middot; 127.0.0.1</title>" in html  # a new blog is named after its host


def test_the_markdown_is_rendered_on_save_not_on_request(client, django_assert_num_queries):
    page = make_page()
    assert page.body_html.startswith("<p>I write <em>code</em>.</p>")
    Page.objects.filter(pk=page.pk).update(body_html="<p>Stored.</p>")
    assert "<p>Stored.</p>" in client.get("/about/").content.decode()


def test_a_draft_page_is_not_found_by_readers_and_previewed_by_staff(client):
    make_page(status=Page.Status.DRAFT)
    assert client.get("/about/").status_code == 404
    client.force_login(make_author())
    response = client.get("/about/")
    assert response.status_code == 200
    assert "Draft: only you can see this page." in response.content.decode()
    # The author's preview is nobody else's: never kept in a file nor by a shared cache.
    assert "private" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex"


def test_the_navigation_lists_published_pages_in_the_authors_order(client):
    make_page(title="Uses", position=2)
    make_page(title="About", position=1)
    make_page(title="Now", position=3, status=Page.Status.DRAFT)
    make_page(title="Colophon", position=0, in_navigation=False)
    make_post()
    for url in ("/", "/archive/", "/about/", "/colophon/"):
        assert nav(client.get(url).content.decode()) == ["Home", "Archive", "Tags", "About", "Uses", "Feed"], url
    Page.objects.filter(slug="uses").update(position=0)
    assert nav(client.get("/").content.decode())[3:5] == ["Uses", "About"]


def test_a_page_is_in_the_sitemap_and_a_draft_is_not(client):
    make_page()
    make_page(title="Now", status=Page.Status.DRAFT)
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-standalone.xml" in index
    section = client.get("/sitemap-standalone.xml").content.decode()
    assert "/about/</loc>" in section and "/now/" not in section


@pytest.mark.parametrize("slug", ["admin", "archive", "tags", "search", "feeds", "tag", "post", "page", "static",
                                  "media", "sitemap", "robots", "healthz", "Archive", "12"])  # fmt: skip
def test_a_slug_the_site_answers_itself_is_refused(slug):
    page = Page(title="Mine", slug=slug, body="x")
    with pytest.raises(ValidationError, match="one of the site's own addresses"):
        page.full_clean()


def test_a_free_slug_is_accepted():
    Page(title="Uses", slug="uses", body="x").full_clean()


def test_every_first_segment_of_the_sites_own_urls_is_refused():
    # A URL added to the site later must not be shadowed by a page, nor shadow one: clean() asks the resolver too.
    from blog.urls import urlpatterns as blog_urls
    from comments.urls import urlpatterns as comment_urls
    from escribe.urls import urlpatterns as site_urls

    segments = set()
    for pattern in [*blog_urls, *comment_urls, *site_urls]:
        first = str(pattern.pattern).split("/")[0].split("<")[0].split("-")[0].split(".")[0]
        if first:
            segments.add(first)
    assert segments
    for segment in segments:
        with pytest.raises(ValidationError):
            Page(title="x", slug=segment, body="x").full_clean()


def _elsewhere(request):
    raise AssertionError("never called")


# The site's URLs plus one a later version might add: a page must not take its address.
urlpatterns = [path("colophon/", _elsewhere), *site_urlpatterns]


def test_a_slug_a_newer_url_of_the_site_answers_is_refused_too(settings):
    settings.ROOT_URLCONF = __name__
    with pytest.raises(ValidationError, match="one of the site's own addresses"):
        Page(title="Colophon", slug="colophon", body="x").full_clean()


def test_the_admin_refuses_a_reserved_slug_with_a_message(client):
    client.force_login(make_author())
    response = client.post(
        reverse("admin:blog_page_add"),
        {"title": "Archive", "slug": "archive", "body": "x", "status": "published", "position": 0},
    )
    assert response.status_code == 200
    assert "/archive/ is one of the site&#x27;s own addresses" in response.content.decode()
    assert not Page.objects.exists()


def test_the_admin_orders_the_navigation_from_the_list(client):
    about, uses = make_page(title="About", position=1), make_page(title="Uses", position=2)
    client.force_login(make_author())
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(about.pk),
        "form-0-status": "published",
        "form-0-in_navigation": "on",
        "form-0-position": "5",
        "form-1-id": str(uses.pk),
        "form-1-status": "published",
        "form-1-in_navigation": "on",
        "form-1-position": "1",
        "_save": "Save",
    }
    response = client.post(reverse("admin:blog_page_changelist"), data)
    assert response.status_code == 302, [line for line in response.content.decode().splitlines() if "error" in line]
    client.logout()
    assert nav(client.get("/").content.decode())[3:5] == ["Uses", "About"]


def test_an_old_redirect_still_answers_beside_pages(client):
    # Pages take one-segment addresses nothing else answers; the redirect table still answers the rest.
    make_page()
    Redirect.objects.record("/hello-world/", post=make_post(slug="hello-world"))
    response = client.get("/hello-world/")
    assert (response.status_code, response["Location"]) == (301, "/post/hello-world/")
    # Without its slash the address reaches the post too (APPEND_SLASH first, then the table).
    assert client.get("/hello-world", follow=True).redirect_chain[-1] == ("/post/hello-world/", 301)
    assert client.get("/no-such-page/").status_code == 404


def test_a_page_at_an_old_address_answers_in_place_of_the_redirect(client):
    # The table is consulted only for what would be a 404: the author's page wins.
    Redirect.objects.record("/about/", post=make_post(slug="hello-world"))
    make_page()
    assert client.get("/about/").status_code == 200


def test_an_unknown_page_is_a_404_with_the_styled_page(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


def test_a_renamed_page_leaves_its_old_address_answering_301(client):
    page = make_page(title="About", slug="about")
    page.slug = "about-me"
    page.save()
    response = client.get("/about/")
    assert (response.status_code, response["Location"]) == (301, "/about-me/")
    # Renamed again: the first address leads straight to the newest, never through a chain.
    page.slug = "who"
    page.save()
    assert client.get("/about/")["Location"] == "/who/"
    assert client.get("/about-me/")["Location"] == "/who/"
    assert client.get("/who/").status_code == 200


def test_a_page_renamed_back_answers_at_its_address_and_never_loops(client):
    page = make_page(title="Now", slug="now")
    page.slug = "now-2026"
    page.save()
    page.slug = "now"
    page.save()
    assert client.get("/now/").status_code == 200
    assert client.get("/now-2026/")["Location"] == "/now/"
    page.status = Page.Status.DRAFT
    page.save()
    assert client.get("/now/").status_code == 404  # the row naming /now/ itself is not followed
