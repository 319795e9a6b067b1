import pytest
from django.test import RequestFactory

from escribe.client_ip import client_ip


def request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.5", "1.2.3.4", "203.0.113.5"),  # no proxy trusted: header ignored
        (["127.0.0.1"], "203.0.113.5", "1.2.3.4", "203.0.113.5"),  # not from the proxy
        (["127.0.0.1"], "127.0.0.1", "198.51.100.9", "198.51.100.9"),
        (["127.0.0.1"], "127.0.0.1", "1.2.3.4, 198.51.100.9", "198.51.100.9"),  # client's part ignored
        (["unix"], "", "198.51.100.9", "198.51.100.9"),  # nginx on a unix socket
        ([], "", "198.51.100.9", ""),  # unix socket but not trusted
        (["unix"], "", "not-an-ip", ""),
        (["127.0.0.1"], "127.0.0.1", "garbage", "127.0.0.1"),
        ([], "2001:db8::1", None, "2001:db8::1"),
    ],
)
def test_client_ip_trusts_the_header_only_from_the_proxy(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(request(remote, forwarded)) == expected
