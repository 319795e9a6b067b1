"""The one place that decides which IP address a request came from."""

import ipaddress

from django.conf import settings

# nginx overwrites this header with the address it saw ($remote_addr).
FORWARDED_HEADER = "HTTP_X_FORWARDED_FOR"


def client_ip(request):
    """The client's IP address, or "" when it cannot be known.

    REMOTE_ADDR, unless the request came from a proxy listed in
    TRUSTED_PROXIES ("unix" for nginx on a unix socket, where REMOTE_ADDR is
    empty); only then is the forwarded header believed, so a client cannot
    choose the address that Akismet and the rate limit see.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if _from_trusted_proxy(remote):
        # A trusted proxy that appends rather than overwrites puts the address
        # it saw last; anything before that came from the client.
        forwarded = request.META.get(FORWARDED_HEADER, "").split(",")[-1].strip()
        if _valid(forwarded):
            return forwarded
    return remote if _valid(remote) else ""


def _from_trusted_proxy(remote):
    trusted = settings.TRUSTED_PROXIES
    if not remote:
        return "unix" in trusted
    return remote in trusted


def _valid(address):
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
