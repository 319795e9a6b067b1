"""The links in the author's comment mail, followed in a real browser: login, back to the page, one click acts."""

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.support.accessibility import SERIOUS, axe_source, axe_violations, report
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_author, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mail_link_asks_for_the_login_comes_back_and_acts_on_the_button(browser, live_server):
    make_author()
    waiting = make_comment(make_post(title="Mail links"), author_name="Grace", body="A *question*.")
    source = axe_source()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    confirm = f"/admin/comments/comment/{waiting.pk}/confirm/approve/"
    page.goto(live_server.url + confirm)  # as from the mail: not logged in yet
    page.fill("#id_username", "author")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    assert page.url == live_server.url + confirm
    serious = [v for v in axe_violations(page, source) if v["impact"] in SERIOUS]
    assert not serious, report(serious)
    assert Comment.objects.get(pk=waiting.pk).status == Comment.Status.PENDING
    page.click("input[value='Approve']")
    expect(page.locator(".messagelist")).to_contain_text("Approved.")
    assert Comment.objects.get(pk=waiting.pk).status == Comment.Status.APPROVED
    page.context.close()
