"""The author's reply pages and the queue in a real browser: axe finds nothing serious on them."""

import pytest

from tests.support.accessibility import SERIOUS, axe_findings
from tests.support.browser import log_in
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_author, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_reply_pages_have_no_serious_axe_violations(browser, live_server):
    make_author()
    post = make_post(title="Replies")
    waiting = make_comment(post, author_name="Grace", body="A *question*.")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")

    def visits():
        for name, path in [("reply", "reply/"), ("change page with the reply form", "change/")]:
            page.goto(f"{live_server.url}/admin/comments/comment/{waiting.pk}/{path}")
            assert page.locator("input[value='Approve and reply']").count() == 1
            yield name
        # The queue, where each waiting comment has its Reply link.
        page.goto(f"{live_server.url}/admin/comments/comment/")
        assert page.locator(f"a[href$='/{waiting.pk}/reply/']").count() == 1
        yield "moderation queue"

    findings = axe_findings(page, visits(), impacts=SERIOUS)
    context.close()
    assert not findings, findings
