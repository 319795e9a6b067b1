"""ESCRIBE_CACHE_URL read into Django's CACHES entry (escribe/settings.py): which cache, with what guards.

Kept apart from escribe/cache.py, which imports Django's cache backends: the
settings module must not load them while it is being read.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# file:// without a path: the project's own var/cache (settings.BASE_DIR / "var" / "cache").
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "var" / "cache"


def cache_settings(url):
    """The CACHES entry for file:///path (DEFAULT_DIR when empty), redis://..., memcached://host:port, locmem://."""
    scheme, _, rest = url.partition("://")
    if scheme == "file":
        return {
            # Django's, but a full disk costs a cache miss instead of a page.
            "BACKEND": "escribe.cache.FileCache",
            "LOCATION": rest or str(DEFAULT_DIR),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    if scheme in ("redis", "rediss"):
        return {
            # Django's, but Redis down or slow costs a cache miss instead of a page; short timeouts so that a
            # page waits at most a fraction of a second for a server that does not answer.
            "BACKEND": "escribe.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    if scheme == "memcached":
        return {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": rest,
            # pymemcache's own guard: a failing server is a miss (ignore_exc), retried once a second a few
            # times, then left alone for a minute (its defaults); with the same short timeouts as Redis.
            "OPTIONS": {"ignore_exc": True, "connect_timeout": 0.25, "timeout": 0.5},
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(f"ESCRIBE_CACHE_URL: unknown cache {url!r} (file://, redis://, memcached://, locmem://)")
