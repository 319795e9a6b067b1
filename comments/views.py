"""The comment form's POST target and the "awaiting approval" page."""

import logging
import math
from urllib.parse import urlsplit

from django.db import DatabaseError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from blog.models import Post
from comments import moderation, replies
from comments.forms import CommentForm
from comments.models import Comment
from escribe.client_ip import client_ip
from escribe.text import without_controls

UA_MAX = Comment._meta.get_field("user_agent").max_length
REFERRER_MAX = Comment._meta.get_field("referrer").max_length
UNAVAILABLE = (
    "The blog cannot store anything at the moment, so nothing was kept. Please send it again in a few minutes."
)

# The id of the form in comments/_form.html.
FORM_ID = "comment-form"

logger = logging.getLogger(__name__)


# Public pages carry no per-visitor CSRF token (they are cached and identical
# for everyone); this view checks the request's origin itself instead.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def submit(request, slug):
    post = get_object_or_404(Post.objects.published(), slug=slug)
    if request.method != "POST":
        # Someone opened the form's address (a bookmark, a reload after an
        # error page, a crawler): send them to the form itself.
        return redirect(form_url(post))
    if cross_origin(request):
        # The text is not shown back: another site must not be able to fill in this site's form.
        return _refuse(request, post, 403, "Comments must be sent from this site's own comment form.")
    if not post.comments_open:
        # Sending it again would not help; the text is shown for copying.
        return _refuse(request, post, 403, "Comments on this post are closed.", kept=request.POST.get("body", ""))
    form = CommentForm(request.POST)
    parent = None
    if request.POST.get("reply_to"):
        parent = replies.public_parent(post, request.POST["reply_to"])
        if parent is None:
            # The form comes back without the reply: sent again, it is a comment on the post.
            message = "The comment you replied to is not shown under this post (it may have been removed)."
            return _refuse(request, post, 404, message, form=form)
    if not form.is_valid():
        context = {"post": post, "form": form, "reply_to": parent}
        return render(request, "comments/invalid.html", context, status=400)

    ip = client_ip(request)
    data = form.cleaned_data
    comment = Comment(
        post=post,
        author_name=data["author_name"],
        author_email=data["author_email"],
        author_url=data["author_url"],
        body=data["body"],
        notify_replies=data["notify_replies"],
        ip_address=ip or None,
        user_agent=_header(request, "HTTP_USER_AGENT", UA_MAX),
        referrer=_header(request, "HTTP_REFERER", REFERRER_MAX),
    )
    if parent is not None:
        replies.attach(comment, parent)
    permalink = request.build_absolute_uri(post.get_absolute_url())
    try:
        refusal = moderation.receive(comment, permalink, honeypot=form.honeypot_filled)
    except DatabaseError:
        # Disk full, a read-only or unreachable database: nothing was stored
        # (the transaction rolled back), and the commenter is told to resend.
        logger.exception("Could not store a comment on %s", post.slug)
        context = {"post": post, "form": form, "message": UNAVAILABLE, "reply_to": parent}
        response = render(request, "comments/unavailable.html", context, status=503)
        response["Retry-After"] = "300"
        return response
    if refusal == moderation.Refusal.DUPLICATE:
        # Already stored: a double click or a resend gets the same answer.
        return redirect("comments:received", slug=post.slug)
    if refusal == moderation.Refusal.RATE_LIMITED:
        retry_at = moderation.rate_limit_ends(ip)
        message = "You have sent many comments in the past hour, so this one was not saved."
        response = _refuse(request, post, 429, message, form=form, retry_at=retry_at, reply_to=parent)
        wait = (retry_at - timezone.now()).total_seconds() if retry_at else moderation.RATE_WINDOW.total_seconds()
        response["Retry-After"] = str(max(1, math.ceil(wait)))
        return response
    # The same answer whatever Akismet said: spammers learn nothing.
    return redirect("comments:received", slug=post.slug)


@require_safe
def reply(request, slug, pk):
    """The form to answer one comment: a page of its own, so the post's page file stays one file for everyone."""
    post = get_object_or_404(Post.objects.published(), slug=slug)
    parent = replies.public_parent(post, pk)
    if parent is None:
        raise Http404("No such comment under this post.")
    if not post.comments_open:
        return redirect(form_url(post))
    return render(request, "comments/reply.html", {"post": post, "reply_to": parent})


@require_safe
def received(request, slug):
    post = get_object_or_404(Post.objects.published().only("title", "slug"), slug=slug)
    return render(request, "comments/received.html", {"post": post})


def form_url(post):
    """Where a post's comment form is on its page; the comments section when they are closed."""
    return f"{post.get_absolute_url()}#{FORM_ID if post.comments_open else 'comments'}"


def cross_origin(request):
    """True for a browser request sent from another site."""
    if request.META.get("HTTP_SEC_FETCH_SITE", "").lower() in ("cross-site", "same-site"):
        return True
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return False
    # "null" (sandboxed frames, some redirects) names no host: not ours either.
    return urlsplit(origin).netloc.lower() != request.get_host().lower()


def _refuse(request, post, status, message, **context):
    """The refusal page: with `form`, the comment form as sent, to send again; with `kept`, the text to copy."""
    context = {"post": post, "message": message, **context}
    return render(request, "comments/refused.html", context, status=status)


def _header(request, key, limit):
    """A request header as stored text, without control characters (PostgreSQL refuses NUL in text: a 500)."""
    return without_controls(request.META.get(key, ""))[:limit]
