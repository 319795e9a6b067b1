"""Which requests and responses readers share, and the middleware that keeps them as files (escribe/pages.py).

A page is kept only for an anonymous GET on the site's own origin, and only
if its response sets nothing per visitor; it goes into the generation that
was current when its request began, and only while that one is still current.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.cache import patch_cache_control

from escribe import pages
from escribe.page_files import file_for, write_file

logger = logging.getLogger(__name__)


def site_origin():
    """(scheme, host) of settings.SITE_URL: the only origin whose pages are kept."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme, parts.netloc.lower()


def shared_request(request):
    """Whether this request's answer is the same for every reader: an anonymous GET without a query string."""
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "HTTP_AUTHORIZATION" not in request.META


def own_origin(request):
    """Whether the request names the site's own scheme, host and port (settings.SITE_URL): only such pages are kept.

    Links in feeds and the sitemap are built from the request's host; a page
    asked for under another name or port must not be served to everyone.
    """
    try:
        host = request.get_host()
    except DisallowedHost:
        return False
    return (request.scheme, host) == site_origin()


def response_may_be_kept(response):
    """Whether a response may be shared by every reader: a plain 200 that sets nothing per visitor."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if "cookie" in response.get("Vary", "").lower() or response.has_header("Content-Encoding"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


class PageFileMiddleware:
    """Writes anonymous readers' pages into the current generation of page files, for nginx to serve.

    The outermost middleware, so it sees the response as it leaves Django,
    cookies and Vary included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        shared = shared_request(request)
        generation = _generation_to_write() if shared and pages.enabled() and own_origin(request) else None
        # Templates may cache what every page of this generation shows (the sidebar) under its name.
        request.page_generation = generation.name if generation is not None else None
        response = self.get_response(request)
        if not (shared and response_may_be_kept(response)):
            return response
        if not response.has_header("Cache-Control"):
            # Browsers revalidate (cheaply, with ETag or Last-Modified); nginx
            # puts the same header on the file (settings.PAGE_CACHE_CONTROL).
            patch_cache_control(response, **_cache_control_directives())
        if generation is not None:
            relative = file_for(request.path, response.get("Content-Type", ""))
            if relative is not None:
                _keep(generation, relative, response.content)
        return response


def generation_context(request):
    """Template context: `page_generation`, the name of the generation this page goes into, or None.

    What every page of one generation shows alike (the sidebar) may be cached
    under that name: a change starts a new generation, so a new name.
    """
    return {"page_generation": getattr(request, "page_generation", None)}


def _generation_to_write():
    """The generation this request's page may go into; noted before the page reads anything."""
    if not pages.confirmed():
        # This worker cannot tell whether another host changed something
        # (its watcher is stuck or the database away): the page is served, not kept.
        return None
    try:
        generation = pages.current()
        # The first page ever, or a scheduled post's time passed before the
        # watcher noticed: start the next generation before reading anything.
        if generation is None:
            pages.invalidate()
        elif not generation.fresh():
            pages.expire_if_due()
        return pages.current()
    except Exception:
        # A full disk, a folder set up wrong, the database away while asking
        # when the next post is due: readers still get their page, not as a file.
        logger.exception("Page files are off for this request")
        return None


def _keep(generation, relative, body):
    latest = pages.current()
    if latest is None or latest.name != generation.name or not latest.fresh():
        return  # stale since the request began: nobody may be served this
    try:
        write_file(generation.path, relative, body)
    except OSError as error:
        # A full disk or a generation deleted meanwhile: the page was served; keeping it is optional.
        logger.warning("Could not keep %s as a file: %s", relative, error)


def _cache_control_directives():
    directives = {}
    for part in settings.PAGE_CACHE_CONTROL.split(","):
        name, _, value = part.strip().partition("=")
        directives[name.replace("-", "_")] = value or True
    return directives
