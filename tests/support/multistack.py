"""The `two_hosts` fixture: tools/stack.py's topology with two app hosts, for tests/multihost/.

The front nginx, two app hosts (nginx + gunicorn each, on 127.0.0.2 and
127.0.0.3), a new database on the PostgreSQL server ESCRIBE_DATABASE_URL
names, and the object store; the author's mail goes to the fake mail server
(tests/support/fake_services.py). Without ESCRIBE_DATABASE_URL the tests skip:
several hosts share one PostgreSQL database, and CI runs them on its
PostgreSQL pass only.
"""

import os
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from tests.support.stack import LogsOnFailure
from tests.support.system import require_program
from tools import stack as multistack

WORKERS_PER_HOST = "2"  # two cores for everything: the hosts, PostgreSQL, the store, the front and the clients


@pytest.fixture(scope="module")
def two_hosts(request, tmp_path_factory, services):
    server = os.environ.get("ESCRIBE_DATABASE_URL")
    if not server:
        pytest.skip("the two-host tests share one PostgreSQL database: run them under .ci/postgres.sh (CI does)")
    nginx = require_program("nginx", "/usr/sbin/nginx")
    openssl = require_program("openssl", "/usr/bin/openssl")
    environ = {
        "ESCRIBE_DATABASE_URL": server,
        "ESCRIBE_WORKERS": WORKERS_PER_HOST,
        "ESCRIBE_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "ESCRIBE_EMAIL_HOST": "127.0.0.1",
        "ESCRIBE_EMAIL_PORT": str(services.smtp_port),
        "ESCRIBE_EMAIL_TIMEOUT": "10",
    }
    prefix = tmp_path_factory.mktemp("two-hosts")
    with multistack.running(prefix, 2, nginx=nginx, openssl=openssl, environ=environ) as topology:
        plugin = LogsOnFailure(topology, "two_hosts")
        request.config.pluginmanager.register(plugin)
        try:
            yield topology
        finally:
            request.config.pluginmanager.unregister(plugin)


def address(number):
    """A reader's or commenter's own loopback address (all of 127/8 is this machine), clear of the stack's."""
    return f"127.1.{number // 250}.{1 + number % 250}"


@contextmanager
def front_client(topology, local_address="127.0.0.1", timeout=30):
    """A client of the front, as a reader from `local_address`."""
    front = topology.front
    transport = httpx.HTTPTransport(verify=front.tls_context(), local_address=local_address)
    base_url = f"https://127.0.0.1:{front.https_port}"
    with httpx.Client(transport=transport, base_url=base_url, timeout=timeout) as client:
        client.headers["Host"] = f"{front.host}:{front.https_port}"
        yield client


def get(client, topology, path):
    return client.get(path, extensions={"sni_hostname": topology.front.host})


def post_comment(topology, slug, body, number):
    """One commenter's POST through the front from their own address: the status, or None without an answer."""
    form = {"author_name": f"Commenter {number}", "author_email": "c@example.com", "body": body, "homepage": ""}
    try:
        with front_client(topology, address(number)) as client:
            response = client.post(
                f"/post/{slug}/comment/",
                data=form,
                headers={"Origin": topology.front_url},
                extensions={"sni_hostname": topology.front.host},
            )
            return response.status_code
    except httpx.HTTPError:
        return None  # no answer: not acknowledged


def acknowledged(status):
    return status == 302  # the "awaiting approval" redirect


def stored(topology, marker):
    """How many times each body holding `marker` is stored: body -> count."""
    out = topology.shell(
        "import json\nfrom comments.models import Comment\n"
        f"print(json.dumps(list(Comment.objects.filter(body__contains={marker!r}).values_list('body', flat=True))))"
    )
    import json

    return Counter(json.loads(out.strip().splitlines()[-1]))


class Load:
    """Readers and commenters going through the front until stopped: what each got."""

    def __init__(self, topology, paths, slug, readers=16, commenters=4):
        self.topology, self.paths, self.slug = topology, paths, slug
        self.readers, self.commenters = readers, commenters
        self.stopping = threading.Event()
        self.reads = Counter()
        self.read_errors = []  # (time.monotonic(), reader, path, status or the transport error)
        self.comments = {}  # body -> status
        self.marker = f"load-{time.monotonic_ns()}"
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(readers + commenters)
        self._futures = []

    def _read(self, number):
        with front_client(self.topology, address(number), timeout=15) as client:
            turn = 0
            while not self.stopping.is_set():
                path = self.paths[(number + turn) % len(self.paths)]
                turn += 1
                try:
                    status = get(client, self.topology, path).status_code
                except httpx.HTTPError as error:
                    status = error
                with self._lock:
                    self.reads[type(status).__name__ if isinstance(status, Exception) else status] += 1
                    if status != 200:
                        self.read_errors.append((time.monotonic(), number, path, status))

    def _comment(self, number):
        turn = 0
        while not self.stopping.is_set():
            # A new address for every comment: the front's per-address limit is not what is tested here.
            sender = 1000 + number * 1000 + turn
            body = f"{self.marker} {number}-{turn}"
            turn += 1
            status = post_comment(self.topology, self.slug, body, sender)
            with self._lock:
                self.comments[body] = status
            time.sleep(0.2)

    def __enter__(self):
        self._futures = [self._pool.submit(self._read, n) for n in range(self.readers)]
        self._futures += [self._pool.submit(self._comment, n) for n in range(self.commenters)]
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for future in self._futures:
            future.result(timeout=60)
        self._pool.shutdown()

    def cut_off_in_flight(self, at, within=2.0):
        """Whether every failed read is an answer cut off by a host that died at `at` (time.monotonic()).

        nginx moves a request to the other host when the first refuses or fails it before answering, but it cannot
        move an answer it has begun passing on: a SIGKILL costs the readers whose answers were on the way then,
        at most one each, as docs/SCALING.md says. Any refusal, any status other than 200, any error later or
        twice for one reader is a defect.
        """
        readers = [reader for _when, reader, _path, _status in self.read_errors]
        return len(readers) == len(set(readers)) and all(
            isinstance(status, httpx.RemoteProtocolError | httpx.ReadError) and at <= when <= at + within
            for when, _reader, _path, status in self.read_errors
        )

    def acknowledged(self):
        return {body for body, status in self.comments.items() if acknowledged(status)}


def notified_comment_ids(messages):
    """The comment ids the author's mails name (each mail links the comment's admin page)."""
    return Counter(
        int(found) for message in messages for found in re.findall(r"/admin/comments/comment/(\d+)/change/", message)
    )
