"""Faults around a comment: interrupted checks, a database that cannot write, races, a missing key."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from comments import moderation, outbox
from comments.management.commands.recheck_comments import BACKOFF_JOB
from comments.models import Comment, CommentEvent, Notification
from escribe import jobs
from tests.support.akismet_clients import CONFIG, HamClient, failing_client
from tests.support.commands import run
from tests.support.comment_helpers import history, make_comment, post_comment, send_comment_mail
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(author):
    return make_post(title="Faults", slug="faults")


def interrupted(post, minutes_ago):
    """A comment stored, its mail held, and then its worker died while Akismet was asked."""
    comment = make_comment(post, spam_check="unchecked", created_at=timezone.now() - timedelta(minutes=minutes_ago))
    notification = outbox.queue(comment)
    Notification.objects.filter(pk=notification.pk).update(created_at=comment.created_at)
    return comment


def test_a_comment_whose_check_was_interrupted_is_rechecked_and_the_author_told(post, use_akismet):
    comment = interrupted(post, minutes_ago=10)
    akismet_client = use_akismet(HamClient(config=CONFIG))
    assert "Rechecked 1 comment." in run("recheck_comments")
    comment.refresh_from_db()
    assert comment.spam_check == "ham"
    assert akismet_client.calls[0][1]["recheck_reason"] == "retry"
    assert send_comment_mail() == (1, 0)
    assert "Spam check: Ham" in mail.outbox[0].body
    assert history(comment) == ["rechecked", "notified"]


def test_a_comment_still_being_checked_is_left_alone(post, use_akismet):
    interrupted(post, minutes_ago=1)
    akismet_client = use_akismet(HamClient(config=CONFIG))
    assert "Rechecked 0 comments." in run("recheck_comments")
    assert akismet_client.calls == []


def test_the_held_mail_of_an_interrupted_check_goes_out_anyway(post, use_akismet):
    use_akismet(HamClient(config=CONFIG))
    comment = interrupted(post, minutes_ago=10)
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))  # the hold ran out
    assert send_comment_mail() == (1, 0)
    assert "Spam check: Not checked yet (Akismet will be asked again)" in mail.outbox[0].body
    assert history(comment) == ["notified"]


def test_without_a_key_recheck_asks_nobody(post, settings):
    settings.AKISMET_API_KEY = ""
    interrupted(post, minutes_ago=10)
    make_comment(post, spam_check="error")
    assert "Rechecked 0 comments." in run("recheck_comments")
    assert not CommentEvent.objects.exists()


def test_a_successful_forced_recheck_clears_the_invalid_key_back_off(post, use_akismet):
    make_comment(post, spam_check="error", body="first")
    use_akismet(failing_client("invalid key"))
    assert "backing off" in run("recheck_comments")
    use_akismet(HamClient(config=CONFIG))  # the author fixed the key
    assert "Rechecked 1 comment." in run("recheck_comments", "--force")
    assert not jobs.held(BACKOFF_JOB)
    make_comment(post, spam_check="error", body="second")
    # The timer's next plain run works again instead of waiting out the hour.
    assert "Rechecked 1 comment." in run("recheck_comments")


def action(client, name, comments):
    return client.post(
        "/admin/comments/comment/?status=all",
        {"action": name, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )


def test_without_a_key_the_admin_never_claims_a_report(author_client, post, settings):
    settings.AKISMET_API_KEY = ""
    comment = make_comment(post)
    page = action(author_client, "mark_spam", [comment]).content.decode()
    assert "Marked 1 comment as spam. Not reported to Akismet: no API key is set." in page
    assert history(comment) == ["reported_spam"]
    assert CommentEvent.objects.get().get_kind_display() == "Marked spam"
    button = author_client.post(f"/admin/comments/comment/{comment.pk}/moderate/ham/", follow=True)
    assert "Approved as not spam. Not reported to Akismet: no API key is set." in button.content.decode()
    assert history(comment) == ["reported_spam", "reported_ham"]


def test_with_a_key_the_admin_says_the_report_went_out(author_client, post, use_akismet):
    use_akismet(HamClient(config=CONFIG))
    comment = make_comment(post)
    page = action(author_client, "mark_spam", [comment]).content.decode()
    assert "Marked 1 comment as spam. Reported to Akismet." in page
    assert history(comment) == ["reported_spam", "reported"]


def test_a_failed_report_is_not_called_reported(author_client, post, use_akismet):
    use_akismet(failing_client("connect error"))
    comment = make_comment(post)
    page = action(author_client, "mark_spam", [comment]).content.decode()
    assert "Reported 0 of 1 to Akismet" in page
    assert history(comment) == ["reported_spam", "report_failed"]


def test_a_database_that_cannot_write_answers_503_and_keeps_the_text(client, post, monkeypatch):
    def full(*args, **kwargs):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(Comment, "save", full)
    response = post_comment(client, post, body="Words I would hate to type twice.")
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    page = response.content.decode()
    assert "nothing was kept" in page
    assert "Words I would hate to type twice." in page  # in the form, ready to send again
    assert not Comment.objects.exists() and not CommentEvent.objects.exists()
    assert not Notification.objects.exists()
    assert client.get(post.get_absolute_url()).status_code == 200  # reading goes on


def test_a_verdict_that_cannot_be_stored_leaves_the_comment_for_the_recheck(client, post, monkeypatch, use_akismet):
    use_akismet(HamClient(config=CONFIG))

    def failing(*args, **kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(moderation, "apply_check", failing)
    response = post_comment(client, post)
    assert response.status_code == 302  # stored: the commenter is told so
    comment = Comment.objects.get()
    assert comment.spam_check == "unchecked"
    assert history(comment) == ["received"]
    assert Notification.objects.get().next_attempt_at > timezone.now()  # held for the recheck


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_text", [True, False], ids=["duplicate", "over the rate"])
def test_two_posts_from_one_address_at_once_cannot_both_slip_under_the_limits(settings, same_text):
    from tests.support.concurrency import at_once, needs_two_waiting_writers

    needs_two_waiting_writers()
    settings.COMMENT_RATE = 1
    post = make_post()

    def receive(body):
        comment = Comment(
            post=post, author_name="A", author_email="a@example.com", body=body, ip_address="198.51.100.9"
        )
        return lambda: moderation.receive(comment, "http://testserver/")

    at_once(receive("Same words"), receive("Same words" if same_text else "Other words"))
    assert Comment.objects.count() == 1
