"""The caches: Django's file and Redis caches, except that a cache that fails costs a miss, never a page.

A full disk, a read-only file system or a Redis server that is down or slow
must leave readers served: the sidebar's fragment cache is worth keeping,
never worth a 500.
"""

import dataclasses
import logging
import re
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

logger = logging.getLogger(__name__)

# After a failure Redis is left alone this long: a page pays at most one
# timeout, not one per cached fragment, and a dead server is not asked again
# by every request.
DOWN_SECONDS = 5
# A server that stays away is reported this often, not on every request.
WARN_EVERY = 30


class FileCache(FileBasedCache):
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except OSError as error:
            logger.warning("The cache could not keep %r: %s", key, error)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # FileBasedCache.add() calls set(), which keeps quiet above: whether it kept the value is in the folder.
        return super().add(key, value, timeout, version) and self.has_key(key, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except OSError as error:
            logger.warning("The cache could not touch %r: %s", key, error)
            return False


@dataclasses.dataclass
class Outage:
    """Until when a Redis server is left alone, and when its absence was last logged (monotonic seconds)."""

    until: float = float("-inf")
    warned: float = float("-inf")


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, except that Redis down or slow is a miss (a value not kept, a key not found)."""

    # Per process and server, shared by the cache object of every thread. Two threads failing at once may
    # both log or both try: harmless, so no lock.
    outages = {}

    def __init__(self, server, params):
        super().__init__(server, params)
        # redis-py takes a tenth of a second to import: only a process configured for Redis pays it, as
        # with Django's own client.
        from redis.exceptions import RedisError

        self.failures = (RedisError, OSError)
        servers = re.split("[;,]", server) if isinstance(server, str) else server
        # The log names hosts, never the password a URL may carry.
        self.servers = ", ".join(f"{url.hostname}:{url.port or 6379}" for url in map(urlsplit, servers))

    def guarded(self, missed, method, *args):
        """method(*args), or `missed` while Redis fails or is left alone after failing."""
        outage = self.outages.setdefault(self.servers, Outage())
        if time.monotonic() < outage.until:
            return missed
        try:
            return method(*args)
        except self.failures as error:
            now = time.monotonic()
            outage.until = now + DOWN_SECONDS
            if now >= outage.warned + WARN_EVERY:
                outage.warned = now
                logger.warning(
                    "The cache at %s failed (%s); pages are served without it, and it is tried again in %d s.",
                    self.servers,
                    error,
                    DOWN_SECONDS,
                )
            return missed

    def get(self, key, default=None, version=None):
        return self.guarded(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self.guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self.guarded(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self.guarded(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that were not kept.
        return self.guarded(list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # False, "not added", is the answer a caller using add() as a lock must get: nobody holds it for sure.
        return self.guarded(False, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self.guarded(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self.guarded(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self.guarded(None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        # Redis away is a key not found, which Django's contract says is a ValueError (decr() comes here too).
        value = self.guarded(None, super().incr, key, delta, version)
        if value is None:
            raise ValueError(f"Key {key!r} not found.")
        return value

    def clear(self):
        return self.guarded(False, super().clear)
