"""The author's "Reply" and "Approve and reply" in the admin: a page per comment, and the form on its change page."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from comments import replies
from comments.forms import BODY_MAX, TextField
from comments.models import Comment

# The button that makes it one step; the form's plain submit only replies.
APPROVE = "approve"


class AuthorReplyForm(forms.Form):
    body = TextField(
        label="Your reply",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        help_text="Markdown, as in a comment. Published at once under the comment, marked as the author's.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "reply-%s")
        super().__init__(*args, **kwargs)


def reply_view(model_admin, request, pk):
    """GET: the comment and the reply form. POST: publish the reply (approving a pending comment with APPROVE)."""
    comment = get_object_or_404(Comment.objects.select_related("post", "parent"), pk=pk)
    if not model_admin.has_change_permission(request, comment):
        messages.error(request, "You may not reply to comments.")
        return redirect("admin:comments_comment_changelist")
    form = AuthorReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reply = replies.reply_as_author(
                comment, request.user, form.cleaned_data["body"], approve=APPROVE in request.POST
            )
        except replies.ReplyRefused as refusal:
            messages.error(request, str(refusal))
        else:
            done = "Approved and replied." if APPROVE in request.POST else "Replied."
            mailed = " The commenter asked for a mail: it goes out shortly." if comment.notify_replies else ""
            messages.success(request, f"{done} The reply is published: {reply.get_absolute_url()}{mailed}")
            return redirect("admin:comments_comment_changelist")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Comment._meta,
        "title": f"Reply to {comment.author_name}",
        "original": comment,
        "reply_form": form,
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "admin/comments/comment/reply.html", context, status=status)
