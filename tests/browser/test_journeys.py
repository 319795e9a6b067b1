"""Issue 12's journeys in a real browser, with a screenshot at each step (artefacts/screenshots/journey-*).

The reader and the commenter have JavaScript off: public pages must work
without it. The author's journeys live in test_journeys_author.py.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment, SpamReport
from tests.support.browser import log_in, save_screenshot
from tests.support.comment_helpers import make_comment, send_comment_mail
from tests.support.factories import make_author, make_blurb, make_post, make_tag, set_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PASSWORD = "a long journey password"


@pytest.fixture
def blog(live_server):
    make_blurb(title="About Me")
    python, sqlite = make_tag("Python", featured=True), make_tag("SQLite")
    days_ago = timezone.now() - timedelta(days=3)
    older = make_post(title="Backups for one SQLite file", body="Use `.backup`.", tags=[sqlite], published_at=days_ago)
    post = make_post(
        title="Full-text search with SQLite",
        body="## Create the index\n\n```sql\nCREATE VIRTUAL TABLE post_fts USING fts5(title, body);\n```\n",
        tags=[python, sqlite],
    )
    make_comment(post, status="approved", author_name="Grace", body="This saved me a dependency.")
    return {"url": live_server.url, "post": post, "older": older, "sqlite": sqlite}


@pytest.mark.parametrize("device", WIDTHS)
def test_reader_goes_from_the_front_page_to_a_post_a_tag_the_archive_search_and_the_feed(browser, blog, device):
    context = browser.new_context(java_script_enabled=False, viewport=WIDTHS[device])
    page = context.new_page()
    step = f"journey-reader-{device}"

    page.goto(blog["url"] + "/")
    assert page.locator("h2.post-title").first.inner_text() == "Full-text search with SQLite"
    save_screenshot(page, f"{step}-1-front")

    page.click("h2.post-title a >> text=Full-text search with SQLite")
    assert page.url == blog["url"] + blog["post"].get_absolute_url()
    page.wait_for_load_state()  # click returns once the next page starts loading
    assert page.locator("h1.post-title").inner_text() == "Full-text search with SQLite"
    expect(page.locator(".comment-list")).to_contain_text("This saved me a dependency.")
    save_screenshot(page, f"{step}-2-post")

    page.click(".post-tags a >> text=SQLite")
    assert page.url == blog["url"] + blog["sqlite"].get_absolute_url()
    page.wait_for_load_state()
    assert page.locator(".post-title").all_inner_texts() == [
        "Full-text search with SQLite",
        "Backups for one SQLite file",
    ]
    save_screenshot(page, f"{step}-3-tag")

    page.click("nav[aria-label=Site] >> text=Archive")
    assert page.url == blog["url"] + "/archive/"
    save_screenshot(page, f"{step}-4-archive")

    page.fill("#search-q", "backup")
    page.click(".search-form button")
    assert "/search/?q=backup" in page.url
    page.wait_for_load_state()
    assert page.locator(".search-results a").all_inner_texts() == ["Backups for one SQLite file"]
    save_screenshot(page, f"{step}-5-search")

    # A feed reader finds the feeds from any page; a person finds the link.
    feeds = page.locator("head link[rel=alternate][type='application/atom+xml']")
    assert feeds.count() >= 2
    feed_url = page.get_attribute("nav[aria-label=Site] >> text=Feed", "href")
    response = page.request.get(blog["url"] + feed_url)
    assert response.ok and "Full-text search with SQLite" in response.text()
    context.close()


def test_commenter_fixes_an_error_without_retyping_and_lands_on_the_awaiting_approval_page(browser, blog):
    context = browser.new_context(java_script_enabled=False, viewport=WIDTHS["desktop"])
    page = context.new_page()
    text = "Does this work with the trigram tokenizer too?\n\nI tried it on 10,000 posts."
    page.goto(blog["url"] + blog["post"].get_absolute_url() + "#comment-form-title")
    page.fill("#comment-author_name", "Ada")
    page.fill("#comment-author_email", "ada-at-example")
    page.fill("#comment-body", text)
    save_screenshot(page, "journey-commenter-1-form", full_page=False)

    with page.expect_navigation() as sent:
        page.click(".comment-form button[type=submit]")
    assert sent.value.status == 400
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Please check your comment"
    assert page.locator(".field-error .errorlist").inner_text() == "Enter a valid email address."
    assert page.input_value("#comment-body") == text
    assert page.input_value("#comment-author_name") == "Ada"
    assert Comment.objects.count() == 1  # only Grace's: nothing half-saved
    save_screenshot(page, "journey-commenter-2-error")

    page.fill("#comment-author_email", "ada@example.com")
    with page.expect_navigation() as sent:
        page.click(".comment-form button[type=submit]")
    assert page.url.endswith(f"/post/{blog['post'].slug}/comment/received/")
    expect(page.locator("h1")).to_contain_text("awaiting approval")
    save_screenshot(page, "journey-commenter-3-received")
    comment = Comment.objects.get(author_name="Ada")
    # Kept as sent: browsers send a textarea's line breaks as CRLF.
    assert (comment.status, comment.body.replace("\r\n", "\n")) == ("pending", text)
    # Not on the post until the moderator approves it.
    page.goto(blog["url"] + blog["post"].get_absolute_url())
    assert "trigram" not in page.locator("#comments").inner_text()
    context.close()


def test_moderator_approves_one_comment_and_marks_another_as_spam(browser, blog):
    make_author(username="moderator", password=PASSWORD)
    post = blog["post"]
    good = make_comment(post, author_name="Linus", body="Worked for me on 3.45 as well.")
    bad = make_comment(post, author_name="Cheap Pills", body="Buy cheap pills at example.net")
    killed = SpamReport.current().killed
    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()

    log_in(page, blog["url"], "moderator", PASSWORD)
    save_screenshot(page, "journey-moderator-1-admin")

    # The comments' default view is the queue: the pending ones, not Grace's approved comment.
    page.goto(blog["url"] + "/admin/comments/comment/")
    rows = page.locator("#result_list tbody tr")
    queue = " ".join(rows.all_inner_texts())
    assert rows.count() == 2 and "Linus" in queue and "Cheap Pills" in queue and "Grace" not in queue
    save_screenshot(page, "journey-moderator-2-queue")

    # Approve one from the queue with the bulk action.
    page.check(f"#result_list input[name=_selected_action][value='{good.pk}']")
    page.select_option("select[name=action]", "approve")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("Approved 1 comment.")
    assert "Linus" not in " ".join(page.locator("#result_list tbody tr").all_inner_texts())
    save_screenshot(page, "journey-moderator-3-approved")

    # Mark the other as spam from its own page.
    page.click(f"#result_list a[href*='/comments/comment/{bad.pk}/']")
    save_screenshot(page, "journey-moderator-4-comment")
    page.click("button:text-is('Spam')")
    expect(page.locator(".messagelist")).to_contain_text("Marked as spam.")
    save_screenshot(page, "journey-moderator-5-spam")

    bad.refresh_from_db()
    good.refresh_from_db()
    assert (good.status, bad.status) == ("approved", "spam")
    assert SpamReport.current().killed == killed + 1

    page.goto(blog["url"] + post.get_absolute_url())
    comments = page.locator(".comment-list").inner_text()
    assert "Worked for me on 3.45 as well." in comments and "cheap pills" not in comments.lower()
    sidebar = page.locator(".spam-report").inner_text()
    assert f"At least {killed + 1} piece" in sidebar
    save_screenshot(page, "journey-moderator-6-post")
    context.close()


def test_a_reader_replies_to_a_comment_and_the_moderator_approves_and_answers_in_one_step(browser, blog):
    make_author(username="moderator", password=PASSWORD)
    post = blog["post"]
    # JavaScript off for both: the reader's pages run none, and the admin's reply is a plain form.
    context = browser.new_context(java_script_enabled=False, viewport=WIDTHS["desktop"])
    page = context.new_page()

    # The reader follows Grace's "Reply" link (no JavaScript: a page of its own) and sends the form.
    page.goto(blog["url"] + post.get_absolute_url())
    page.locator(".comment-reply a").first.click()
    expect(page.locator("h1")).to_contain_text("Reply to Grace")
    page.fill("#comment-author_name", "Linus")
    page.fill("#comment-author_email", "linus@example.com")
    page.fill("#comment-body", "Same here, *no* extension needed.")
    save_screenshot(page, "journey-commenter-reply-1-form")
    page.click("#comment-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("awaiting approval")
    save_screenshot(page, "journey-commenter-reply-2-received")
    reply = Comment.objects.get(author_name="Linus")
    assert reply.parent.author_name == "Grace" and reply.status == "pending"

    # The moderator approves it and answers from the queue: one form, one click.
    log_in(page, blog["url"], "moderator", PASSWORD)
    page.goto(blog["url"] + "/admin/comments/comment/")
    page.click("#result_list a:text-is('Approve and reply')")
    page.fill("#reply-body", "Glad it helped, **both** of you.")
    save_screenshot(page, "journey-moderator-reply-1-form")
    page.click("input[value='Approve and reply']")
    expect(page.locator(".messagelist")).to_contain_text("Approved and replied.")
    assert page.locator("#result_list").count() == 0  # the queue is empty: Linus's reply was its only comment
    save_screenshot(page, "journey-moderator-reply-2-replied")

    page.goto(blog["url"] + post.get_absolute_url())
    nested = page.locator(".comment-replies").inner_text()
    assert "Same here, no extension needed." in nested and "Glad it helped, both of you." in nested
    expect(page.locator(".comment-by-author")).to_contain_text("(the author)")
    save_screenshot(page, "journey-reader-replies-on-the-post")

    # A feed reader following the post's comments finds the answer, marked as the author's (one level of
    # nesting: an answer to Linus's reply sits under Grace's comment, as on the page).
    feed_url = page.get_attribute("head link[type='application/atom+xml'][title^='Comments on']", "href")
    feed = ElementTree.fromstring(page.request.get(blog["url"] + feed_url).body())
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [title.text for title in feed.iterfind(f"{atom}entry/{atom}title")]
    assert any("(the author) replying to Grace" in title for title in titles), titles
    context.close()


def link_in(message, label):
    """The address after `label` in a plain-text mail."""
    return re.search(rf"^{re.escape(label)} (\S+)$", message.body, re.MULTILINE).group(1)


def test_a_commenter_asks_for_mail_the_moderator_answers_from_his_mail_and_the_commenter_unsubscribes(
    browser, blog, settings
):
    settings.SITE_URL = blog["url"]  # the mails' links lead to this test's server
    set_site(author_name="Kate")  # the name the author's replies are signed with
    make_author(username="moderator", password=PASSWORD)
    post = blog["post"]
    commenter = browser.new_context(java_script_enabled=False, viewport=WIDTHS["desktop"]).new_page()
    moderator = browser.new_context(java_script_enabled=False, viewport=WIDTHS["desktop"]).new_page()

    # The commenter ticks "Mail me when the author replies" (off unless ticked).
    commenter.goto(blog["url"] + post.get_absolute_url() + "#comment-form-title")
    commenter.fill("#comment-author_name", "Ada")
    commenter.fill("#comment-author_email", "ada@example.com")
    commenter.fill("#comment-body", "Does the index follow an UPDATE of the post?")
    box = commenter.get_by_label("Mail me when the author replies")
    assert not box.is_checked()
    box.check()
    box.scroll_into_view_if_needed()
    save_screenshot(commenter, "journey-commenter-mail-1-form-with-the-box", full_page=False)
    commenter.click(".comment-form button[type=submit]")
    expect(commenter.locator("h1")).to_contain_text("awaiting approval")
    question = Comment.objects.get(author_name="Ada")
    assert (question.status, question.notify_replies) == ("pending", True)

    # The moderator's mail about it: its "Reply" link, followed while logged out, asks for the login first
    # and comes back to the comment's reply page; nothing was done by opening it.
    assert send_comment_mail() == (1, 0)
    [new_comment] = mail.outbox
    assert new_comment.to == ["moderator@example.com"] and "Ada commented" in new_comment.body
    reply_link = link_in(new_comment, "Reply (and approve):")
    moderator.goto(reply_link)
    assert moderator.url.startswith(blog["url"] + "/admin/login/")
    save_screenshot(moderator, "journey-moderator-mail-1-login")
    moderator.fill("#id_username", "moderator")
    moderator.fill("#id_password", PASSWORD)
    moderator.click("input[type=submit]")
    assert moderator.url == reply_link
    expect(moderator.locator(".comment-body")).to_contain_text("Does the index follow an UPDATE")
    assert Comment.objects.get(pk=question.pk).status == "pending"
    moderator.fill("#reply-body", "Yes: a trigger keeps it in step.")
    save_screenshot(moderator, "journey-moderator-mail-2-reply")
    moderator.click("input[value='Approve and reply']")
    expect(moderator.locator(".messagelist")).to_contain_text("Approved and replied.")
    expect(moderator.locator(".messagelist")).to_contain_text("The commenter asked for a mail")
    save_screenshot(moderator, "journey-moderator-mail-3-replied")

    # The commenter's mail: the reply, a link to it on the post, and a way out.
    mail.outbox.clear()
    assert send_comment_mail() == (1, 0)
    [answer] = mail.outbox
    assert answer.to == ["ada@example.com"] and "a trigger keeps it in step" in answer.body
    commenter.goto(link_in(answer, "Read it on the blog:"))
    reply = Comment.objects.get(parent=question)
    assert urlsplit(commenter.url).fragment == f"comment-{reply.pk}"
    shown = commenter.locator(f"#comment-{reply.pk}")
    assert "comment-by-author" in shown.get_attribute("class")
    assert "Kate (the author)" in shown.inner_text() and "Yes: a trigger keeps it in step." in shown.inner_text()
    save_screenshot(commenter, "journey-commenter-mail-2-the-reply", full_page=False)

    # The unsubscribe link asks first (mail clients open links by themselves); the button stops the mail.
    commenter.goto(link_in(answer, "Your address is used for nothing else. To stop these mails:"))
    assert commenter.locator("h1").inner_text() == "Stop the mail about replies?"
    assert Comment.objects.get(pk=question.pk).notify_replies
    save_screenshot(commenter, "journey-commenter-mail-3-unsubscribe")
    commenter.click("button:text-is('Stop these mails')")
    expect(commenter.locator("h1")).to_have_text("No more mail about replies")
    expect(commenter.locator("main")).to_contain_text("Done: you will get no mail")
    assert not Comment.objects.get(pk=question.pk).notify_replies
    save_screenshot(commenter, "journey-commenter-mail-4-unsubscribed")

    # The next reply goes to the post only.
    mail.outbox.clear()
    moderator.goto(reply_link)
    moderator.fill("#reply-body", "One more thing: run ANALYZE.")
    moderator.click("input[value='Reply']")
    expect(moderator.locator(".messagelist")).to_contain_text("Replied.")
    assert "asked for a mail" not in moderator.locator(".messagelist").inner_text()
    send_comment_mail()
    assert mail.outbox == []
    for page in (commenter, moderator):
        page.context.close()
