"""Comment mail, sent from an outbox, never inside a commenter's request.

Two kinds: the author's mail about a new comment, and the author's reply
mailed to a commenter who asked for it (comments/reply_mail.py says what it
holds and whether it is still wanted).

moderation.receive() queues a Notification in the transaction that stores the
comment; once the comment's spam check is settled the mail is due. An
author's reply to a subscribed comment queues its mail due at once. A sender
thread in each gunicorn worker (started by deploy/gunicorn.conf.py) sends due
mail as soon as it is woken; the recheck timer's `send_comment_mail` retries
whatever failed, with growing pauses. A stalled or dead mail server costs the
sender's thread its timeout, never a commenter's wait or a comment.

Delivery is at least once: a sender claims a mail before sending it, so two
never send it together, but a database failure between the SMTP server's
"queued" and the row's `sent_at` sends it again after the claim runs out.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from blog import site
from comments import reply_mail, spam
from comments.models import Comment, CommentEvent, Notification

logger = logging.getLogger(__name__)

# Mail about a comment whose check never finished (its worker died) goes out
# after this, saying the check is pending; recheck_comments classifies it later.
HOLD_WHILE_CHECKING = timedelta(minutes=5)
# A sender that claimed a message and died releases it after this.
CLAIM = timedelta(minutes=5)
RETRY_PAUSES = [timedelta(minutes=m) for m in (1, 5, 20, 60, 180, 360)]
GIVE_UP_AFTER = 20  # attempts: with the pauses above, about four days
BATCH = 50


def queue(comment):
    """Queue the author's mail about a new comment, held until its check is settled (inside its transaction)."""
    return Notification.objects.create(comment=comment, next_attempt_at=timezone.now() + HOLD_WHILE_CHECKING)


def queue_reply(reply, answered):
    """Queue the author's reply for the commenter of `answered`, due at once (inside the reply's transaction)."""
    transaction.on_commit(wake, robust=True)
    return Notification.objects.create(comment=reply, answered=answered, next_attempt_at=timezone.now())


def release(comment):
    """The comment's check is settled: its mail, if still held, is due now; wake the sender after the commit.

    Only a mail never tried: one a sender holds, or one pausing after a
    failure, keeps its time (a recheck must not send it twice or cut the pause).
    """
    Notification.objects.filter(comment=comment, sent_at=None, attempts=0).update(next_attempt_at=timezone.now())
    transaction.on_commit(wake, robust=True)


def recipients():
    """The addresses the site settings name, else every active superuser with an address."""
    chosen = site.current().notify_addresses
    if chosen:
        return chosen
    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    return list(superusers.values_list("email", flat=True).order_by("email"))


def message_for(comment, to):
    post = comment.post

    def admin_url(name, *args):
        return settings.SITE_URL + reverse(f"admin:comments_comment_{name}", args=[comment.pk, *args])

    check = comment.get_spam_check_display()
    if comment.spam_check == Comment.SpamCheck.UNCHECKED and spam.configured():
        check += " yet (Akismet will be asked again)"
    # Each action's page asks for the author's login, then a confirming button: nothing acts on a GET
    # (mail clients and link scanners open links by themselves). comments/admin_confirm.py.
    body = (
        f'{comment.author_name} commented on "{post.title}":\n\n{comment.body}\n\n'
        f"Spam check: {check}\n\n"
        f"Approve: {admin_url('confirm', 'approve')}\n"
        f"Mark as spam: {admin_url('confirm', 'spam')}\n"
        f"Reply (and approve): {admin_url('reply')}\n"
        f"Moderate it: {admin_url('change')}\n"
    )
    return EmailMessage(f'New comment on "{post.title}"', body, None, to)


