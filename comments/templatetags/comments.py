"""What the comments app puts on pages: {% load comments %}.

The blog's templates ask this app for comments, the form and the spam
report, as django-contrib-comments does; the blog's code never imports it.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from comments import moderation, replies
from comments.forms import CommentForm
from comments.models import Comment, Notification, SpamReport

register = template.Library()


@register.simple_tag
def approved_comments(post):
    """The comments readers see under a post, oldest first (none for an unsaved post being previewed)."""
    if post.pk is None:
        return []
    return list(Comment.objects.for_page().filter(post=post))


@register.simple_tag
def comment_threads(comments):
    """approved_comments as shown: top-level comments with their replies under them (no queries)."""
    return replies.threads(comments)


@register.inclusion_tag("comments/_form.html")
def comment_form(post, form=None, reply_to=None):
    """The comment form for a post: blank, or as sent back with its errors; with reply_to, a reply to that comment."""
    return {"post": post, "form": form or CommentForm(), "reply_to": reply_to}


@register.simple_tag
def post_comments_feed_link(post):
    """The <link rel="alternate"> to the post's comment feed, for feed readers' autodiscovery."""
    return format_html(
        '<link rel="alternate" type="application/atom+xml" title="Comments on {} (Atom)" href="{}">',
        post.title,
        reverse("comments:post-feed-atom", kwargs={"slug": post.slug}),
    )


@register.inclusion_tag("comments/_spam_report.html")
def spam_report():
    """The sidebar's "At least N pieces of comment spam killed since YEAR" block."""
    return {"spam_report": SpamReport.current()}


@register.simple_tag
def waiting_comments():
    """How many comments wait in the moderation queue (the admin index shows it)."""
    return moderation.waiting_count()


@register.simple_tag
def failing_comment_mail():
    """How many of the author's comment mails could not be sent (the admin index shows it)."""
    return Notification.objects.failing().count()
