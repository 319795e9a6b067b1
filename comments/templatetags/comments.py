"""What the comments app puts on pages: {% load comments %}.

The blog's templates ask this app for comments, the form and the spam
report, as django-contrib-comments does; the blog's code never imports it.
"""

from django import template

from comments import moderation
from comments.forms import CommentForm
from comments.models import Comment, SpamReport

register = template.Library()


@register.simple_tag
def approved_comments(post):
    """The comments readers see under a post, oldest first (none for an unsaved post being previewed)."""
    if post.pk is None:
        return []
    return list(Comment.objects.for_page().filter(post=post))


@register.inclusion_tag("comments/_form.html")
def comment_form(post, form=None):
    """The comment form for a post: blank, or as sent back with its errors."""
    return {"post": post, "form": form or CommentForm()}


@register.inclusion_tag("comments/_spam_report.html")
def spam_report():
    """The sidebar's "At least N pieces of comment spam killed since YEAR" block."""
    return {"spam_report": SpamReport.current()}


@register.simple_tag
def waiting_comments():
    """How many comments wait in the moderation queue (the admin index shows it)."""
    return moderation.waiting_count()
