"""Comment policy in one place: receiving, spam checks, moderation, purging.

The submit view, the admin and the management commands all call this module.
Every step is recorded as a CommentEvent. Network calls (Akismet, mail) never
run inside a database transaction, and a comment is saved before any of them;
the author's mail goes out from an outbox (comments/outbox.py), never inside
a commenter's request.
"""

import enum
import logging
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from comments import outbox, spam
from comments.changes import spam_counted
from comments.models import Comment, CommentEvent
from escribe import database, jobs

logger = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(minutes=10)
RATE_WINDOW = timedelta(hours=1)
assert DUPLICATE_WINDOW <= RATE_WINDOW, "screen() finds duplicates among the rate window's comments"
RECHECK_MAX_AGE_DAYS = 15
RECHECK_BATCH = 100
# Longer than a batch takes (RECHECK_BATCH calls of at most AKISMET_TIMEOUT): past it the host is presumed dead.
RECHECK_LEASE = timedelta(minutes=15)
# Longer than any check can take (Akismet's timeout, well within gunicorn's):
# a comment unchecked after this was received by a process that died.
UNCHECKED_GRACE = timedelta(minutes=5)

_CHECK_EVENTS = {
    spam.Verdict.HAM: CommentEvent.Kind.CHECKED_HAM,
    spam.Verdict.SPAM: CommentEvent.Kind.CHECKED_SPAM,
    spam.Verdict.DISCARD: CommentEvent.Kind.CHECKED_DISCARD,
    spam.Verdict.ERROR: CommentEvent.Kind.CHECK_FAILED,
}


class Refusal(enum.Enum):
    """Why screen() turns a new comment away."""

    DUPLICATE = "duplicate"
    RATE_LIMITED = "rate limited"


def screen(post, ip_address, body):
    """Why a new comment should not be stored, or None (call inside receive()'s transaction).

    DUPLICATE: the same text from the same address on the same post, moments
    ago. RATE_LIMITED: this address already sent COMMENT_RATE comments in the
    past hour.
    """
    now = timezone.now()
    if not ip_address:  # nothing to limit by; a duplicate is still a duplicate
        duplicate = Comment.objects.filter(
            post=post, ip_address=None, body=body, created_at__gte=now - DUPLICATE_WINDOW
        ).exists()
        return Refusal.DUPLICATE if duplicate else None
    recent = _counted_against(ip_address, now).aggregate(
        sent=Count("pk"),
        same=Count("pk", filter=Q(post=post, body=body, created_at__gte=now - DUPLICATE_WINDOW)),
    )
    sent, same = recent["sent"], recent["same"]
    if same:
        return Refusal.DUPLICATE
    if sent >= settings.COMMENT_RATE:
        return Refusal.RATE_LIMITED
    return None


def _counted_against(ip_address, now):
    """The comments that count against this address's rate limit: those of the past RATE_WINDOW."""
    return Comment.objects.filter(ip_address=ip_address, created_at__gte=now - RATE_WINDOW)


def rate_limit_ends(ip_address):
    """When this address may comment again: the moment the oldest of its last COMMENT_RATE comments leaves the window.

    None when no time will do (a COMMENT_RATE of 0 turns every comment away).
    """
    if settings.COMMENT_RATE < 1:
        return None
    now = timezone.now()
    recent = _counted_against(ip_address, now).order_by("-created_at")
    counted = list(recent.values_list("created_at", flat=True)[: settings.COMMENT_RATE])
    if not ip_address or len(counted) < settings.COMMENT_RATE:
        return now
    return counted[-1] + RATE_WINDOW


def receive(comment, permalink, honeypot=False):
    """Store a new comment unless screen() refuses it, then ask Akismet; returns the Refusal or None.

    The limits are checked and the row inserted as one step, so simultaneous
    posts from one address cannot all slip under them. The row (and the
    author's mail, held until the check settles) is committed before anything
    can fail, so nothing a commenter sent is lost to a dependency.
    """
    comment.akismet_arguments = spam.arguments(comment, permalink)
    with transaction.atomic():
        # One sender's comments take turns between screen() and save().
        database.serialize(f"comment-sender:{comment.ip_address or ''}")
        refusal = screen(comment.post, comment.ip_address, comment.body)
        if refusal:
            return refusal
        if honeypot:
            comment.status = Comment.Status.SPAM
        comment.save()
        CommentEvent.objects.record(
            comment, CommentEvent.Kind.RECEIVED, detail=f"From {comment.ip_address or 'an unknown address'}."
        )
        if honeypot:
            detail = "Honeypot field filled in: kept as spam, Akismet not asked."
            CommentEvent.objects.record(comment, CommentEvent.Kind.CHECKED_SPAM, detail=detail)
            spam_counted(1)
            return None
        outbox.queue(comment)
    outcome = spam.check(comment.akismet_arguments)
    try:
        apply_check(comment, outcome)
    except DatabaseError:
        # The comment is stored; its verdict is not. recheck() asks again
        # after UNCHECKED_GRACE and the held mail goes out regardless.
        logger.exception("Could not store Akismet's verdict on comment %s", comment.pk)
    return None


