"""In Chromium: the header's navigation leads to a standalone page, and a post's JSON-LD is data the
browser parses, not a script the page's CSP (script-src 'none') has to refuse."""

import json

import pytest

from blog.models import Page
from tests.support.browser import save_screenshot
from tests.support.factories import make_post, make_tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    tag = make_tag("Python")
    post = make_post(title='Quotes "</script>" & more', body="![chart](/static/img/favicon.svg)\n\nWords.", tags=[tag])
    make_post(title="A neighbour", tags=[tag])
    Page.objects.create(title="Now", slug="now", body="What I am doing *now*.", status=Page.Status.PUBLISHED)
    return {"url": live_server.url, "post": post}


def test_a_reader_follows_the_navigation_to_a_standalone_page(browser, site):
    page = browser.new_page(java_script_enabled=False)
    page.goto(site["url"] + "/")
    page.click("nav[aria-label=Site] >> text=Now")
    page.wait_for_url("**/now/")
    page.wait_for_load_state()  # click returns once the next page starts loading
    assert page.locator("h1").inner_text() == "Now"
    save_screenshot(page, "standalone-page")
    page.close()


def test_a_posts_json_ld_is_parsed_and_breaks_no_csp_rule(browser, site):
    page = browser.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text))
    response = page.goto(site["url"] + site["post"].get_absolute_url())
    assert "script-src 'none'" in response.headers["content-security-policy"]
    text = page.evaluate("document.querySelector('script[type=\"application/ld+json\"]').textContent")
    data = json.loads(text)
    assert data["headline"] == 'Quotes "</script>" & more'
    assert data["image"] == site["url"] + "/static/img/favicon.svg"
    # Only one element came out of the block: the title did not close it.
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    assert page.locator(".related-posts a").inner_text() == "A neighbour"
    assert [v for v in violations if "Content Security Policy" in v] == []
    save_screenshot(page, "post-with-related-posts")
    page.close()
