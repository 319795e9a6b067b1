"""The trash in a real browser: axe finds nothing serious on the lists of trashed posts and pages."""

import pytest

from blog.models import Page
from tests.support.accessibility import SERIOUS, axe_findings
from tests.support.browser import log_in
from tests.support.factories import make_author, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_trash_lists_have_no_serious_axe_violations(browser, live_server):
    make_author()
    make_post(title="Kept")
    make_post(title="Thrown away").move_to_trash()
    Page.objects.create(title="Old page", slug="old-page", body="Gone.").move_to_trash()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")

    def visits():
        for model, title in [("post", "Thrown away"), ("page", "Old page")]:
            page.goto(f"{live_server.url}/admin/blog/{model}/?trash=yes")
            assert page.locator("#result_list").inner_text().count(title) == 1
            yield f"{model} trash"

    findings = axe_findings(page, visits(), impacts=SERIOUS)
    context.close()
    assert not findings, findings
