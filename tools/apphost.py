"""One app host of tools/stack.py: its nginx and gunicorn on its own loopback address, started, stopped, killed.

Both run in a session of their own, so that killing the host (SIGKILL to the
process group) takes the masters and every worker at once, as a host that
loses power would; stopping it is what a rolling restart does: nginx's
graceful quit first (it finishes what it serves and stops taking
connections, which the front then sends elsewhere), then gunicorn's.
"""

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from tools import localstack
from tools.localstack import GUNICORN_CONFIG, Stack, StackError

# The front's own address towards the hosts (front.conf's proxy_bind): the only
# one whose X-Forwarded-For and X-Forwarded-Proto they believe.
FRONT_SOURCE = "127.0.0.10"
STOP_TIMEOUT = 40  # gunicorn's graceful_timeout is 30 s


@dataclass
class AppHost:
    number: int  # from 0
    address: str
    port: int
    stack: Stack  # its folder, environment, manage()/shell() and logs
    config: str = None
    nginx: subprocess.Popen = None
    gunicorn: subprocess.Popen = None

    @property
    def url(self):
        return f"http://{self.address}:{self.port}"

    @property
    def pages_dir(self):
        return Path(self.stack.env["ESCRIBE_PAGES_DIR"])

    def describe(self):
        return {
            "url": self.url,
            "pages_dir": str(self.pages_dir),
            "folder": str(self.stack.prefix),
            "nginx_pid": self.nginx.pid if self.running() else None,
            "gunicorn_pid": self.gunicorn.pid if self.running() else None,
        }

    def running(self):
        return all(process is not None and process.poll() is None for process in (self.nginx, self.gunicorn))

    @contextmanager
    def client(self, timeout=10):
        """Requests straight to this host, as the front sends them (from its address, over "HTTPS")."""
        transport = httpx.HTTPTransport(local_address=FRONT_SOURCE)
        origin = f"{self.stack.host}:{self.stack.https_port}"
        headers = {"Host": origin, "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
        with httpx.Client(base_url=self.url, transport=transport, headers=headers, timeout=timeout) as client:
            yield client

    def start(self):
        """gunicorn, then nginx once gunicorn answers: a worker's first look at the database makes page files
        written before the host went down stale, and nginx must not serve them before that."""
        self.gunicorn = localstack.start_gunicorn(
            self.stack, "gunicorn", config=self.config or GUNICORN_CONFIG, own_session=True
        )

        def probe():
            # A plain socket: httpx leaks the unix socket of a connection refused while gunicorn starts.
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
                raw.settimeout(5)
                try:
                    raw.connect(str(self.stack.socket))
                    raw.sendall(f"GET /healthz HTTP/1.0\r\nHost: {self.stack.host}\r\n\r\n".encode())
                    status = raw.recv(64).decode(errors="replace").split("\r\n")[0]
                except OSError as error:  # no socket yet, refused, or no worker answering yet
                    return False, repr(error)
            return status.split()[1:2] == ["200"], status

        localstack.wait_for(self.stack, {"gunicorn": self.gunicorn}, probe, f"host {self.number + 1}'s gunicorn")
        # nginx removes its unix sockets only when it exits cleanly: after a kill the file stays and would
        # refuse the bind (nothing listens on it: this host's nginx is down).
        Path(self.stack.env["ESCRIBE_STATIC_ROOT"]).parent.joinpath("check.sock").unlink(missing_ok=True)
        self.nginx = localstack.start_nginx(self.stack, own_session=True)

    def wait_healthy(self):
        def probe():
            with self.client(timeout=5) as client:
                return localstack.healthy(client.get("/healthz"))

        localstack.wait_for(
            self.stack, {"nginx": self.nginx, "gunicorn": self.gunicorn}, probe, f"host {self.number + 1}"
        )

    def stop(self):
        """A graceful stop: nginx finishes and stops taking connections, then gunicorn finishes its requests."""
        for process, sig in ((self.nginx, signal.SIGQUIT), (self.gunicorn, signal.SIGTERM)):
            if process is not None and process.poll() is None:
                process.send_signal(sig)
                try:
                    process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    _kill_group(process)

    def kill(self):
        """The host lost at once: SIGKILL to nginx's and gunicorn's masters and all their workers."""
        for process in (self.nginx, self.gunicorn):
            if process is not None:
                _kill_group(process)

    def restart(self):
        self.stop()
        self.start()
        self.wait_healthy()

    def memory_kib(self):
        """Resident memory of the host's nginx and gunicorn, masters and workers (/proc's VmRSS, in KiB)."""
        sessions = {process.pid for process in (self.nginx, self.gunicorn) if process is not None}
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.getsid(int(entry.name)) not in sessions:
                    continue
                status = (entry / "status").read_text()
            except (OSError, ProcessLookupError):
                continue  # gone meanwhile
            total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        return total


def _kill_group(process):
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.wait(localstack.STOP_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        raise StackError(f"process {process.pid} survived SIGKILL") from error
    # Workers orphaned by the kill are reaped by init; wait until none is left holding the port.
    deadline = time.monotonic() + localstack.STOP_TIMEOUT
    while time.monotonic() < deadline and _group_alive(process.pid):
        time.sleep(0.05)


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
