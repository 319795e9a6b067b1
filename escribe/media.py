"""The author's uploads (MEDIA_URL) served by Django when no nginx is in front (`make run`).

nginx serves the media folder itself in production (deploy/nginx) with the
same headers as here. WhiteNoise cannot take this on: it lists its files when
the process starts, and uploads arrive while it runs. The files are read
through the storage API, which also refuses names outside its folder.
"""

import posixpath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.http import http_date
from django.views.decorators.http import require_safe

# Names are unique and never reused (blog/uploads.py), so a file may be cached forever.
CACHE_CONTROL = "public, max-age=31536000, immutable"
# What a browser may do with an uploaded file opened on its own: nothing active.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
# Shown in the page; anything else is downloaded, so no uploaded document runs on the blog's origin.
INLINE_EXTENSIONS = ("jpg", "png", "gif", "webp")


def headers_for(name):
    """The headers an uploaded file is served with, by nginx and by Django alike."""
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    }
    if posixpath.splitext(name)[1].lower().lstrip(".") not in INLINE_EXTENSIONS:
        headers["Content-Disposition"] = "attachment"
    return headers


@require_safe
def serve(request, name):
    """One uploaded file, when settings.SERVE_MEDIA says Django is the one to serve it."""
    if not settings.SERVE_MEDIA:
        raise Http404("Uploads are served by the web server.")
    try:
        # The storage refuses names outside its folder (SuspiciousFileOperation); a folder is no upload;
        # a NUL in the name makes open() raise ValueError.
        stored = default_storage.open(name, "rb")
    except (SuspiciousFileOperation, OSError, ValueError):
        raise Http404("No such upload.") from None
    response = FileResponse(stored)
    # FileResponse's own "inline; filename=..." would differ from what nginx sends.
    del response["Content-Disposition"]
    for header, value in headers_for(name).items():
        response[header] = value
    response["Last-Modified"] = http_date(default_storage.get_modified_time(name).timestamp())
    return response
