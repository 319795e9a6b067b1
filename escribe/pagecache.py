"""The page cache for anonymous readers, and the one place that invalidates it.

Every cached page is filed under the current *generation*, a number kept in
the shared cache. Any change to what a page may show bumps the generation
(after the change is committed), so every page is fresh on the next request;
old entries simply stop being read and age out. An entry also never outlives
the next scheduled post's publication time.

Pages are compressed here, once, when they are stored: an entry holds the
page and its gzip form, and each reader gets the one their Accept-Encoding
allows. nginx keys its micro-cache on the same choice, so neither layer
compresses a page per request.
"""

import functools
import gzip
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
from django.utils.cache import patch_cache_control, patch_vary_headers

GENERATION_KEY = "pagecache:generation"
# Part of every entry's key: bump it when Entry changes shape, so that an
# upgraded process never unpickles an entry an older release stored.
ENTRY_FORMAT = 2
NEXT_PUBLICATION_KEY = "pagecache:next-publication"
NOT_CACHED_PREFIXES = ("/admin/", "/healthz", "/static/")
# Readers' browsers revalidate every time (cheap: ETag and 304); only the
# server-side caches keep pages, and those are invalidated on change.
BROWSER_CACHE_CONTROL = {"public": True, "max_age": 0, "must_revalidate": True}
# Below this, gzip's header and the extra header lines cost more than they save.
GZIP_MIN_LENGTH = 512
GZIP_LEVEL = 6
GZIP_TYPES = ("text/", "application/xml", "application/atom+xml", "application/rss+xml", "application/json")


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


class Variant:
    """One encoding of a stored page: its headers, body and ETag."""

    __slots__ = ("headers", "body", "etag")

    def __init__(self, headers, body, etag):
        self.headers, self.body, self.etag = headers, body, etag


class Entry:
    """A stored response: what every anonymous reader of that URL gets (`gzipped` is None if not compressed)."""

    __slots__ = ("status", "plain", "gzipped", "expires")

    def __init__(self, status, plain, gzipped, expires):
        self.status, self.plain, self.gzipped, self.expires = status, plain, gzipped, expires

    @property
    def size(self):
        return len(self.plain.body) + (len(self.gzipped.body) if self.gzipped else 0)


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
            return _http_response(*reply(entry, request.META))
        response = self.get_response(request)
        if key is None:
            return response
        entry = store(key, response)
        if entry is not None:
            # Answer from what was stored, so this reader gets the compressed form too.
            return _http_response(*reply(entry, request.META, "miss"))
        response["X-Page-Cache"] = "miss"
        return response


def _http_response(status, headers, body):
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
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
    key = f"page:{ENTRY_FORMAT}:{generation()}:{base}"
    entry = _recent.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is not None:
            _recent.put(key, entry)
    if entry is not None and entry.expires > timezone.now():
        return key, entry
    return key, None


def reply(entry, environ, outcome="hit"):
    """(status, headers, body) for a stored entry, in the encoding the reader accepts; 304 for a matching ETag."""
    variant = entry.gzipped if entry.gzipped and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")) else entry.plain
    if variant.etag and variant.etag in _etags(environ.get("HTTP_IF_NONE_MATCH", "")):
        headers = [(name, value) for name, value in variant.headers if name.lower() != "content-length"]
        return 304, [*headers, ("X-Page-Cache", outcome)], b""
    return entry.status, [*variant.headers, ("X-Page-Cache", outcome)], variant.body


def _etags(header):
    return {tag.strip() for tag in header.split(",")} if header else set()


@functools.lru_cache(maxsize=256)
def accepts_gzip(header):
    """Whether an Accept-Encoding header allows gzip (named, or "*", without q=0)."""
    qualities = {}
    for item in header.lower().split(","):
        name, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        qualities[name.strip()] = quality
    quality = qualities.get("gzip", qualities.get("x-gzip", qualities.get("*", 0.0)))
    return quality > 0


def store(key, response):
    """Store the response under key if it is safe to share; make browsers revalidate it. Returns the entry."""
    if not cacheable_response(response):
        return None
    now = timezone.now()
    expires = min(now + timedelta(seconds=settings.PAGE_CACHE_SECONDS), next_publication(now))
    timeout = (expires - now).total_seconds()
    if timeout < 1:
        return None
    patch_cache_control(response, **BROWSER_CACHE_CONTROL)
    body = response.content
    compress = _compressible(response, body)
    if compress:
        patch_vary_headers(response, ["Accept-Encoding"])
    headers = [(name, value) for name, value in response.items() if name.lower() != "x-page-cache"]
    etag = response.get("ETag")
    gzipped = None
    if compress:
        # mtime=0: the same page compresses to the same bytes in every process.
        gzip_body = gzip.compress(body, GZIP_LEVEL, mtime=0)
        gzip_headers = [
            (name, str(len(gzip_body)) if name.lower() == "content-length" else value)
            for name, value in headers
            if name.lower() != "etag"
        ]
        gzip_etag = f'{etag[:-1]}-gzip"' if etag and etag.endswith('"') else None
        gzip_headers.append(("Content-Encoding", "gzip"))
        if gzip_etag:
            gzip_headers.append(("ETag", gzip_etag))
        gzipped = Variant(gzip_headers, gzip_body, gzip_etag)
    entry = Entry(response.status_code, Variant(headers, body, etag), gzipped, expires)
    cache.set(key, entry, timeout=int(timeout) + 1)
    return entry


def _compressible(response, body):
    if len(body) < GZIP_MIN_LENGTH or response.has_header("Content-Encoding"):
        return False
    return response.get("Content-Type", "").startswith(GZIP_TYPES)


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
            self.size += entry.size
            while self.size > self.max_bytes and self.items:
                _, old = self.items.popitem(last=False)
                self.size -= old.size

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
