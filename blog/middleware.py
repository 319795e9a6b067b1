"""The blog's middleware: old addresses answer 301 (blog.Redirect); each request follows the site settings."""

import re
import zoneinfo

from django.http import HttpResponsePermanentRedirect
from django.utils import timezone, translation

from blog import site, views
from blog.models import Redirect

# WordPress's own permalinks, the front page with exactly one parameter: /?p=12, and a page's /?page_id=7.
WORDPRESS_QUERY = re.compile(r"^(p|page_id)=([0-9]{1,18})$")
# A post's Markdown source follows the post's redirect: /post/old.md -> /post/new.md.
SOURCE_PATH = re.compile(r"^/post/([^/]+)\.md$")


class RedirectFallbackMiddleware:
    """Sends readers of an old address to its new one; the table is consulted only when the answer would be a 404.

    Listed before CommonMiddleware, so a URL that APPEND_SLASH mends is
    mended first. /?p=ID and /?page_id=ID are the exception: the front page
    answers any query string, so those exact ones are looked up before rendering it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reading = request.method in ("GET", "HEAD")
        if reading and request.path == "/":
            wordpress = WORDPRESS_QUERY.match(request.META.get("QUERY_STRING", ""))
            redirect = wordpress and Redirect.objects.first_of([f"/?{wordpress.group(1)}={int(wordpress.group(2))}"])
            if redirect and redirect.leads_to_trash():
                return views.gone(request, "post" if redirect.post_id else "page")
            if redirect and redirect.leads_somewhere():
                return HttpResponsePermanentRedirect(redirect.target())
        response = self.get_response(request)
        if reading and response.status_code == 404:
            redirect, source = self.old_address(request.path)
            if redirect is not None and redirect.leads_to_trash():
                # An old address of a post or page in the trash answers as its own address does.
                return views.gone(request, "post" if redirect.post_id else "page")
            target = self.target(redirect, source)
            # A row naming the path itself (a post renamed back, then unpublished) would loop.
            if target and target != request.path:
                return HttpResponsePermanentRedirect(target)
        return response

    def old_address(self, path):
        """(the Redirect row for the path or None, whether the path asks for a post's Markdown source)."""
        if "\x00" in path:  # no old address holds a NUL, and PostgreSQL refuses to look one up
            return None, False
        source = SOURCE_PATH.match(path)
        # WordPress permalinks end in a slash; a link copied without it still finds them.
        paths = [f"/post/{source.group(1)}/"] if source else [path] if path.endswith("/") else [path, f"{path}/"]
        return Redirect.objects.first_of(paths), bool(source)

    def target(self, redirect, source):
        if redirect is None or not redirect.leads_somewhere():
            return None
        if source:
            return redirect.post.get_source_url() if redirect.post else None
        return redirect.target()


class SiteSettingsMiddleware:
    """Each request reads the site settings once (blog.site) and shows its dates in the blog's language and zone.

    Below WhiteNoise, so static files cost no query; everything that renders
    a page, a feed or the admin runs inside it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        site.request_started()
        try:
            found = site.current()
            try:
                timezone.activate(zoneinfo.ZoneInfo(found.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                # A zone the system's tzdata no longer knows: the server's, rather than a 500 on every page.
                timezone.deactivate()
            translation.activate(found.language)
            return self.get_response(request)
        finally:
            timezone.deactivate()
            translation.deactivate()
            site.request_finished()
