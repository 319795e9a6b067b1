"""A commenter in a real browser: Markdown in a comment, a refusal that keeps the text, the form's address opened."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments import moderation
from comments.models import Comment
from tests.support.browser import save_screenshot
from tests.support.factories import make_author, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKDOWN = (
    "Nice post. With `COMMENT_RATE` at *one*, try:\n\n"
    "```python\nfrom comments import moderation\nmoderation.receive(comment, permalink)\n```\n\n"
    "More in [the docs](https://docs.djangoproject.com/) or https://example.com/notes. <b>Not bold</b>"
)


def fill(page, body):
    page.fill("#comment-author_name", "Ada Reader")
    page.fill("#comment-author_email", "ada@example.com")
    page.fill("#comment-author_url", "https://ada.example/")
    page.fill("#comment-body", body)


def test_a_commenter_writes_markdown_is_rate_limited_keeps_the_text_and_sends_it_later(browser, live_server, settings):
    settings.COMMENT_RATE = 1
    author = make_author()
    post = make_post(title="Comments with code", slug="comments-with-code")
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    page.goto(live_server.url + post.get_absolute_url())
    fill(page, MARKDOWN)
    page.click(".comment-form button[type=submit]")
    page.wait_for_load_state()  # click returns once the next page starts loading
    assert "awaiting approval" in page.content()
    moderation.approve(Comment.objects.all(), author)

    page.goto(live_server.url + post.get_absolute_url())
    body = page.locator(".comment-body")
    assert body.locator("div.highlight[data-lang=python] .kn").first.inner_text() == "from"
    assert body.locator("code").first.inner_text() == "COMMENT_RATE"
    assert body.locator("em").inner_text() == "one"
    assert body.locator("a").evaluate_all("links => links.map(a => [a.href, a.rel])") == [
        ["https://docs.djangoproject.com/", "nofollow ugc"],
        ["https://example.com/notes", "nofollow ugc"],
    ]
    assert "<b>Not bold</b>" in body.inner_text()
    save_screenshot(page, "commenter-markdown-comment")

    second = "A second thought:\n\n```\nstill <kept>\n```"
    fill(page, second)
    response_status = []
    page.on("response", lambda response: response_status.append(response.status))
    page.click(".comment-form button[type=submit]")
    assert 429 in response_status
    page.wait_for_load_state()
    assert "Your comment was not posted" in page.content()
    expect(page.locator("[role=alert]")).to_contain_text("You can send it again from")
    assert page.input_value("#comment-author_name") == "Ada Reader"
    assert page.input_value("#comment-author_email") == "ada@example.com"
    assert page.input_value("#comment-author_url") == "https://ada.example/"
    assert page.input_value("#comment-body") == second
    save_screenshot(page, "commenter-rate-limited-keeps-text")

    Comment.objects.update(created_at=timezone.now() - timedelta(hours=2))  # an hour later
    page.click(".comment-form button[type=submit]")
    page.wait_for_load_state()
    assert "awaiting approval" in page.content()
    # Browsers send a textarea's line breaks as CRLF; the body is kept as sent.
    assert Comment.objects.filter(body=second.replace("\n", "\r\n")).exists()


def test_opening_the_form_address_lands_on_the_form(browser, live_server):
    post = make_post(title="Bookmarked", slug="bookmarked")
    page = browser.new_page(viewport={"width": 390, "height": 800})
    response = page.goto(live_server.url + "/post/bookmarked/comment/")
    assert response.status == 200
    assert page.url == live_server.url + post.get_absolute_url() + "#comment-form"
    assert page.locator("#comment-form:target").count() == 1
