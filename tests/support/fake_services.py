"""A misbehaving Akismet and mail server on loopback, for the stack's fault tests.

    python -m tests.support.fake_services AKISMET_PORT SMTP_PORT

runs both in their own process (so the test's many client threads do not
slow them). The Akismet side answers the real client's HTTP requests the way
the real service does when it works (`ham`, `spam`) and when it does not:
`slow` (answers after 5 s, past any sane timeout), `refuse` (drops the
connection), `503`, `garbage` (a body Akismet never sends), `invalid` (the
answer to a wrong key), `flapping` (503 and ham by turns). The mail side
speaks just enough SMTP to take messages (`ok`), or greets nobody (`stall`),
or turns every session away (`down`). Both are driven over HTTP on the
Akismet port: POST /control/akismet/<mode>, POST /control/smtp/<mode>,
GET /control/stats (JSON: calls per Akismet endpoint, messages taken),
GET /control/messages (JSON: every message taken, as text). The `services`
fixture starts them for a test module.
"""

import json
import select
import socketserver
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

AKISMET_MODES = {"ham", "spam", "slow", "refuse", "503", "garbage", "invalid", "flapping"}
SMTP_MODES = {"ok", "stall", "down"}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.akismet = "ham"
        self.smtp = "ok"
        self.calls = {}
        self.messages = []
        self.flap = 0

    def stats(self):
        with self.lock:
            calls, messages = dict(self.calls), len(self.messages)
            return {"akismet": self.akismet, "smtp": self.smtp, "calls": calls, "messages": messages}


STATE = State()


class AkismetHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/control/stats":
            self._send(200, json.dumps(STATE.stats()), "application/json")
        elif self.path == "/control/messages":
            with STATE.lock:
                messages = [message.decode(errors="replace") for message in STATE.messages]
            self._send(200, json.dumps(messages), "application/json")
        else:
            self._send(404, "not found")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        parts = self.path.strip("/").split("/")
        if parts[0] == "control" and len(parts) == 3:
            return self._control(parts[1], parts[2])
        endpoint = parts[-1]
        with STATE.lock:
            mode = STATE.akismet
            STATE.calls[endpoint] = STATE.calls.get(endpoint, 0) + 1
            if mode == "flapping":
                STATE.flap += 1
                mode = "503" if STATE.flap % 2 else "ham"
        if mode == "slow":
            time.sleep(5)
            mode = "ham"
        if mode == "refuse":
            self.close_connection = True
            self.connection.close()
            return None
        if mode == "503":
            return self._send(503, "Service Unavailable")
        if mode == "garbage":
            return self._send(200, "<html><body>Something went wrong</body></html>", "text/html")
        if mode == "invalid":
            return self._send(200, "invalid", headers={"X-akismet-debug-help": 'Empty "key" value'})
        if endpoint == "comment-check":
            return self._send(200, "true" if mode == "spam" else "false")
        if endpoint == "verify-key":
            return self._send(200, "valid")
        return self._send(200, "Thanks for making the web a better place.")

    def _control(self, service, mode):
        with STATE.lock:
            if service == "akismet" and mode in AKISMET_MODES:
                STATE.akismet = mode
            elif service == "smtp" and mode in SMTP_MODES:
                STATE.smtp = mode
            else:
                return self._send(400, f"unknown {service} mode {mode}")
        return self._send(200, "ok")

    def _send(self, status, body, content_type="text/plain", headers=None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class SMTPHandler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self):
        mode = STATE.smtp
        if mode == "stall":
            time.sleep(self.timeout)  # never greets: the client's timeout must save it
            return
        if mode == "down":
            self.reply("421 Service not available, closing transmission channel")
            return
        self.reply("220 fake.smtp ESMTP")
        data = None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if data is not None:
                if line.rstrip(b"\r\n") == b".":
                    with STATE.lock:
                        STATE.messages.append(b"".join(data))
                    data = None
                    self.reply("250 OK: queued")
                else:
                    data.append(line)
                continue
            command = line.strip().split(b" ")[0].upper()
            if command in (b"EHLO", b"HELO"):
                self.reply("250 fake.smtp")
            elif command == b"DATA":
                data = []
                self.reply("354 End data with <CR><LF>.<CR><LF>")
            elif command == b"QUIT":
                self.reply("221 Bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.reply("250 OK")


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(akismet_port, smtp_port):
    akismet = ThreadingHTTPServer(("127.0.0.1", akismet_port), AkismetHandler)
    akismet.daemon_threads = True
    smtp = SMTPServer(("127.0.0.1", smtp_port), SMTPHandler)
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    print("ready", flush=True)
    akismet.serve_forever()


def install_loopback_akismet(port):
    """Make this process's Akismet client talk to the fake on `port` (the real client, the real HTTP)."""
    import akismet
    import httpx
    from django.conf import settings

    from comments import spam

    class ToLoopback(httpx.HTTPTransport):
        def handle_request(self, request):
            request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
            return super().handle_request(request)

    config = akismet.Config(key=settings.AKISMET_API_KEY, url=settings.AKISMET_BLOG_URL)
    http_client = httpx.Client(
        transport=ToLoopback(), headers={"User-Agent": akismet.USER_AGENT}, timeout=settings.AKISMET_TIMEOUT
    )
    spam._client = akismet.SyncClient(config=config, http_client=http_client)
    return spam._client


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))


@dataclass
class Services:
    """The running fakes, as a test drives them."""

    akismet_port: int
    smtp_port: int

    def set(self, service, mode):
        import httpx

        response = httpx.post(f"http://127.0.0.1:{self.akismet_port}/control/{service}/{mode}", timeout=5)
        assert response.status_code == 200, response.text

    def stats(self):
        import httpx

        return httpx.get(f"http://127.0.0.1:{self.akismet_port}/control/stats", timeout=5).json()

    def messages(self):
        import httpx

        return httpx.get(f"http://127.0.0.1:{self.akismet_port}/control/messages", timeout=10).json()


@pytest.fixture(scope="module")
def services():
    """The fake Akismet and mail server in a process of their own, for a test module."""
    from tools.localstack import free_port

    akismet_port, smtp_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_services", str(akismet_port), str(smtp_port)],
        cwd=Path(__file__).resolve().parent.parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready and process.stdout.readline().strip() == "ready", "the fake services did not start"
        yield Services(akismet_port, smtp_port)
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()
