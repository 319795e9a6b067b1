"""The comments' background work with several hosts: one recheck at a time, each verdict counted once,
each mail sent once, the daily purges once a day from the timers and always by hand."""

import threading
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone

from comments import moderation, outbox, spam
from comments.management.commands.recheck_comments import BACKOFF_JOB
from comments.models import Comment, CommentEvent, Notification, SpamReport
from escribe import jobs
from tests.support.akismet_clients import CONFIG, SpamClient
from tests.support.commands import run, run_or_refusal
from tests.support.comment_helpers import history, make_comment
from tests.support.factories import make_author, make_post

pytestmark = pytest.mark.django_db

OLD = timedelta(days=400)


def in_threads(target, count=2):
    """Run target() in `count` threads at once, each with its own database connection (another host's)."""
    start = threading.Barrier(count)
    errors = []

    def host():
        try:
            start.wait(5)
            target()
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=host) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []


class SlowSpamClient(SpamClient):
    """Akismet taking its time, so two hosts' rechecks overlap."""

    def comment_check(self, user_ip, **kwargs):
        time.sleep(0.2)
        return super().comment_check(user_ip, **kwargs)


class SlowBackend(EmailBackend):
    """A mail server taking its time, so two senders' batches overlap."""

    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


def due_for_recheck(post, count):
    return [
        make_comment(post, spam_check="error", created_at=timezone.now() - timedelta(hours=h), body=f"Comment {h}")
        for h in range(1, count + 1)
    ]


def test_a_verdict_on_a_comment_settled_meanwhile_is_dropped_and_not_counted():
    post = make_post()
    comment = make_comment(post, spam_check="error")
    seen_by_host_1 = Comment.objects.get(pk=comment.pk)
    seen_by_host_2 = Comment.objects.get(pk=comment.pk)
    killed = SpamReport.current().killed
    outcome = spam.Outcome(spam.Verdict.SPAM)
    moderation.apply_check(seen_by_host_1, outcome, recheck=True)
    moderation.apply_check(seen_by_host_2, outcome, recheck=True)
    assert SpamReport.current().killed == killed + 1
    assert history(comment) == ["rechecked"]


def test_a_recheck_while_another_host_holds_the_job_asks_akismet_nothing(use_akismet):
    due_for_recheck(make_post(), 1)
    akismet_client = use_akismet(SpamClient(config=CONFIG))
    assert jobs.claim("recheck_comments", moderation.RECHECK_LEASE)
    assert "Another host is rechecking" in run("recheck_comments")
    assert akismet_client.calls == []
    # That host died: its lease lapses and the next run rechecks.
    apps.get_model("escribe", "JobClaim").objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert "Rechecked 1 comment." in run("recheck_comments")
    assert len(akismet_client.calls) == 1


def test_an_invalid_key_back_off_set_by_another_host_stops_the_recheck_here(use_akismet):
    due_for_recheck(make_post(), 1)
    akismet_client = use_akismet(SpamClient(config=CONFIG))
    # Host 2's recheck met the invalid key half an hour ago: its row is all this host sees of it.
    backoffs = apps.get_model("escribe", "JobClaim").objects
    backoffs.create(name=BACKOFF_JOB, claimed_until=timezone.now() + timedelta(minutes=30), holder="host-2:1")
    assert "not retrying yet" in run("recheck_comments")
    assert akismet_client.calls == []
    # The hour runs out: the next run asks again.
    backoffs.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert "Rechecked 1 comment." in run("recheck_comments")
    assert len(akismet_client.calls) == 1


def test_force_asks_akismet_despite_another_hosts_back_off(use_akismet):
    due_for_recheck(make_post(), 1)
    akismet_client = use_akismet(SpamClient(config=CONFIG))
    apps.get_model("escribe", "JobClaim").objects.create(
        name=BACKOFF_JOB, claimed_until=timezone.now() + timedelta(minutes=30), holder="host-2:1"
    )
    assert "Rechecked 1 comment." in run("recheck_comments", "--force")
    assert len(akismet_client.calls) == 1
    assert not jobs.held(BACKOFF_JOB)


@pytest.mark.django_db(transaction=True)
def test_two_hosts_rechecking_at_once_ask_akismet_once_per_comment_and_count_once(use_akismet):
    from tests.support.concurrency import needs_two_waiting_writers

    needs_two_waiting_writers()
    comments = due_for_recheck(make_post(), 3)
    killed = SpamReport.current().killed
    akismet_client = use_akismet(SlowSpamClient(config=CONFIG))
    in_threads(moderation.recheck)
    assert len(akismet_client.calls) == 3
    assert SpamReport.current().killed == killed + 3
    assert [history(comment) for comment in comments] == [["rechecked"]] * 3


@pytest.mark.django_db(transaction=True)
def test_two_senders_on_two_hosts_send_each_mail_once(settings):
    from tests.support.concurrency import needs_two_waiting_writers

    needs_two_waiting_writers()
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    make_author()  # the recipient
    post = make_post()
    comments = [make_comment(post, body=f"Comment {n}") for n in range(12)]
    Notification.objects.bulk_create(Notification(comment=c, next_attempt_at=timezone.now()) for c in comments)
    in_threads(outbox.send_due, count=3)
    bodies = sorted(message.body.split("\n\n")[1] for message in mail.outbox)
    assert bodies == sorted(c.body for c in comments)
    assert CommentEvent.objects.filter(kind=CommentEvent.Kind.NOTIFIED).count() == 12


def old_spam(post):
    return make_comment(post, status="spam", created_at=timezone.now() - OLD)


def test_the_timers_purge_once_a_day_across_hosts_and_a_person_always_can():
    post = make_post()
    old_spam(post)
    assert "Deleted 1 spam comment" in run("run_job", "--every", "20", "purge_spam")
    old_spam(post)
    # Another host's timer fires the same day: the day's purge is done.
    assert "another host runs it or ran it recently" in run("run_job", "--every", "20", "purge_spam")
    assert Comment.objects.count() == 1
    # Run by hand, the command purges as it always did.
    assert "Deleted 1 spam comment" in run("purge_spam")
    assert Comment.objects.count() == 0


def test_a_purge_that_failed_is_left_for_the_next_timer():
    out, refusal = run_or_refusal("run_job", "--every", "20", "purge_spam", "--days", "-1")
    assert "--days must be 0 or more" in refusal
    out, refusal = run_or_refusal("run_job", "--every", "20", "purge_spam", "--days", "-1")
    assert "--days must be 0 or more" in refusal, out


def test_run_job_refuses_a_negative_period():
    assert "--every must be 0 or more" in run_or_refusal("run_job", "--every", "-1", "purge_spam")[1]


@pytest.mark.parametrize(
    ("unit", "command"),
    [
        ("escribe-purge-spam.service", "purge_spam"),
        ("escribe-purge-spam.service", "purge_personal_data"),
        ("escribe-purge-spam.service", "axes_reset_logs --age 30"),
        ("escribe-backup.service", "backup --keep 14"),
    ],
)
def test_the_daily_timers_run_their_commands_once_a_day_across_hosts(settings, unit, command):
    text = (settings.BASE_DIR / "deploy" / "systemd" / unit).read_text()
    assert f"manage.py run_job --every 20 {command}\n" in text
