"""Conditional requests on what Django serves: Django's ConditionalGetMiddleware, for HEAD as for GET."""

from django.middleware.http import ConditionalGetMiddleware as DjangoConditionalGetMiddleware
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import parse_http_date_safe


class ConditionalGetMiddleware(DjangoConditionalGetMiddleware):
    """Django's middleware (ETag, weak If-None-Match comparison, `*`, If-Modified-Since), answering HEAD too.

    Django's leaves HEAD alone, as a HEAD response's body may be empty and an
    ETag made from it wrong. Views here render HEAD as GET (gunicorn drops the
    body), so the ETag is the GET's; an empty body gets none (set_response_etag
    makes none). RFC 9110 13.1.2 and 13.2.2: If-None-Match is answered 304 for
    GET and HEAD alike, as nginx does for page files; before this, a HEAD that
    reached Django got 200 and no ETag at all.
    """

    def process_response(self, request, response):
        if request.method != "HEAD":
            return super().process_response(request, response)
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
        etag = response.get("ETag")
        last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        if etag or last_modified:
            return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        return response
