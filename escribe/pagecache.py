"""The page cache for anonymous readers, and the one place that invalidates it.

Every cached page is filed under the current *generation*, a number kept in
the shared cache. Any change to what a page may show bumps the generation
(after the change is committed), so every page is fresh on the next request;
old entries simply stop being read and age out. An entry also never outlives
the next scheduled post's publication time.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

GENERATION_KEY = "pagecache:generation"
NEXT_PUBLICATION_KEY = "pagecache:next-publication"
NOT_CACHED_PREFIXES = ("/admin/", "/healthz", "/static/")
# Readers' browsers revalidate every time (cheap: ETag and 304); only the
# server-side caches keep pages, and those are invalidated on change.
BROWSER_CACHE_CONTROL = {"public": True, "max_age": 0, "must_revalidate": True}


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        # add(), not set(): a concurrent invalidate() must win.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def invalidate():
    """Every cached page is stale from now on."""
    # The next publication time only changes when posts change, so it is
    # worked out here, once per change, rather than on every cache miss.
    cache.set_many(
        {GENERATION_KEY: time.time_ns(), NEXT_PUBLICATION_KEY: _scheduled_after(timezone.now())}, timeout=None
    )


def next_publication(now):
    """When the next scheduled post goes public: no cached page may outlive it."""
    upcoming = cache.get(NEXT_PUBLICATION_KEY)
    if upcoming is None or upcoming <= now:
        upcoming = _scheduled_after(now)
        cache.set(NEXT_PUBLICATION_KEY, upcoming, timeout=None)
    return upcoming


def _scheduled_after(now):
    from blog.models import Post

    upcoming = Post.objects.scheduled().order_by("published_at").values_list("published_at", flat=True).first()
    # Nothing scheduled: look again in a day (a post scheduled meanwhile invalidates anyway).
    return upcoming or now + timedelta(days=1)


def invalidate_on_commit():
    """Invalidate once the current transaction commits (at once outside one).

    After the commit, not before: a reader between the two would otherwise
    cache the old content under the new generation.
    """
    transaction.on_commit(invalidate)


class PageCacheMiddleware:
    """Serves anonymous GETs from the shared cache; stores what is safe to share."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not cacheable_request(request):
            return self.get_response(request)
        key = f"page:{generation()}:{request.get_host()}:{request.path}"
        entry = cache.get(key)
        now = timezone.now()
        if entry is not None and entry["expires"] > now:
            return _response_from(entry, request)
        response = self.get_response(request)
        if cacheable_response(response):
            expires = min(now + timedelta(seconds=settings.PAGE_CACHE_SECONDS), next_publication(now))
            timeout = (expires - now).total_seconds()
            if timeout >= 1:
                patch_cache_control(response, **BROWSER_CACHE_CONTROL)
                cache.set(key, _entry_from(response, expires), timeout=int(timeout) + 1)
        response["X-Page-Cache"] = "miss"
        return response


def cacheable_request(request):
    """Anonymous GET/HEAD of a plain URL: the same page for every reader."""
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.path.startswith(NOT_CACHED_PREFIXES)
    )


def cacheable_response(response):
    if response.status_code not in (200, 301) or response.streaming or response.cookies:
        return False
    if "cookie" in response.get("Vary", "").lower():
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


def _entry_from(response, expires):
    headers = [(name, value) for name, value in response.items() if name.lower() not in ("x-page-cache",)]
    return {"status": response.status_code, "headers": headers, "content": response.content, "expires": expires}


def _response_from(entry, request):
    response = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    response["X-Page-Cache"] = "hit"
    return response


# What readers can see changes when these change.
def watch_models():
    """Connect the signals that invalidate the page cache (called once, from BlogConfig.ready)."""
    from blog.models import Blurb, Post, Tag
    from comments.models import Comment, SpamReport

    for model in (Post, Tag, Blurb, SpamReport):
        post_save.connect(_changed, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"pagecache-delete-{model.__name__}")
    m2m_changed.connect(_changed, sender=Post.tags.through, dispatch_uid="pagecache-post-tags")
    post_save.connect(_comment_saved, sender=Comment, dispatch_uid="pagecache-comment-save")
    post_delete.connect(_comment_deleted, sender=Comment, dispatch_uid="pagecache-comment-delete")


def _changed(sender, **kwargs):
    invalidate_on_commit()


def _comment_saved(sender, instance, update_fields=None, **kwargs):
    # A new comment waiting in the queue changes no public page; approving,
    # unapproving or editing an approved one does.
    if instance.status == instance.Status.APPROVED or (update_fields and "status" in update_fields):
        invalidate_on_commit()


def _comment_deleted(sender, instance, **kwargs):
    if instance.status == instance.Status.APPROVED:
        invalidate_on_commit()
