"""axe-core finds no accessibility violation on the public pages, light and dark, desktop and phone."""

import pytest
from django.test import override_settings

from tests.support.accessibility import SERIOUS, axe_findings, axe_source, axe_violations, report
from tests.support.public_pages import make_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 390}


def open_page(page, base_url, entry):
    """Go to the page as a reader would (sending the comment form when the entry says so); return the response."""
    response = page.goto(base_url + entry.path)
    if entry.form:
        for name, value in entry.form.items():
            page.fill(f".comment-form [name={name}]", value)
        with page.expect_navigation() as navigation:
            page.click(".comment-form button[type=submit]")
        response = navigation.value
    return response


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_public_pages_have_no_axe_violations(browser, live_server, scheme, width):
    pages = make_pages()
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    page = context.new_page()

    def visits():
        for entry in pages:
            with override_settings(**entry.settings):
                response = open_page(page, live_server.url, entry)
            assert response.status == entry.status, entry.name
            yield f"{entry.name} ({entry.path})"

    findings = axe_findings(page, visits())
    context.close()
    assert not findings, findings


def test_axe_runs_under_the_pages_content_security_policy_and_reports_what_it_finds(browser, live_server):
    """The check can fail: a label cut from its input on a real page (CSP and all) is reported."""
    source = axe_source()
    make_pages()
    page = browser.new_page()
    response = page.goto(live_server.url + "/")
    assert "script-src 'none'" in response.headers["content-security-policy"]
    assert "label" not in {violation["id"] for violation in axe_violations(page, source)}
    page.evaluate("document.querySelector('label[for=search-q]').remove()")
    violations = axe_violations(page, source)
    assert "label" in {violation["id"] for violation in violations}
    assert '["#search-q"]' in report(violations)
    # The shared helper the page tests use says so too, by page name, keeping a critical one among the serious.
    findings = axe_findings(page, ["the front page"], impacts=SERIOUS)
    assert findings.startswith("the front page:\nlabel (critical)") and '["#search-q"]' in findings
    page.close()


@pytest.mark.parametrize(("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)])
def test_without_axe_core_the_check_skips_but_fails_under_ci(monkeypatch, tmp_path, ci, outcome):
    from tests.support import accessibility

    monkeypatch.setattr(accessibility, "AXE_JS", tmp_path / "node_modules" / "axe-core" / "axe.min.js")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="axe-core is not installed"):
        axe_source()
