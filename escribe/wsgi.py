"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escribe.settings")

from escribe.pagecache import serve_cached_first  # noqa: E402 (needs the settings above)

# Cache hits are answered before Django builds a request (escribe/pagecache.py).
application = serve_cached_first(get_wsgi_application())
