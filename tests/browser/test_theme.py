"""The example theme (themes/example/) in Chromium: its stylesheet and images load under the CSP, axe finds nothing."""

import pytest
from django.test import override_settings

from tests.support.accessibility import axe_findings
from tests.support.public_pages import make_pages
from tests.support.themes import theme_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_example_themes_pages_have_no_axe_violations(browser, live_server, scheme, width):
    entries = [entry for entry in make_pages() if not entry.form and not entry.settings]
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    page = context.new_page()

    def visits():
        for entry in entries:
            response = page.goto(live_server.url + entry.path)
            assert response.status == entry.status, entry.name
            yield f"{entry.name} ({entry.path})"

    with override_settings(**theme_settings()):
        findings = axe_findings(page, visits())
    context.close()
    assert not findings, findings


def test_the_example_themes_stylesheet_and_logo_load_under_the_pages_content_security_policy(browser, live_server):
    post = make_pages()[1]
    page = browser.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    with override_settings(**theme_settings()):
        response = page.goto(live_server.url + post.path)
        assert "style-src 'self'" in response.headers["content-security-policy"]
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        logo_width = page.evaluate("document.querySelector('.site-logo').naturalWidth")
        signoff = page.evaluate("getComputedStyle(document.querySelector('.post-signoff')).borderLeftStyle")
    page.close()
    assert font.startswith('"Iowan Old Style"'), font
    assert logo_width == 40
    assert signoff == "solid"
    assert not refused, refused