def apply_check(comment, outcome, recheck=False):
    """Store Akismet's verdict on a pending comment; a comment left in the queue gets its mail sent."""
    now = timezone.now()
    with transaction.atomic():
        # Compare and set: only a comment still as it was read takes the verdict, so when two hosts
        # (or a moderator) settle it meanwhile, one verdict lands and the spam counter moves once.
        # The UPDATE holds the row until commit; save() below then fires the signals as before.
        still = Comment.objects.filter(pk=comment.pk, spam_check=comment.spam_check, status=comment.status)
        if not still.update(spam_check=outcome.verdict.value):
            return
        comment.spam_check = outcome.verdict.value
        comment.spam_checked_at = now if outcome.verdict != spam.Verdict.UNCHECKED else None
        comment.spam_check_error = outcome.error
        fields = ["spam_check", "spam_checked_at", "spam_check_error"]
        killed = outcome.verdict in (spam.Verdict.SPAM, spam.Verdict.DISCARD)
        if killed:
            comment.status = Comment.Status.SPAM
            fields.append("status")
        comment.save(update_fields=fields)
        if killed:
            spam_counted(1)
        else:
            outbox.release(comment)
        if outcome.verdict == spam.Verdict.UNCHECKED:
            return
        if recheck:
            CommentEvent.objects.record(comment, CommentEvent.Kind.RECHECKED, detail=_check_detail(outcome))
        else:
            CommentEvent.objects.record(comment, _CHECK_EVENTS[outcome.verdict], detail=outcome.error)


def _check_detail(outcome):
    if outcome.verdict == spam.Verdict.ERROR:
        return f"Still failing: {outcome.error}"
    return f"Akismet says {outcome.verdict.value}."


def recheck(limit=RECHECK_BATCH, log=lambda message: None):
    """Retry failed checks like the WordPress plugin (stop at the first failure), and finish interrupted ones.

    A comment still unchecked UNCHECKED_GRACE after it arrived lost its check
    with the process that received it; it is asked about now, and its held
    mail goes out with the verdict. Returns (checked, stopped_by) where
    stopped_by is the failing Outcome or None.
    """
    if not spam.configured():
        return 0, None
    # One host at a time: each would ask Akismet about the same due comments.
    with jobs.claimed("recheck_comments", RECHECK_LEASE) as mine:
        if not mine:
            log("Another host is rechecking; nothing to do here.")
            return 0, None
        return _recheck(limit, log)


def _recheck(limit, log):
    checked = 0
    due = Comment.objects.recheck_due(RECHECK_MAX_AGE_DAYS, unchecked_before=timezone.now() - UNCHECKED_GRACE)
    for comment in due.select_related("post")[:limit]:
        outcome = spam.check(comment.akismet_arguments, recheck_reason="retry")
        apply_check(comment, outcome, recheck=True)
        if outcome.verdict == spam.Verdict.ERROR:
            log(f"Comment {comment.pk}: {outcome.error}")
            return checked, outcome
        checked += 1
        log(f"Comment {comment.pk}: {outcome.verdict.value}")
    return checked, None


def approve(comments, actor):
    """Publish comments. Returns how many changed."""
    changed = _set_status(comments, Comment.Status.APPROVED, actor, CommentEvent.Kind.APPROVED)
    return len(changed)


class Marked(NamedTuple):
    """What mark_spam()/mark_ham() did: how many changed, and how many of those Akismet was told about."""

    changed: int
    reported: int


def mark_spam(comments, actor):
    """Move comments to spam (counter +1 each) and report each to Akismet when a key is set."""
    changed = _set_status(comments, Comment.Status.SPAM, actor, CommentEvent.Kind.REPORTED_SPAM)
    spam_counted(len(changed))
    return Marked(len(changed), _report(changed, spam.submit_spam, actor))


def mark_ham(comments, actor):
    """Not spam: approve, and report each to Akismet as ham when a key is set."""
    changed = _set_status(comments, Comment.Status.APPROVED, actor, CommentEvent.Kind.REPORTED_HAM)
    # A false positive was never killed spam.
    spam_counted(-sum(1 for comment in changed if comment.status_before == Comment.Status.SPAM))
    return Marked(len(changed), _report(changed, spam.submit_ham, actor))


