"""The custom CSS from the site settings, served as a stylesheet at an address that carries its content's hash.

The CSS lives in the database (several hosts share it), not in a file one
host wrote. Its address changes with its content, so browsers keep it for a
year and never ask again; a change to the settings makes every page stale
(blog/signals.py), and the new pages link the new address.

Never kept as a page file: escribe/page_files.py has no name for text/css,
and nginx would send a page's short Cache-Control with it instead of this
one. Served as text/css with X-Content-Type-Options: nosniff and linked with
<link rel="stylesheet">, it can only ever be read as CSS, never as a page or
a script, so `</style>` or HTML in it means nothing and is left alone.
"""

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from blog import site

CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def custom_css(request, digest):
    """The custom CSS when `digest` is its hash; another hash is sent on to the current address; none: 404."""
    found = site.current()
    if digest == found.custom_css_digest:
        # The text is read here only, and only while it still has the digest asked for: a save committed
        # after this request read the settings must not put the new CSS at the old address for a year.
        css = site.stored_css(digest)
        if css is not None:
            response = HttpResponse(css, content_type="text/css; charset=utf-8")
            response["Cache-Control"] = CACHE_CONTROL
            return response
        site.forget()
        found = site.current()
    address = found.custom_css_address
    if not address:
        raise Http404("This blog has no custom CSS.")
    # A page rendered just before the CSS changed (on a host whose page
    # files switch a moment later, or kept by an archive) still gets the
    # author's styles, the current ones. Not cached: the next change moves it again.
    response = HttpResponseRedirect(address)
    response["Cache-Control"] = "no-cache"
    return response
