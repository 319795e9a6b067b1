"""The commenter's "Mail me when the author replies": who gets it, what it says, and its unsubscribe link.

The mail goes through the outbox (comments/outbox.py) like the author's own:
replies.reply_as_author() queues it with the reply, and the sender decides
at sending time whether it is still wanted, so a commenter who unsubscribed,
a comment purged of its personal data, marked spam or deleted meanwhile
gets nothing. The address serves this mail and nothing else, and is not
copied anywhere: the outbox and the history name the comment, not the address.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse

from comments.models import Comment, CommentEvent

# Its own salt: a token signed for anything else on the site never unsubscribes.
SALT = "comments.reply_mail.unsubscribe"


class BadToken(Exception):
    """The unsubscribe link was cut short or changed: it names no comment."""


def token_for(comment):
    """The unsubscribe link's token: the comment's id, signed (never the address; the link may be forwarded)."""
    return signing.dumps(comment.pk, salt=SALT)


def comment_pk(token):
    """The id the token was signed for; BadToken if it was not signed by this site for unsubscribing."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature as error:
        raise BadToken(str(error)) from error
    if type(pk) is not int:
        raise BadToken("The token names no comment.")
    return pk


def unsubscribe_url(comment):
    return settings.SITE_URL + reverse("comments:unsubscribe", args=[token_for(comment)])


def wanted(notification):
    """Whether the reply mail is still to go: the commenter still asks for it, both comments are shown."""
    answered, reply = notification.answered, notification.comment
    return bool(
        answered.notify_replies
        and answered.author_email
        and answered.status == Comment.Status.APPROVED
        and reply.status == Comment.Status.APPROVED
    )


def sent_to(notification):
    """What the outbox and the history keep of the recipient: the comment, not the address."""
    return f"the commenter of comment {notification.answered_id}"


def message_for(notification):
    """The reply as plain text (as the author typed it: nothing in it is read as HTML), a link to it, and a way out."""
    reply, answered = notification.comment, notification.answered
    post = reply.post
    # A title is one line in a header: line breaks in it would be refused by the mail library.
    title = " ".join(post.title.split())
    leave = unsubscribe_url(answered)
    body = (
        f'{reply.author_name} replied to your comment on "{title}":\n\n{reply.body}\n\n'
        f"Read it on the blog: {settings.SITE_URL}{reply.get_absolute_url()}\n\n"
        "-- \n"
        'You get this mail because you ticked "Mail me when the author replies" under your comment.\n'
        f"Your address is used for nothing else. To stop these mails: {leave}\n"
    )
    headers = {
        # RFC 8058: mail providers offer "Unsubscribe" and POST to the link themselves.
        "List-Unsubscribe": f"<{leave}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return EmailMessage(f'Reply to your comment on "{title}"', body, None, [answered.author_email], headers=headers)


def unsubscribe(comment):
    """Stop the reply mail for this comment; True if it was on (a second click changes nothing and says so)."""
    with transaction.atomic():
        stopped = Comment.objects.filter(pk=comment.pk, notify_replies=True).update(notify_replies=False)
        if stopped:
            CommentEvent.objects.record(comment, CommentEvent.Kind.UNSUBSCRIBED, detail="From the link in a mail.")
    comment.notify_replies = False
    return bool(stopped)
