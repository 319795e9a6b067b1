"""Security headers: the Content-Security-Policy middleware, and the headers nginx puts on page files.

Django's SecurityMiddleware, XFrameOptionsMiddleware and the middleware here
set the headers on what Django serves, from settings. page_headers() reads
the same settings, so a page nginx serves from a file carries the same
headers (`manage.py page_headers` writes them as nginx directives).
"""

from django.conf import settings

ADMIN_PREFIX = "/admin/"


class ContentSecurityPolicyMiddleware:
    """Adds a Content-Security-Policy header: strict on public pages, workable in the admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path.startswith(ADMIN_PREFIX)
            response["Content-Security-Policy"] = (
                settings.ADMIN_CONTENT_SECURITY_POLICY if admin else settings.CONTENT_SECURITY_POLICY
            )
        return response


def page_headers():
    """{name: value} of every header Django's middleware adds to a public page over HTTPS, from settings."""
    headers = {}
    if settings.SECURE_HSTS_SECONDS:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers["Strict-Transport-Security"] = value
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        headers["Referrer-Policy"] = policy if isinstance(policy, str) else ",".join(policy)
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    headers["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    headers["Cache-Control"] = settings.PAGE_CACHE_CONTROL
    return headers


def any_response_headers():
    """page_headers() less what belongs to a page (its caching, its content policy): for any response nginx sends.

    Static files, uploads and nginx's own refusals (413, 429) carry these;
    each of them says its own Cache-Control, and uploads their own sandboxing policy.
    """
    headers = page_headers()
    del headers["Cache-Control"], headers["Content-Security-Policy"]
    return headers


def nginx_directives(headers):
    """nginx add_header lines for {name: value}; refuses values nginx would misread."""
    lines = []
    for name, value in headers.items():
        if any(character in value for character in '"\\\n\r$'):
            raise ValueError(f"{name}: {value!r} cannot be written as an nginx string")
        lines.append(f'add_header {name} "{value}" always;')
    return "\n".join(lines) + "\n"