def _claim(notification):
    """Take a due message for this sender alone (several workers and the timer may look at once).

    The attempt counts from here, so release() leaves a claimed mail alone.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification.pk, sent_at=None, attempts=notification.attempts, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM, attempts=notification.attempts + 1)
    notification.attempts += claimed
    return bool(claimed)


def send_due(limit=BATCH, log=lambda message: None):
    """Send due mail, stopping at the first failure (the server is likely down). Returns (sent, failed)."""
    sent = failed = 0
    connection = None
    everyone = None  # recipients(), asked once a batch
    try:
        for notification in Notification.objects.due().select_related("comment__post", "answered")[:limit]:
            if not _claim(notification):
                continue
            comment = notification.comment
            # The batch was read before earlier mails took their time: a moderator, an unsubscribe or
            # the purge may have come since, and the mail goes only if it is still wanted now.
            comment.refresh_from_db(fields=["status"])
            if notification.answered_id is not None:
                notification.answered.refresh_from_db(fields=["status", "notify_replies", "author_email"])
                # Asked again now: an unsubscribe, a purge or a moderator since the reply cancels it.
                message = reply_mail.message_for(notification) if reply_mail.wanted(notification) else None
                kept, event = reply_mail.sent_to(notification), CommentEvent.Kind.REPLY_MAILED
            else:
                if comment.status == Comment.Status.PENDING and everyone is None:
                    everyone = recipients()
                to = everyone if comment.status == Comment.Status.PENDING else []
                message = message_for(comment, to) if to else None
                kept, event = ", ".join(to), CommentEvent.Kind.NOTIFIED
            if message is None:
                # Moderated before the mail went out, or nobody to tell: nothing to send.
                Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now())
                continue
            if connection is None:
                connection = get_connection()
            try:
                connection.send_messages([message])
            except Exception as error:  # noqa: BLE001 - mail trouble must not lose the comment or its mail
                failed += 1
                _failed(notification, comment, f"{type(error).__name__}: {error}")
                log(f"Comment {comment.pk}: {type(error).__name__}: {error}")
                break
            Notification.objects.filter(pk=notification.pk).update(
                sent_at=timezone.now(), recipients=kept, last_error=""
            )
            CommentEvent.objects.record(comment, event, detail=kept)
            sent += 1
            log(f"Comment {comment.pk}: mailed {kept}")
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a dead server may fail the goodbye too
                logger.warning("Could not close the mail connection", exc_info=True)
    return sent, failed


def _failed(notification, comment, error):
    logger.warning("Could not send the mail about comment %s: %s", comment.pk, error)
    attempts = notification.attempts  # this one included (counted by the claim)
    pause = RETRY_PAUSES[min(attempts, len(RETRY_PAUSES)) - 1]
    gave_up = attempts >= GIVE_UP_AFTER
    Notification.objects.filter(pk=notification.pk).update(
        attempts=attempts, last_error=error, next_attempt_at=timezone.now() + pause, gave_up=gave_up
    )
    # The history says it once, and again when the outbox stops trying; the outbox keeps every attempt.
    if attempts == 1 or gave_up:
        detail = error if not gave_up else f"Gave up after {attempts} attempts: {error}"
        CommentEvent.objects.record(comment, CommentEvent.Kind.NOTIFY_FAILED, detail=detail)


# The sender thread: one per process that starts it, woken after a commit queues mail.
_wakeup = threading.Event()
_sender = None
_sender_lock = threading.Lock()


def start_sender():
    """Send mail from a background thread of this process from now on (gunicorn workers). Returns True if started."""
    global _sender
    with _sender_lock:
        if _sender is not None and _sender.is_alive():
            return False
        _sender = threading.Thread(target=_send_forever, name="escribe-comment-mail", daemon=True)
        _sender.start()
    # Mail left due by a process that stopped goes out now.
    _wakeup.set()
    return True


def wake():
    """New mail is due: the sender thread sends it; without one (commands, tests) the timer will."""
    _wakeup.set()


def _send_forever():
    while True:
        # Also wake now and then for mail whose hold or retry pause ran out.
        _wakeup.wait(timeout=60)
        _wakeup.clear()
        try:
            send_due()
        except Exception:  # noqa: BLE001 - a database hiccup must not end the thread
            logger.exception("The comment mail sender failed; trying again later")
        finally:
            # This thread's own connections: nothing held open between rounds.
            connections.close_all()
