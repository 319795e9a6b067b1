"""An offline Akismet client that takes its time, for the comment benchmark.

It answers ham after ESCRIBE_BENCH_AKISMET_DELAY seconds, like a slow
Akismet; a delay at or over the configured timeout (settings.AKISMET_TIMEOUT)
ends in a timeout after that many seconds, as the real client's would.
Nothing here touches the network (akismet.TestSyncClient answers from memory).
"""

import os
import time

import akismet
import httpx

DELAY_VARIABLE = "ESCRIBE_BENCH_AKISMET_DELAY"
DEFAULT_DELAY = 0.3


class SlowHamClient(akismet.TestSyncClient):
    comment_check_response = akismet.CheckResponse.HAM

    def __init__(self, delay, timeout):
        super().__init__(config=akismet.Config(key="bench", url="http://localhost/"))
        self.delay = delay
        self.timeout = timeout

    def comment_check(self, user_ip, **kwargs):
        if self.delay >= self.timeout:
            time.sleep(self.timeout)
            raise httpx.ReadTimeout(f"Akismet did not answer within {self.timeout} s (simulated)")
        time.sleep(self.delay)
        return super().comment_check(user_ip, **kwargs)


def install():
    """Make this process's comments use a SlowHamClient (call it after Django is set up)."""
    from django.conf import settings

    from comments import spam

    if not hasattr(spam, "_client"):
        raise RuntimeError("comments.spam has no _client any more: bench/slow_akismet.py must follow the adapter")
    delay = float(os.environ.get(DELAY_VARIABLE, DEFAULT_DELAY))
    spam._client = SlowHamClient(delay, settings.AKISMET_TIMEOUT)
    return spam._client
