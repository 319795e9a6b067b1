"""Akismet clients for tests: fixed verdicts, and real clients over failing transports.

Nothing here touches the network: TestSyncClient answers from memory, and the
failing clients are real SyncClients whose httpx transport is a MockTransport.
"""

import akismet
import httpx
import pytest

from comments import spam

CONFIG = akismet.Config(key="test-key", url="http://blog.example/")


class RecordingMixin:
    """Remembers every call, so tests can compare the arguments sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def comment_check(self, user_ip, **kwargs):
        self.calls.append(("comment_check", {"user_ip": user_ip, **kwargs}))
        return super().comment_check(user_ip, **kwargs)

    def submit_spam(self, user_ip, **kwargs):
        self.calls.append(("submit_spam", {"user_ip": user_ip, **kwargs}))
        return super().submit_spam(user_ip, **kwargs)

    def submit_ham(self, user_ip, **kwargs):
        self.calls.append(("submit_ham", {"user_ip": user_ip, **kwargs}))
        return super().submit_ham(user_ip, **kwargs)


class HamClient(RecordingMixin, akismet.TestSyncClient):
    comment_check_response = akismet.CheckResponse.HAM


class SpamClient(RecordingMixin, akismet.TestSyncClient):
    comment_check_response = akismet.CheckResponse.SPAM


class DiscardClient(RecordingMixin, akismet.TestSyncClient):
    comment_check_response = akismet.CheckResponse.DISCARD


def _raise(error):
    def handler(request):
        raise error(f"simulated {error.__name__}", request=request)

    return handler


FAILURES = {
    "connect error": _raise(httpx.ConnectError),
    "timeout": _raise(httpx.ReadTimeout),
    "http 503": lambda request: httpx.Response(503, text="Service Unavailable"),
    "invalid key": lambda request: httpx.Response(200, text="invalid"),
    "garbage body": lambda request: httpx.Response(200, text="<html>maybe?</html>"),
}


class FailingClient(RecordingMixin, akismet.SyncClient):
    pass


def failing_client(kind):
    transport = httpx.MockTransport(FAILURES[kind])
    return FailingClient(config=CONFIG, http_client=httpx.Client(transport=transport))


@pytest.fixture
def use_akismet(monkeypatch):
    """use_akismet(client) makes the adapter use that client for this test."""

    def install(client):
        monkeypatch.setattr(spam, "_client", client)
        return client

    yield install
