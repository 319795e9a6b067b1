"""The pages the author's comment mail links to: "Approve" and "Mark as spam", each confirmed by a POST.

Mail clients, scanners and link previews open a mail's links by themselves,
so a GET only shows the comment and a button; the button's POST (with the
admin's CSRF token, after the admin's login) acts, through the same
moderation service as the queue. "Reply" links to the admin's reply page
(comments/admin_replies.py), which already works this way.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from comments import moderation
from comments.models import Comment


def _approve(comment, actor):
    if comment.status == Comment.Status.SPAM:
        # Approving spam is "not spam": Akismet learns of its mistake and the counter gives the comment back.
        marked = moderation.mark_ham([comment], actor)
        return f"Approved as not spam. {moderation.reported_to_akismet(marked)}".strip()
    moderation.approve([comment], actor)
    return "Approved."


def _spam(comment, actor):
    marked = moderation.mark_spam([comment], actor)
    return f"Marked as spam. {moderation.reported_to_akismet(marked)}".strip()


# action: (the button, the status it leads to, the service, what a second click is told)
ACTIONS = {
    "approve": ("Approve", Comment.Status.APPROVED, _approve, "This comment was already approved; nothing changed."),
    "spam": ("Mark as spam", Comment.Status.SPAM, _spam, "This comment was already marked as spam; nothing changed."),
}


def confirm_view(model_admin, request, pk, action):
    """GET: the comment and a confirm button. POST: do it once; a second POST changes nothing and says so."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    comment = get_object_or_404(Comment.objects.select_related("post"), pk=pk)
    # The queue's own permission: a staff user who may not moderate gets a clear no, not a button.
    if not model_admin.has_change_permission(request, comment):
        raise PermissionDenied("You may not moderate comments.")
    button, status, service, already = ACTIONS[action]
    if request.method == "POST":
        if comment.status == status:
            messages.info(request, already)
        else:
            messages.success(request, service(comment, request.user))
        return redirect("admin:comments_comment_change", comment.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Comment._meta,
        "title": f"{button}: comment by {comment.author_name}",
        "original": comment,
        "button": button,
        "already": already if comment.status == status else "",
    }
    return TemplateResponse(request, "admin/comments/comment/confirm.html", context)
