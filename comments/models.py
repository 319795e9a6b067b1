"""Readers' comments, their history, and the spam counter."""

import re
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from blog.rendering import render_comment

_WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)


class CommentQuerySet(models.QuerySet):
    def pending(self):
        """The moderation queue: neither approved nor spam."""
        return self.filter(status=Comment.Status.PENDING)

    def approved(self):
        """Approved by the moderator; shown under a post whoever may see the post."""
        return self.filter(status=Comment.Status.APPROVED)

    def public(self):
        """What any reader may see now: approved comments on public posts (not on drafts or scheduled posts)."""
        return self.approved().filter(post__in=Post.objects.published())

    def for_page(self):
        """Approved comments with only what a page shows (no email, no stored Akismet call)."""
        shown = ["id", "post_id", "author_name", "author_url", "body_html", "created_at"]
        return self.approved().only(*shown, "parent_id", "parent_ref", "by_author")

    def spam(self):
        return self.filter(status=Comment.Status.SPAM)

    def recheck_due(self, max_age_days=15, unchecked_before=None):
        """Pending comments to ask Akismet about again, young enough to retry, oldest first.

        Those whose check failed, and, when `unchecked_before` is given, those
        never checked that arrived before it: the process receiving them died
        while waiting for Akismet.
        """
        due = Q(spam_check=Comment.SpamCheck.ERROR)
        if unchecked_before is not None:
            due |= Q(spam_check=Comment.SpamCheck.UNCHECKED, created_at__lt=unchecked_before)
        return (
            self.pending()
            .filter(due, created_at__gte=timezone.now() - timedelta(days=max_age_days))
            # An imported comment has no call to replay: it was judged where it came from, and never goes to Akismet.
            .exclude(akismet_arguments={})
            .order_by("created_at", "id")
        )


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"

    class SpamCheck(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked"
        HAM = "ham", "Ham"
        SPAM = "spam", "Spam"
        DISCARD = "discard", "Blatant spam"
        ERROR = "error", "Check failed"

    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="comments")
    author_name = models.CharField(max_length=100)
    author_email = models.EmailField(max_length=254, help_text="Never shown to readers.")
    author_url = models.URLField(max_length=200, blank=True)
    body = models.TextField(help_text="As the commenter typed it (a little Markdown: code, emphasis, links).")
    # Rendered once, on save (blog.rendering.render_comment); pages and feeds serve it.
    body_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    spam_check = models.CharField(max_length=10, choices=SpamCheck.choices, default=SpamCheck.UNCHECKED)
    spam_checked_at = models.DateTimeField(null=True, blank=True)
    spam_check_error = models.TextField(blank=True)
    # The exact arguments sent to Akismet, replayed by spam/ham reports.
    akismet_arguments = models.JSONField(default=dict, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # One level of replies: always a top-level comment (a reply to a reply answers its parent).
    # SET_NULL: a reply outlives the comment it answers; parent_ref keeps that it was one.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies", editable=False
    )
    parent_ref = models.PositiveBigIntegerField(
        null=True, blank=True, editable=False, help_text="The id of the comment answered, kept after it is deleted."
    )
    # Set only by moderation.reply (a staff user in the admin); no form a reader sees has it.
    by_author = models.BooleanField("by the author", default=False, editable=False)
    # The commenter's "Mail me when the author replies" (comments/reply_mail.py): the address serves
    # nothing else, the mail's link or the privacy purge turns it off.
    notify_replies = models.BooleanField(
        "mail the author's replies", default=False, editable=False, help_text="Ticked by the commenter."
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["post", "status", "created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["ip_address", "created_at"]),
        ]

    def __str__(self):
        # Plain text (the terminal, the admin's titles, a delete page's list): no
        # isolation characters, which only HTML's <bdi> shows as meant. "on",
        # a left-to-right word, keeps a right-to-left name from taking the
        # number after it.
        return f"{self.author_name} on {self.post_id}: {self.body[:40]}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            self.body_html = render_comment(self.body)
        elif "body" in update_fields:
            self.body_html = render_comment(self.body)
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.post.get_absolute_url()}#comment-{self.pk}"

    @property
    def website(self):
        """The commenter's website as a link target: an http(s) address, or "" (never a javascript: link)."""
        return self.author_url if self.author_url and _WEB_ADDRESS.match(self.author_url) else ""


