"""The default cache: Django's file cache, except that a disk refusing a write costs a cache miss, not a page.

A full disk or a read-only file system must leave readers served: the
sidebar's fragment cache and the recheck's back-off are worth keeping, never
worth a 500.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

logger = logging.getLogger(__name__)


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
