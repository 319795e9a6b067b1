"""The author's comment mail: queued with the comment, sent from the outbox, retried, never in the request."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.utils import timezone

from comments import outbox
from comments.models import Comment, CommentEvent, Notification
from tests.support.akismet_clients import CONFIG, HamClient, SpamClient
from tests.support.comment_helpers import history, make_comment, post_comment, send_comment_mail
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(author):  # the author: a superuser with an address, the mail's recipient
    return make_post(title="Mail me", slug="mail-me")


class RefusingBackend:
    """A mail server that is down; counts the attempts."""

    attempts = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        RefusingBackend.attempts += 1
        raise ConnectionRefusedError("mail server down")

    def close(self):
        pass


class ExplodingBackend:
    """A mail server the commenter's request must never reach."""

    def __init__(self, *args, **kwargs):
        raise AssertionError("mail was sent inside the commenter's request")


@pytest.fixture
def refusing_mail(settings):
    RefusingBackend.attempts = 0
    settings.EMAIL_BACKEND = "tests.comments.test_comment_mail.RefusingBackend"
    return RefusingBackend


def due_in_the_past(notification, minutes=1):
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=minutes))


def test_the_commenters_request_never_touches_the_mail_server(client, post, settings, use_akismet):
    use_akismet(HamClient(config=CONFIG))
    settings.EMAIL_BACKEND = "tests.comments.test_comment_mail.ExplodingBackend"
    response = post_comment(client, post)
    assert response.status_code == 302
    notification = Notification.objects.get()
    assert notification.sent_at is None and notification.next_attempt_at <= timezone.now()
    assert Notification.objects.due().count() == 1


def test_mail_waits_while_akismet_is_asked_then_says_its_verdict(post):
    comment = make_comment(post, spam_check="unchecked")
    outbox.queue(comment)
    assert send_comment_mail() == (0, 0)  # held: the verdict is not in yet
    comment.spam_check = "ham"
    comment.save(update_fields=["spam_check"])
    outbox.release(comment)
    assert send_comment_mail() == (1, 0)
    assert "Spam check: Ham" in mail.outbox[0].body
    assert history(comment) == ["notified"]


def test_mail_about_a_comment_akismet_calls_spam_is_never_sent(client, post, use_akismet):
    use_akismet(SpamClient(config=CONFIG))
    post_comment(client, post)
    assert Notification.objects.due().count() == 0
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1))  # the hold runs out
    send_comment_mail()
    assert mail.outbox == []  # the comment is not in the queue: nothing to tell
    assert Notification.objects.get().state == "not needed"


def test_a_failed_mail_is_kept_retried_later_and_shown_in_the_admin(post, refusing_mail, settings, author_client):
    comment = make_comment(post, spam_check="ham")
    notification = outbox.queue(comment)
    due_in_the_past(notification)
    assert send_comment_mail() == (0, 1)
    notification.refresh_from_db()
    assert notification.attempts == 1 and "mail server down" in notification.last_error
    assert notification.next_attempt_at > timezone.now()  # a pause before the next attempt
    assert history(comment) == ["notify_failed"]
    # Visible where the author works, and in the outbox's own list.
    queue_page = author_client.get("/admin/comments/comment/").content.decode()
    assert "1 mail about new comments could not be sent" in queue_page
    outbox_page = author_client.get("/admin/comments/notification/?state=failing").content.decode()
    assert "mail server down" in outbox_page

    assert send_comment_mail() == (0, 0)  # still pausing
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    due_in_the_past(notification)
    assert send_comment_mail() == (1, 0)
    notification.refresh_from_db()
    assert notification.state == "sent" and notification.last_error == ""
    assert history(comment) == ["notify_failed", "notified"]
    assert "could not be sent" not in author_client.get("/admin/comments/comment/").content.decode()


def test_sending_stops_at_the_first_failure(post, refusing_mail):
    for body in ("one", "two", "three"):
        due_in_the_past(outbox.queue(make_comment(post, body=body, spam_check="ham")))
    assert send_comment_mail() == (0, 1)
    assert refusing_mail.attempts == 1  # a down server is not asked three times in a row


def test_the_outbox_gives_up_after_days_of_failures_and_says_so(post, refusing_mail):
    comment = make_comment(post, spam_check="ham")
    notification = outbox.queue(comment)
    for _ in range(outbox.GIVE_UP_AFTER):
        due_in_the_past(notification)
        send_comment_mail()
    notification.refresh_from_db()
    assert notification.gave_up and notification.state == "gave up"
    due_in_the_past(notification)
    assert send_comment_mail() == (0, 0)
    assert refusing_mail.attempts == outbox.GIVE_UP_AFTER
    assert history(comment) == ["notify_failed", "notify_failed"]  # the first failure and the last
    assert "Gave up after" in CommentEvent.objects.filter(kind="notify_failed").last().detail


def test_mail_is_not_needed_once_the_comment_is_moderated(post):
    comment = make_comment(post, status=Comment.Status.APPROVED, spam_check="ham")
    due_in_the_past(outbox.queue(comment))
    send_comment_mail()
    assert mail.outbox == []
    assert Notification.objects.get().state == "not needed"


class SecondSenderBackend(EmailBackend):
    """While this sender sends, another (a second worker, the timer) looks at the outbox."""

    def send_messages(self, messages):
        SecondSenderBackend.inner = outbox.send_due()
        return super().send_messages(messages)


def test_two_senders_never_send_one_mail_twice(post, settings):
    settings.EMAIL_BACKEND = "tests.comments.test_comment_mail.SecondSenderBackend"
    due_in_the_past(outbox.queue(make_comment(post, spam_check="ham")))
    assert send_comment_mail() == (1, 0)
    assert SecondSenderBackend.inner == (0, 0)  # the claim kept the other sender off it
    assert len(mail.outbox) == 1


def test_a_sender_that_died_releases_its_claim(post):
    notification = outbox.queue(make_comment(post, spam_check="ham"))
    # Claimed by a sender that then died: nobody sends it until the claim runs out.
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() + outbox.CLAIM)
    assert send_comment_mail() == (0, 0)
    due_in_the_past(notification)
    assert send_comment_mail() == (1, 0)


def test_send_comment_mail_command_reports_what_it_did(post, refusing_mail, settings):
    due_in_the_past(outbox.queue(make_comment(post, spam_check="ham")))
    out = StringIO()
    call_command("send_comment_mail", stdout=out)
    assert "stopped at a failure; 1 still to send" in out.getvalue()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    due_in_the_past(Notification.objects.get())
    out = StringIO()
    call_command("send_comment_mail", stdout=out)
    assert "Sent 1 mail; 0 still to send." in out.getvalue()


def test_resend_from_the_admin_makes_a_given_up_mail_due(post, author_client):
    notification = outbox.queue(make_comment(post, spam_check="ham"))
    Notification.objects.filter(pk=notification.pk).update(gave_up=True, last_error="refused")
    author_client.post("/admin/comments/notification/", {"action": "send_again", "_selected_action": [notification.pk]})
    assert send_comment_mail() == (1, 0)


def test_a_recheck_neither_cuts_a_retry_pause_short_nor_frees_a_claimed_mail(post, refusing_mail):
    comment = make_comment(post, spam_check="error")
    notification = outbox.queue(comment)
    due_in_the_past(notification)
    assert send_comment_mail() == (0, 1)
    paused_until = Notification.objects.get().next_attempt_at
    outbox.release(comment)  # what the recheck does when Akismet fails again
    assert Notification.objects.get().next_attempt_at == paused_until
    assert send_comment_mail() == (0, 0)
    assert refusing_mail.attempts == 1