class CommentEventManager(models.Manager):
    def record(self, comment, kind, actor=None, detail=""):
        """Add a step to the comment's history (kept by comment_ref after the comment is deleted)."""
        return self.create(comment=comment, comment_ref=comment.pk, kind=kind, actor=actor, detail=detail)


class CommentEvent(models.Model):
    """One step in a comment's history: why it is where it is."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received"
        CHECKED_HAM = "checked_ham", "Akismet: ham"
        CHECKED_SPAM = "checked_spam", "Akismet: spam"
        CHECKED_DISCARD = "checked_discard", "Akismet: blatant spam"
        CHECK_FAILED = "check_failed", "Akismet check failed"
        RECHECKED = "rechecked", "Rechecked"
        APPROVED = "approved", "Approved"
        # The stored values predate the "reported" events: marking is the
        # moderator's act, reporting what followed (or not, without a key).
        REPORTED_SPAM = "reported_spam", "Marked spam"
        REPORTED_HAM = "reported_ham", "Marked not spam"
        REPORTED = "reported", "Reported to Akismet"
        REPORT_FAILED = "report_failed", "Report to Akismet failed"
        NOTIFIED = "notified", "Author notified"
        NOTIFY_FAILED = "notify_failed", "Notification failed"
        REPLY_MAILED = "reply_mailed", "Reply mailed to the commenter"
        UNSUBSCRIBED = "unsubscribed", "Commenter stopped the reply mail"
        DELETED = "deleted", "Deleted"

    # SET_NULL keeps the "deleted" event (and what led to it) after the comment goes.
    comment = models.ForeignKey(Comment, null=True, on_delete=models.SET_NULL, related_name="events")
    comment_ref = models.PositiveBigIntegerField(db_index=True, help_text="The comment's id, kept after deletion.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.TextField(blank=True)

    objects = CommentEventManager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


def _this_year():
    return timezone.now().year


class SpamReport(models.Model):
    """The "At least N pieces of comment spam killed since YEAR" counter.

    A counter, not COUNT(*): purging old spam must not lower it. One row.
    """

    killed = models.PositiveBigIntegerField(
        default=0, help_text="Set a starting number when moving from another engine."
    )
    since_year = models.PositiveSmallIntegerField(default=_this_year)

    class Meta:
        verbose_name = "spam report"

    def __str__(self):
        return f"{self.killed:,} killed since {self.since_year}"

    def get_absolute_url(self):
        return reverse("admin:comments_spamreport_change", args=[self.pk])

    @classmethod
    def current(cls):
        """The one row, made by the first migration; read only: a fresh, unsaved one if someone deleted it."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @classmethod
    def add(cls, count):
        """Move the counter by count (negative for a false positive) without losing races; see comments.changes."""
        if count:
            cls.objects.get_or_create(pk=1)
            cls.objects.filter(pk=1).update(killed=Greatest(F("killed") + count, 0))


class NotificationQuerySet(models.QuerySet):
    def due(self):
        """Mail not yet sent whose time has come, oldest first."""
        return self.filter(sent_at=None, gave_up=False, next_attempt_at__lte=timezone.now()).order_by(
            "next_attempt_at", "id"
        )

    def failing(self):
        """Mail that could not be sent at least once and is not sent yet."""
        return self.filter(sent_at=None).exclude(last_error="")


class Notification(models.Model):
    """One comment mail in the outbox, sent after the request (comments/outbox.py).

    Either the author's mail about a new comment in the queue (`answered` is
    None), or the author's reply `comment` mailed to the commenter of
    `answered`, who asked for it. Queued in the transaction that stores the
    comment, so a comment is never without its mail; written out at sending
    time, so the mail says what is true then (Akismet's verdict; whether the
    commenter still wants it).
    """

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="notification")
    # CASCADE: the answered comment deleted, its commenter's pending mail goes with it.
    answered = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="A reply mail: the subscribed comment whose commenter it goes to.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Held while Akismet is asked, then due at once; a claim moves it on while a sender works.
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.TextField(blank=True, help_text="Who it went to.")
    last_error = models.TextField(blank=True)
    gave_up = models.BooleanField(default=False, help_text="Failed for too long; no more attempts.")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "comment mail"
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"])]

    def __str__(self):
        if self.answered_id is not None:
            return f"Reply {self.comment_id} mailed to the commenter of comment {self.answered_id}"
        return f"Mail about comment {self.comment_id}"

    @property
    def state(self):
        if self.sent_at:
            return "sent" if self.recipients else "not needed"
        if self.gave_up:
            return "gave up"
        return "failing" if self.last_error else "waiting"
