"""'Mail me when the author replies': off by default, sent from the outbox, stopped by its link or the purge."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from comments import moderation, replies, reply_mail
from comments.models import Comment, CommentEvent, Notification
from tests.support.comment_helpers import history, make_comment, post_comment, send_comment_mail
from tests.support.factories import make_post, set_site

pytestmark = pytest.mark.django_db

ADDRESS = "grace@example.org"


@pytest.fixture
def post(settings):
    settings.SITE_URL = "https://blog.example"
    set_site(author_name="Ada Lovelace")
    return make_post(title="Engines", slug="engines")


@pytest.fixture
def question(post):
    """An approved comment whose commenter ticked the box."""
    return make_comment(post, status="approved", author_name="Grace", author_email=ADDRESS, notify_replies=True)


def checkbox(html):
    return re.search(r'<input type="checkbox" name="notify_replies"[^>]*>', html).group(0)


def reply_mails():
    return [message for message in mail.outbox if message.to == [ADDRESS]]


def unsubscribe_path(comment):
    return urlsplit(reply_mail.unsubscribe_url(comment)).path


# The form


def test_the_box_is_on_both_forms_and_unticked(client, post, question):
    for path in (post.get_absolute_url(), f"/post/engines/comment/{question.pk}/reply/"):
        html = client.get(path).content.decode()
        assert "checked" not in checkbox(html), path
        assert '<label for="comment-notify_replies">Mail me when the author replies</label>' in html


def test_the_box_sent_back_with_errors_stays_as_the_commenter_left_it(client, post):
    html = post_comment(client, post, body="x", notify_replies="on").content.decode()
    assert "checked" in checkbox(html)


@pytest.mark.parametrize(("sent", "stored"), [({}, False), ({"notify_replies": "on"}, True)])
def test_the_choice_is_stored_on_the_comment(client, post, sent, stored):
    assert post_comment(client, post, **sent).status_code == 302
    assert Comment.objects.get().notify_replies is stored


# The mail


def test_the_authors_reply_is_mailed_once_from_the_outbox_with_its_links(author, question):
    reply = replies.reply_as_author(question, author, "It does <b>loop</b>, with *cards*.")
    assert mail.outbox == []  # never in the author's request
    assert send_comment_mail() == (1, 0)
    assert send_comment_mail() == (0, 0)
    [message] = reply_mails()
    assert message.subject == 'Reply to your comment on "Engines"'
    assert message.content_subtype == "plain"
    # As typed: plain text, nothing in it is read as HTML.
    assert "It does <b>loop</b>, with *cards*." in message.body
    assert f"https://blog.example/post/engines/#comment-{reply.pk}" in message.body
    leave = reply_mail.unsubscribe_url(question)
    assert leave.startswith("https://blog.example/comments/unsubscribe/") and leave in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{leave}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert history(reply) == ["received", "approved", "reply_mailed"]


def test_the_author_is_told_the_reply_goes_by_mail(author_client, question, post):
    said = author_client.post(f"/admin/comments/comment/{question.pk}/reply/", {"body": "Yes."}, follow=True)
    assert "The commenter asked for a mail: it goes out shortly." in said.content.decode()
    quiet = make_comment(post, status="approved")
    said = author_client.post(f"/admin/comments/comment/{quiet.pk}/reply/", {"body": "Yes."}, follow=True)
    assert "asked for a mail" not in said.content.decode()


def test_the_address_is_kept_nowhere_but_on_the_comment(author, question):
    replies.reply_as_author(question, author, "Yes.")
    send_comment_mail()
    assert Notification.objects.get().recipients == f"the commenter of comment {question.pk}"
    assert ADDRESS not in "".join(CommentEvent.objects.values_list("detail", flat=True))
    assert ADDRESS not in reply_mail.unsubscribe_url(question)
    assert "grace" not in signing.b64_decode(reply_mail.token_for(question).split(":")[0].encode()).decode()


def test_the_admin_shows_the_subscription_and_the_reply_mail_in_the_outbox(author, author_client, question):
    reply = replies.reply_as_author(question, author, "Yes.")
    change = author_client.get(f"/admin/comments/comment/{question.pk}/change/").content.decode()
    row = change[change.index("field-notify_replies") :].split("form-row", 1)[0]
    assert "replies:</label>" in row and 'alt="True"' in row
    outbox_page = author_client.get("/admin/comments/notification/").content.decode()
    assert f"Reply {reply.pk} mailed to the commenter of comment {question.pk}" in outbox_page


def test_no_mail_without_the_box_ticked(author, post):
    quiet = make_comment(post, status="approved", author_email=ADDRESS)
    replies.reply_as_author(quiet, author, "Yes.")
    assert Notification.objects.count() == 0


def test_a_readers_reply_mails_nobody(client, post, question):
    post_comment(client, post, reply_to=question.pk, body="Me too!")
    assert not Notification.objects.filter(answered=question).exists()


def test_approve_and_reply_mails_the_commenter_of_a_pending_comment(author, post):
    pending = make_comment(post, author_email=ADDRESS, notify_replies=True)
    replies.reply_as_author(pending, author, "Welcome.", approve=True)
    send_comment_mail()
    assert len(reply_mails()) == 1


def test_a_reply_to_a_readers_reply_mails_that_reader_not_the_first_commenter(author, post, question):
    other = make_comment(post, status="approved", author_email="bob@example.org", notify_replies=True)
    nested = replies.attach(make_comment(post, status="approved", author_email="bob@example.org"), question)
    nested.notify_replies = True
    nested.save()
    replies.reply_as_author(nested, author, "Both of you.")
    send_comment_mail()
    assert [message.to for message in mail.outbox] == [["bob@example.org"]]
    assert Notification.objects.get().answered == nested and other.pk != nested.pk


def test_a_failed_reply_mail_is_kept_and_retried_until_it_goes(author, question, settings):
    settings.EMAIL_BACKEND = "tests.comments.test_comment_mail.RefusingBackend"
    replies.reply_as_author(question, author, "Yes.")
    assert send_comment_mail() == (0, 1)
    notification = Notification.objects.get()
    assert notification.state == "failing"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    assert send_comment_mail() == (1, 0)
    assert len(reply_mails()) == 1 and Notification.objects.get().state == "sent"


def test_two_senders_never_send_one_reply_mail_twice(author, question, settings):
    from tests.comments.test_comment_mail import SecondSenderBackend

    settings.EMAIL_BACKEND = "tests.comments.test_comment_mail.SecondSenderBackend"
    replies.reply_as_author(question, author, "Yes.")
    assert send_comment_mail() == (1, 0)
    assert SecondSenderBackend.inner == (0, 0)
    assert len(reply_mails()) == 1


# What cancels a mail still in the outbox


@pytest.mark.parametrize(
    "meanwhile",
    [
        pytest.param(lambda question, reply, author: moderation.mark_spam([question], author), id="comment spam"),
        pytest.param(lambda question, reply, author: moderation.mark_spam([reply], author), id="reply spam"),
        pytest.param(lambda question, reply, author: reply_mail.unsubscribe(question), id="unsubscribed"),
        pytest.param(lambda question, reply, author: moderation.delete([question], author), id="comment deleted"),
        pytest.param(lambda question, reply, author: moderation.delete([reply], author), id="reply deleted"),
    ],
)
def test_a_reply_mail_still_waiting_is_not_sent_after(author, question, meanwhile):
    reply = replies.reply_as_author(question, author, "Yes.")
    meanwhile(question, reply, author)
    send_comment_mail()
    assert reply_mails() == []


def test_the_privacy_purge_ends_the_subscription_and_its_waiting_mail(author, question, settings):
    settings.PERSONAL_DATA_DAYS = 90
    Comment.objects.filter(pk=question.pk).update(
        created_at=timezone.now() - timedelta(days=91), ip_address=None, user_agent=""
    )
    young = make_comment(question.post, status="approved", notify_replies=True)
    replies.reply_as_author(question, author, "Late, sorry.")
    assert moderation.purge_personal_data() == 1  # found though its IP and user agent were already gone
    question.refresh_from_db()
    young.refresh_from_db()
    assert (question.notify_replies, young.notify_replies) == (False, True)
    send_comment_mail()
    assert reply_mails() == []
    assert Notification.objects.get().state == "not needed"


# The unsubscribe link


def test_opening_the_link_asks_and_changes_nothing(client, question):
    response = client.get(unsubscribe_path(question))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Stop the mail about replies?" in html and "Engines" in html
    assert re.search(r'<form method="post" class="unsubscribe-form">', html)
    assert ADDRESS not in html
    question.refresh_from_db()
    assert question.notify_replies


def test_the_button_stops_the_mail_and_a_second_click_is_harmless(client, question):
    html = client.post(unsubscribe_path(question)).content.decode()
    assert "Done: you will get no mail" in html
    question.refresh_from_db()
    assert not question.notify_replies
    again = client.post(unsubscribe_path(question))
    assert again.status_code == 200 and "You will get no mail" in again.content.decode()
    assert history(question) == ["unsubscribed"]


def test_one_click_unsubscribe_of_rfc_8058_works_without_cookie_or_csrf_token(question):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        unsubscribe_path(question),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200  # not a redirect: RFC 8058 mail providers do not follow one
    question.refresh_from_db()
    assert not question.notify_replies


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda question: "not-a-token", id="garbage"),
        pytest.param(lambda question: reply_mail.token_for(question)[:-2] + "xx", id="tampered"),
        pytest.param(lambda question: signing.dumps(question.pk), id="signed for something else"),
        pytest.param(lambda question: signing.dumps("x", salt=reply_mail.SALT), id="not an id"),
    ],
)
def test_a_bad_or_forged_link_is_a_400_that_says_so_and_changes_nothing(client, question, token):
    for method in (client.get, client.post):
        response = method(f"/comments/unsubscribe/{token(question)}/")
        assert response.status_code == 400
        assert "This unsubscribe link is not complete or was changed." in response.content.decode()
    question.refresh_from_db()
    assert question.notify_replies


def test_the_link_of_a_deleted_comment_says_there_is_nothing_left_to_stop(client, author, question):
    path = unsubscribe_path(question)
    moderation.delete([question], author)
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 200
        assert "no longer on the blog" in response.content.decode()


def test_the_unsubscribe_pages_set_no_cookie_and_are_never_kept_as_page_files(client, question, pages_dir):
    from escribe import pages
    from tests.support.page_files import kept_files

    pages.invalidate()
    for method in (client.get, client.post):
        response = method(unsubscribe_path(question))
        assert not response.cookies
        assert "no-store" in response["Cache-Control"]
    assert kept_files(pages_dir) == []


def test_an_unsubscribe_while_earlier_mails_go_out_stops_the_later_one(author, question, monkeypatch):
    # One batch: the first mail is slow, and the commenter unsubscribes meanwhile.
    other = make_comment(question.post, status="approved", author_email="ken@example.org", notify_replies=True)
    replies.reply_as_author(other, author, "First.")
    replies.reply_as_author(question, author, "Second.")
    connection = mail.get_connection()
    sending = connection.send_messages

    def slow(messages):
        Client().post(unsubscribe_path(question))
        return sending(messages)

    monkeypatch.setattr(connection, "send_messages", slow)
    monkeypatch.setattr("comments.outbox.get_connection", lambda: connection)
    send_comment_mail()
    assert [message.to for message in mail.outbox] == [["ken@example.org"]]
    assert reply_mails() == []
