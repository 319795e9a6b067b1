"""The author's reply pages in a real browser: axe finds nothing serious on them."""

import pytest

from tests.support.accessibility import axe_source, axe_violations, report
from tests.support.browser import log_in
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_author, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ours(violation):
    """The violation without Django's own breadcrumbs (the same on every admin change page, not this issue's)."""
    nodes = [node for node in violation["nodes"] if not str(node["target"][0]).startswith(".breadcrumbs")]
    return {**violation, "nodes": nodes}


def test_the_admin_reply_pages_have_no_serious_axe_violations(browser, live_server):
    make_author()
    post = make_post(title="Replies")
    waiting = make_comment(post, author_name="Grace", body="A *question*.")
    source = axe_source()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")
    found = {}
    for name, path in [("reply", "reply/"), ("change page with the reply form", "change/")]:
        page.goto(f"{live_server.url}/admin/comments/comment/{waiting.pk}/{path}")
        assert page.locator("input[value='Approve and reply']").count() == 1
        serious = [ours(v) for v in axe_violations(page, source) if v["impact"] in ("serious", "critical")]
        serious = [v for v in serious if v["nodes"]]
        if serious:
            found[name] = report(serious)
    context.close()
    assert not found, found
