"""Anonymous public pages are the same for everyone: no cookie, no Vary: Cookie."""

import pytest

from tests.support.factories import make_blurb, make_post, make_tag

pytestmark = pytest.mark.django_db


def test_no_cookie_and_no_vary_cookie_on_any_anonymous_public_get(client):
    tag = make_tag("Python", featured=True)
    make_blurb()
    post = make_post(tags=[tag])
    month = post.published_at
    urls = [
        "/",
        "/page/1/",
        post.get_absolute_url(),
        post.get_source_url(),
        f"/{post.pk}/",
        tag.get_absolute_url(),
        "/tags/",
        "/archive/",
        f"/archive/{month.year}/",
        f"/archive/{month.year}/{month.month}/",
        "/search/?q=post",
        "/feeds/atom/",
        "/feeds/rss/",
        f"/feeds/tag/{tag.slug}/atom/",
        f"/feeds/tag/{tag.slug}/rss/",
        "/sitemap.xml",
        "/sitemap-posts.xml",
        "/robots.txt",
        "/healthz",
        "/no-such-page/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 301, 404), url
        assert not response.cookies, f"{url} set {list(response.cookies)}"
        vary = response.get("Vary", "")
        assert "cookie" not in vary.lower(), f"{url} sent Vary: {vary}"
