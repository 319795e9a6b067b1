"""Custom CSS in a real browser: pasted in the site settings, it styles the pages under their strict CSP."""

import pytest
from playwright.sync_api import expect

from tests.support.accessibility import axe_source, axe_violations, report
from tests.support.browser import log_in, save_screenshot
from tests.support.factories import make_author, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSS = ".site-title a { color: rgb(128, 0, 64); }"


def test_css_pasted_in_the_site_settings_styles_the_pages_and_breaks_no_policy(browser, live_server):
    make_author()
    post = make_post(title="Styled")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")
    # The list's address: the change page, or the add page when an earlier test's flush took the row.
    page.goto(f"{live_server.url}/admin/blog/sitesettings/")
    serious = [v for v in axe_violations(page, axe_source()) if v["impact"] in ("serious", "critical")]
    assert not serious, report(serious)
    page.fill("#id_custom_css", CSS)
    save_screenshot(page, "admin-custom-css-1280")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("Saved")
    context.close()

    reader = browser.new_context(viewport={"width": 1280, "height": 900})
    page = reader.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else 0)
    page.goto(live_server.url + post.get_absolute_url())
    color = page.evaluate("getComputedStyle(document.querySelector('.site-title a')).color")
    assert color == "rgb(128, 0, 64)"
    assert refused == []
    reader.close()
