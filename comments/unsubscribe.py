"""The unsubscribe link of the reply mail: a page that asks, a POST that stops it (RFC 8058's one click too)."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from comments import reply_mail
from comments.models import Comment

BAD_LINK = "This unsubscribe link is not complete or was changed. Copy the whole link from the mail and try again."


# The signed token is the proof, not a per-visitor CSRF token: the page sets no cookie (like every public
# page), and a mail provider's one-click POST (RFC 8058) comes with neither a cookie nor a token.
@csrf_exempt
# Never a page file for everyone: the answer changes with the click, and the address is one person's.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET: what the link stops, and a button (mail clients open links by themselves). POST: stop the mail."""
    try:
        pk = reply_mail.comment_pk(token)
    except reply_mail.BadToken:
        return render(request, "comments/unsubscribe.html", {"message": BAD_LINK}, status=400)
    comment = Comment.objects.select_related("post").only("id", "notify_replies", "post__title").filter(pk=pk).first()
    stopped = False
    if request.method == "POST" and comment is not None:
        stopped = reply_mail.unsubscribe(comment)
    return render(request, "comments/unsubscribe.html", {"comment": comment, "stopped": stopped})
