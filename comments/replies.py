"""Replies: one level under a comment, by readers (through the form and the queue) or by the author (at once)."""

from django.db import transaction
from django.utils import timezone

from blog import site
from comments import moderation, outbox
from comments.models import Comment, CommentEvent


class ReplyRefused(Exception):
    """The reply cannot be made; the message says why, in one line."""


def attach(reply, parent):
    """Make `reply` answer `parent`, one level deep: a reply to a reply answers the comment above it."""
    root = parent
    if parent.parent_id is not None and parent.parent.status == Comment.Status.APPROVED:
        root = parent.parent
    reply.parent = root
    reply.parent_ref = root.pk
    return reply


def public_parent(post, pk):
    """The comment a reader may answer: approved and shown under this public post, or None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Comment.objects.public().filter(post=post, pk=pk).select_related("parent").first()


def reply_as_author(parent, actor, body, approve=False):
    """Publish the author's reply to `parent` at once (no Akismet); `approve` approves a pending parent.

    A commenter who ticked "Mail me when the author replies" on `parent` gets
    the reply by mail, from the outbox after the commit (comments/reply_mail.py).

    A reply must answer a comment readers can see: a pending parent needs
    `approve`, and a spam one is refused.
    """
    body = body.strip()
    if not body:
        raise ReplyRefused("The reply is empty: nothing was published.")
    if parent.status == Comment.Status.SPAM:
        raise ReplyRefused("This comment is spam: mark it not spam before replying.")
    if parent.status == Comment.Status.PENDING and not approve:
        raise ReplyRefused("This comment awaits moderation: use “Approve and reply” to publish both.")
    now = timezone.now()
    with transaction.atomic():
        if parent.status == Comment.Status.PENDING:
            moderation.approve([parent], actor)
        reply = attach(
            Comment(
                post=parent.post,
                author_name=site.current().byline[: Comment._meta.get_field("author_name").max_length],
                author_email=actor.email,
                body=body,
                status=Comment.Status.APPROVED,
                by_author=True,
                moderated_at=now,
                moderated_by=actor,
                created_at=now,
            ),
            parent,
        )
        reply.save()
        CommentEvent.objects.record(
            reply, CommentEvent.Kind.RECEIVED, actor, detail=f"The author's reply to comment {parent.pk}."
        )
        CommentEvent.objects.record(
            reply, CommentEvent.Kind.APPROVED, actor, detail="Published with the author's reply."
        )
        # The comment the author answered (not the thread's top, which attach() may have chosen) asked for it.
        if parent.notify_replies and not parent.by_author:
            outbox.queue_reply(reply, parent)
    return reply


def threads(comments):
    """The approved comments of a page as top-level comments, each with `shown_replies`; no queries.

    A reply whose comment is not among them (deleted, or moved to spam)
    stands at the top level with `answers_removed` set.
    """
    by_id = {comment.pk: comment for comment in comments}
    top = []
    for comment in comments:
        comment.shown_replies = []
    for comment in comments:
        parent = by_id.get(comment.parent_id)
        comment.answers_removed = comment.parent_ref is not None and parent is None
        if parent is not None and parent.parent_id is None:
            parent.shown_replies.append(comment)
        else:
            top.append(comment)
    return top
