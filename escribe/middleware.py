"""Cross-cutting response headers."""

# Public pages run no script and use no inline style: everything comes from
# our own static files. Images may come from anywhere over HTTPS (posts link them).
PUBLIC_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'none'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Django's admin loads its scripts from static files but still sets a few
# style attributes inline.
ADMIN_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: https:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
ADMIN_PREFIX = "/admin/"


class ContentSecurityPolicyMiddleware:
    """Adds a Content-Security-Policy header: strict on public pages, workable in the admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path.startswith(ADMIN_PREFIX)
            response["Content-Security-Policy"] = ADMIN_POLICY if admin else PUBLIC_POLICY
        return response