def reported_to_akismet(marked):
    """The admin's words for what Akismet was told, true to what was sent."""
    if not marked.changed:
        return ""
    if not spam.configured():
        return "Not reported to Akismet: no API key is set."
    if marked.reported == marked.changed:
        return "Reported to Akismet."
    return f"Reported {marked.reported} of {marked.changed} to Akismet; the comments' history says why the rest failed."


def delete(comments, actor):
    """Delete comments for good, keeping a "deleted" event in their history."""
    comments = list(comments)
    with transaction.atomic():
        for comment in comments:
            CommentEvent.objects.record(
                comment, CommentEvent.Kind.DELETED, actor, detail=f"{comment.author_name}: {comment.body[:200]}"
            )
        Comment.objects.filter(pk__in=[c.pk for c in comments]).delete()
    return len(comments)


def _set_status(comments, status, actor, kind):
    """Change status where it differs; one transaction, one event per comment.

    Each changed comment carries `status_before`, its status as stored when it changed.
    """
    now = timezone.now()
    changed = []
    comments = list(comments)
    with transaction.atomic():
        # Read again under a lock: two moderators, two tabs of the mail's links or a double submit
        # acting at once change a comment (and the spam counter, and Akismet) once.
        stored = dict(
            Comment.objects.select_for_update().filter(pk__in=[c.pk for c in comments]).values_list("pk", "status")
        )
        for comment in comments:
            if stored.get(comment.pk, status) == status:
                continue
            comment.status_before = stored[comment.pk]
            comment.status = status
            comment.moderated_at = now
            comment.moderated_by = actor
            comment.save(update_fields=["status", "moderated_at", "moderated_by"])
            label = Comment.Status(comment.status_before).label.lower()
            CommentEvent.objects.record(comment, kind, actor, detail=f"Was {label}.")
            changed.append(comment)
    return changed


def _report(comments, submit, actor):
    """Report to Akismet after the moderator's change is committed; what happened is recorded either way."""
    if not comments or not spam.configured():
        # Nothing was sent, and the history must not say otherwise.
        return 0
    reported = 0
    for comment in comments:
        outcome = submit(comment.akismet_arguments)
        if outcome.verdict == spam.Verdict.ERROR:
            CommentEvent.objects.record(comment, CommentEvent.Kind.REPORT_FAILED, actor, detail=outcome.error)
        else:
            CommentEvent.objects.record(
                comment, CommentEvent.Kind.REPORTED, actor, detail=f"As {outcome.verdict.value}."
            )
            reported += 1
    return reported


def purge_spam(days=None, dry_run=False):
    """Delete spam older than the retention period; the counter stays. Returns the count."""
    days = settings.SPAM_RETENTION_DAYS if days is None else days
    old = Comment.objects.spam().filter(created_at__lt=timezone.now() - timedelta(days=days))
    count = old.count()
    if not dry_run and count:
        with transaction.atomic():
            CommentEvent.objects.filter(comment__in=old).delete()
            old.delete()
    return count


# What replaces the address in a comment's "received" event once it is forgotten.
ADDRESS_FORGOTTEN = "From an address no longer kept."


def purge_personal_data(days=None, dry_run=False):
    """Blank the IP address and user agent of comments older than the retention period. Returns the count.

    Everywhere they were kept: the comment's own fields, the Akismet call
    stored for spam/ham reports (later reports go without them) and the
    "received" event's note of the address. The commenter's "Mail me when
    the author replies" ends with them: a reply mail still waiting in the
    outbox is not sent (the sender asks again).
    """
    days = settings.PERSONAL_DATA_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    kept = Q(ip_address__isnull=False) | ~Q(user_agent="") | Q(notify_replies=True)
    old = Comment.objects.filter(created_at__lt=cutoff).filter(kept)
    if dry_run:
        return old.count()
    with transaction.atomic():
        comments = list(old.only("id", "akismet_arguments").select_for_update())
        for comment in comments:
            comment.ip_address = None
            comment.user_agent = ""
            comment.notify_replies = False
            if comment.akismet_arguments:
                comment.akismet_arguments = {**comment.akismet_arguments, "user_ip": "", "user_agent": ""}
        fields = ["ip_address", "user_agent", "notify_replies", "akismet_arguments"]
        Comment.objects.bulk_update(comments, fields, batch_size=500)
        CommentEvent.objects.filter(comment__in=comments, kind=CommentEvent.Kind.RECEIVED).update(
            detail=ADDRESS_FORGOTTEN
        )
        # The history of deleted comments outlives them (comment set to NULL) and still names their address.
        CommentEvent.objects.filter(comment=None, kind=CommentEvent.Kind.RECEIVED, created_at__lt=cutoff).exclude(
            detail=ADDRESS_FORGOTTEN
        ).update(detail=ADDRESS_FORGOTTEN)
    return len(comments)


def waiting_count():
    return Comment.objects.pending().count()
