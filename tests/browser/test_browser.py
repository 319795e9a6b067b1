"""What a reader sees in a real browser: no JavaScript needed, 360 px wide, dark mode."""

import pytest

from tests.support.browser import log_in, save_screenshot
from tests.support.factories import make_blurb, make_post, make_tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_CODE = (
    "```python wide.py\n" + "x = '" + "a" * 300 + "'\n```\n\n"
    "| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n" + "| wide cell text | " * 6 + "\n"
)


@pytest.fixture
def site(live_server):
    tag = make_tag("Python", featured=True)
    make_blurb(title="About Me")
    post = make_post(title="A wide post", body=LONG_CODE, tags=[tag])
    return {"url": live_server.url, "post": post}


def test_pages_work_without_javascript_at_360px(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    for path in ["/", site["post"].get_absolute_url(), "/tags/", "/archive/"]:
        response = page.goto(site["url"] + path)
        assert response.status == 200, path
        width = page.locator("html").evaluate("e => e.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide at a 360px viewport"
    # Search is a plain form: it works with JavaScript off.
    page.goto(site["url"] + "/")
    page.fill("#search-q", "wide")
    page.click(".search-form button")
    # The hit is marked in the title: "A <mark>wide</mark> post".
    page.wait_for_load_state()  # click returns once the next page starts loading
    assert page.locator(".search-results a").first.inner_text() == "A wide post"
    assert "/search/?q=wide" in page.url
    context.close()


def test_skip_link_moves_focus_to_the_content(browser, site):
    page = browser.new_page()
    page.goto(site["url"] + "/")
    first_focusable = page.evaluate(
        "document.querySelector('a[href], button, input:not([type=hidden]), textarea, select').className"
    )
    assert first_focusable == "skip-link"
    page.focus(".skip-link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/#content", timeout=5000)
    assert page.evaluate("document.activeElement.id") == "content"
    page.close()


def test_dark_mode_follows_the_system_setting(browser, site):
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(site["url"] + site["post"].get_absolute_url())
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        code = page.evaluate("getComputedStyle(document.querySelector('.highlight')).backgroundColor")
        backgrounds[f"{scheme}-code"] = code
        context.close()
    assert backgrounds["light"] != backgrounds["dark"]
    assert backgrounds["light-code"] != backgrounds["dark-code"]


def _csp_violations(page):
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return violations


def test_public_pages_break_no_content_security_policy_rule(browser, site):
    page = browser.new_page()
    violations = _csp_violations(page)
    for path in ["/", site["post"].get_absolute_url(), "/tags/", "/archive/", "/search/?q=wide"]:
        response = page.goto(site["url"] + path)
        assert "script-src 'none'" in response.headers["content-security-policy"]
    assert violations == []
    page.close()


def test_admin_works_under_its_content_security_policy(browser, site):
    from tests.support.factories import make_author

    make_author(username="csp-author", password="a long test password")
    page = browser.new_page()
    violations = _csp_violations(page)
    log_in(page, site["url"], "csp-author", "a long test password")
    page.goto(site["url"] + "/admin/blog/post/add/")
    # The slug is filled in from the title by the admin's own JavaScript.
    page.fill("#id_title", "Hello CSP world")
    page.locator("#id_title").blur()
    assert page.input_value("#id_slug") == "hello-csp-world"
    page.goto(site["url"] + "/admin/comments/comment/")
    assert violations == []
    page.close()


def test_the_comment_queue_fits_a_1280px_screen_with_long_names_urls_and_bodies(browser, live_server):
    from tests.support.comment_helpers import make_comment
    from tests.support.factories import make_author

    make_author(username="moderator", password="a long test password")
    post = make_post(title="A post whose title goes on " + "and on " * 20)
    for n in range(3):
        make_comment(
            post,
            author_name="Bartholomew-Maximilian" * 4 + f" {n}",
            author_url="https://example.com/" + "a-very-long-path-segment/" * 7,  # the column holds 200
            body="Unbroken" * 60 + " and then some words " * 30,
            ip_address="2001:db8:85a3:1234:5678:8a2e:370:7334",
            user_agent="Mozilla/5.0 " * 20,
        )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "moderator", "a long test password")
    page.goto(live_server.url + "/admin/comments/comment/")
    assert page.locator("#result_list tbody tr").count() == 3
    widths = page.evaluate(
        """() => ({
            table: document.querySelector('#result_list').getBoundingClientRect().width,
            container: document.querySelector('#changelist .results').clientWidth,
            document: document.documentElement.scrollWidth,
        })"""
    )
    save_screenshot(page, "admin-comment-queue-1280")
    assert widths["table"] <= widths["container"], widths
    assert widths["document"] <= 1280, widths
    context.close()
