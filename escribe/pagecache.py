"""The page cache for anonymous readers, and the one place that invalidates it.

Every cached page is filed under the current *generation*, a number kept in
the shared cache. Any change to what a page may show bumps the generation
(after the change is committed), so every page is fresh on the next request;
old entries simply stop being read and age out. An entry also never outlives
the next scheduled post's publication time.
"""

import functools
import re
import threading
import time
from collections import OrderedDict
from datetime import timedelta
from http import HTTPStatus

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

    upcoming = Post.objects.next_publication()
    # Nothing scheduled: look again in a day (a post scheduled meanwhile invalidates anyway).
    return upcoming or now + timedelta(days=1)


def invalidate_on_commit():
    """Invalidate once the current transaction commits (at once outside one).

    After the commit, not before: a reader between the two would otherwise
    cache the old content under the new generation.
    """
    transaction.on_commit(invalidate)


class Entry:
    """A stored response: what every anonymous reader of that URL gets."""

    __slots__ = ("status", "headers", "body", "expires", "etag")

    def __init__(self, status, headers, body, expires, etag):
        self.status, self.headers, self.body, self.expires, self.etag = status, headers, body, expires, etag


class PageCacheMiddleware:
    """The outermost middleware: answers anonymous GETs from the cache, stores what is safe to share.

    It sits outside every other middleware so that an entry holds the whole
    response (security headers, CSP, ETag), exactly what the WSGI fast path
    (`serve_cached_first`) hands out without entering Django at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key, entry = lookup(request.META)
        if entry is not None:
            status, headers, body = reply(entry, request.META)
            response = HttpResponse(body, status=status)
            for name, value in headers:
                response[name] = value
            return response
        response = self.get_response(request)
        if key is not None:
            store(key, response)
            response["X-Page-Cache"] = "miss"
        return response


def serve_cached_first(app):
    """Wrap the WSGI app: cache hits are answered before Django builds a request."""

    def application(environ, start_response):
        _, entry = lookup(environ)
        if entry is None:
            return app(environ, start_response)
        status, headers, body = reply(entry, environ)
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    return application


@functools.lru_cache(maxsize=4)
def _session_cookie(name):
    return re.compile(rf"(?:^|;)\s*{re.escape(name)}=")


def cache_key(environ):
    """The key of an anonymous GET of a plain URL (the same page for every reader), else None."""
    if settings.PAGE_CACHE_SECONDS <= 0 or environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
        return None
    path = environ.get("PATH_INFO", "")
    if "HTTP_AUTHORIZATION" in environ or path.startswith(NOT_CACHED_PREFIXES):
        return None
    if _session_cookie(settings.SESSION_COOKIE_NAME).search(environ.get("HTTP_COOKIE", "")):
        return None  # the author: never served from or stored in the cache
    # The scheme is part of the key: over plain HTTP the stored answer is the redirect.
    header, secure_value = settings.SECURE_PROXY_SSL_HEADER or (None, None)
    scheme = "https" if header and environ.get(header) == secure_value else environ.get("wsgi.url_scheme", "http")
    return f"{scheme}:{environ.get('HTTP_HOST', '')}:{path}"


def lookup(environ):
    """(key, entry): the entry only when a fresh one is stored; key None when not cacheable."""
    base = cache_key(environ)
    if base is None:
        return None, None
    key = f"page:{generation()}:{base}"
    entry = _recent.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is not None:
            _recent.put(key, entry)
    if entry is not None and entry.expires > timezone.now():
        return key, entry
    return key, None


def reply(entry, environ):
    """(status, headers, body) for a stored entry, answering If-None-Match with 304."""
    if entry.etag and entry.etag in _etags(environ.get("HTTP_IF_NONE_MATCH", "")):
        headers = [(name, value) for name, value in entry.headers if name.lower() != "content-length"]
        return 304, [*headers, ("X-Page-Cache", "hit")], b""
    return entry.status, [*entry.headers, ("X-Page-Cache", "hit")], entry.body


def _etags(header):
    return {tag.strip() for tag in header.split(",")} if header else set()


def store(key, response):
    """Store the response under key if it is safe to share; make browsers revalidate it."""
    if not cacheable_response(response):
        return
    now = timezone.now()
    expires = min(now + timedelta(seconds=settings.PAGE_CACHE_SECONDS), next_publication(now))
    timeout = (expires - now).total_seconds()
    if timeout < 1:
        return
    patch_cache_control(response, **BROWSER_CACHE_CONTROL)
    headers = [(name, value) for name, value in response.items() if name.lower() != "x-page-cache"]
    entry = Entry(response.status_code, headers, response.content, expires, response.get("ETag"))
    cache.set(key, entry, timeout=int(timeout) + 1)


def cacheable_response(response):
    if response.status_code not in (200, 301) or response.streaming or response.cookies:
        return False
    if "cookie" in response.get("Vary", "").lower():
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


class _RecentEntries:
    """A small per-process copy of recently served entries, bounded in bytes.

    Keys carry the generation, which is read from the shared cache on every
    request, so a copy here can never be staler than the shared entry.
    """

    def __init__(self, max_bytes):
        self.max_bytes, self.size, self.items = max_bytes, 0, OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.items.get(key)
            if entry is not None:
                self.items.move_to_end(key)
            return entry

    def put(self, key, entry):
        with self.lock:
            if key in self.items:
                return
            self.items[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes and self.items:
                _, old = self.items.popitem(last=False)
                self.size -= len(old.body)

    def clear(self):
        with self.lock:
            self.items.clear()
            self.size = 0


_recent = _RecentEntries(max_bytes=8 * 1024 * 1024)


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
