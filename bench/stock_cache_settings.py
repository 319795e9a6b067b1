"""escribe.settings with Django's stock per-site cache instead of E-Scribe's page cache (a benchmark baseline).

UpdateCacheMiddleware first, FetchFromCacheMiddleware last: cache_page on
every view, with the same cache backend and lifetime. GZipMiddleware just
inside UpdateCacheMiddleware, as Django's documentation orders them, so the
stock cache too stores compressed pages for readers who ask for gzip. Used by bench/run.py's
"stock-cache_page" layer (DJANGO_SETTINGS_MODULE=bench.stock_cache_settings).
"""

from django.core.exceptions import ImproperlyConfigured

from escribe.settings import *  # noqa: F403
from escribe.settings import MIDDLEWARE as _ESCRIBE_MIDDLEWARE
from escribe.settings import PAGE_CACHE_SECONDS as _PAGE_CACHE_SECONDS

_PAGE_CACHE = "escribe.pagecache.PageCacheMiddleware"
if _PAGE_CACHE not in _ESCRIBE_MIDDLEWARE:
    raise ImproperlyConfigured(f"{_PAGE_CACHE} is not in escribe.settings.MIDDLEWARE: update bench/stock_cache_settings.py")

MIDDLEWARE = [
    "django.middleware.cache.UpdateCacheMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    *(name for name in _ESCRIBE_MIDDLEWARE if name != _PAGE_CACHE),
    "django.middleware.cache.FetchFromCacheMiddleware",
]
CACHE_MIDDLEWARE_SECONDS = _PAGE_CACHE_SECONDS or 600
CACHE_MIDDLEWARE_KEY_PREFIX = "stock"
