"""Starting the real production stack on loopback: nginx (deploy/nginx) in front of gunicorn.

The `stack` fixture builds a throw-away install in a temporary prefix (its own
database, static files, certificate and ports), renders the nginx site with
deploy/render.py exactly as docs/DEPLOY.md does, runs gunicorn with
deploy/gunicorn.conf.py and the production settings, and yields a `Stack`.
Every wait is bounded; on a failing test the tails of all logs are attached
to the report.
"""

import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.system import require_program

REPO = Path(__file__).resolve().parent.parent
HOST = "blog.test"
START_TIMEOUT = 30  # seconds for nginx and gunicorn to answer
STOP_TIMEOUT = 10
COMMAND_TIMEOUT = 120


def free_port():
    """A TCP port nobody listens on now (nginx binds all addresses, so check those)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


def production_env(prefix, https_port):
    """The environment of a production install rooted at `prefix` (escribe.settings, not tests.settings)."""
    prefix = Path(prefix)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "escribe.settings",
        "ESCRIBE_SECRET_KEY": secrets.token_urlsafe(50),
        "ESCRIBE_DEBUG": "0",
        "ESCRIBE_HTTPS": "1",
        "ESCRIBE_ALLOWED_HOSTS": HOST,
        "ESCRIBE_SITE_URL": f"https://{HOST}:{https_port}",
        "ESCRIBE_DB_PATH": str(prefix / "db.sqlite3"),
        "ESCRIBE_STATIC_ROOT": str(prefix / "static"),
        "ESCRIBE_CACHE_DIR": str(prefix / "appcache"),
        "ESCRIBE_TRUSTED_PROXIES": "unix",
        "ESCRIBE_GUNICORN_BIND": f"unix:{prefix / 'gunicorn.sock'}",
        "ESCRIBE_WORKERS": "2",
        "ESCRIBE_ACCESS_LOG": str(prefix / "access.log"),
        # Only nginx's limit may answer 429 in these tests.
        "ESCRIBE_COMMENT_RATE": "1000",
        # No network: comments are queued unchecked.
        "PYTHON_AKISMET_API_KEY": "",
    }


def run_manage(env, *args, check=True):
    """Run manage.py with `env`; returns the CompletedProcess (text)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def make_certificate(openssl, directory):
    """A self-signed certificate for blog.test (and localhost); returns (cert, key) paths."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={HOST}",
            "-addext", f"subjectAltName=DNS:{HOST},DNS:localhost",
        ],
        check=True, capture_output=True, timeout=COMMAND_TIMEOUT,
    )
    return cert, key


def render_site(prefix, **values):
    """deploy/nginx/escribe.conf rendered by deploy/render.py, as docs/DEPLOY.md does it."""
    args = [f"--set={name}={value}" for name, value in values.items()]
    output = prefix / "site.conf"
    subprocess.run(
        [sys.executable, "deploy/render.py", "deploy/nginx/escribe.conf", *args, "-o", str(output)],
        cwd=REPO, check=True, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
    )
    return output


def write_main_conf(prefix, site):
    """A test-only nginx.conf around the site, with Debian's http-level settings the site must not repeat."""
    temp = prefix / "nginx-temp"
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / name).mkdir(parents=True, exist_ok=True)
    # Root's workers would run as "nobody" and could not reach the socket.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes 2;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'nginx-error.log'} notice;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    # As in Debian's stock nginx.conf: the site must not set these again in http context.
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    gzip on;
    access_log {prefix / 'nginx-access.log'};
    client_body_temp_path {temp / 'body'};
    proxy_temp_path {temp / 'proxy'};
    fastcgi_temp_path {temp / 'fastcgi'};
    uwsgi_temp_path {temp / 'uwsgi'};
    scgi_temp_path {temp / 'scgi'};
    include {site};
}}
"""
    )
    return conf


def stop(process, sig=signal.SIGTERM):
    """Stop a process we started: the signal, a bounded wait, then SIGKILL."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def tail(path, lines=40):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no file)"


@dataclass
class Stack:
    """The running stack: addresses, the production environment and request helpers."""

    prefix: Path
    http_port: int
    https_port: int
    env: dict
    password: str
    cert: Path
    gunicorn: subprocess.Popen = None
    nginx: subprocess.Popen = None
    logs: dict = field(default_factory=dict)

    @property
    def origin(self):
        """The site's public origin, as a browser would send it."""
        return f"https://{HOST}:{self.https_port}"

    @property
    def access_log(self):
        """gunicorn's access log: every request that reached Django."""
        return self.prefix / "access.log"

    def manage(self, *args, check=True):
        return run_manage(self.env, *args, check=check)

    def shell(self, code):
        """Run Python in `manage.py shell` with the production settings; returns its stdout."""
        return self.manage("shell", "-v", "0", "-c", code).stdout

    def tls_context(self, verify=True):
        context = ssl.create_default_context(cafile=str(self.cert))
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    @contextmanager
    def client(self, scheme="https"):
        """An httpx client for 127.0.0.1 that presents itself as blog.test (Host and SNI).

        It keeps no cookies between calls of `request` here: pass a Cookie
        header explicitly, so no test is logged in by accident.
        """
        port = self.https_port if scheme == "https" else self.http_port
        with httpx.Client(
            base_url=f"{scheme}://127.0.0.1:{port}", verify=self.tls_context(), timeout=10, follow_redirects=False
        ) as client:
            yield _Client(client, f"{HOST}:{port}")

    def request(self, method, path, *, scheme="https", **kwargs):
        with self.client(scheme) as client:
            return client.request(method, path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def gunicorn_pid(self):
        return int((self.prefix / "gunicorn.pid").read_text().strip())

    def log_tails(self):
        return "\n".join(f"===== {name}: {path}\n{tail(path)}" for name, path in self.logs.items())


class _Client:
    """Requests through one connection pool, as blog.test, never keeping cookies."""

    def __init__(self, client, host):
        self._client = client
        self._host = host

    def request(self, method, path, *, headers=None, **kwargs):
        headers = {"Host": self._host, **(headers or {})}
        extensions = {"sni_hostname": HOST, **kwargs.pop("extensions", {})}
        response = self._client.request(method, path, headers=headers, extensions=extensions, **kwargs)
        self._client.cookies.clear()
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


class _LogsOnFailure:
    """A plugin, registered while the stack runs, that attaches the stack's logs to failing tests."""

    def __init__(self, stack):
        self.stack = stack

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.failed and "stack" in getattr(item, "fixturenames", ()):
            report.sections.append(("stack logs", self.stack.log_tails()))
        return report


def _wait_until_ready(stack):
    """Poll /healthz through nginx until it answers 200; fail with the logs if it never does."""
    deadline = time.monotonic() + START_TIMEOUT
    last = None
    while time.monotonic() < deadline:
        for name, process in (("nginx", stack.nginx), ("gunicorn", stack.gunicorn)):
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode} while starting\n{stack.log_tails()}")
        try:
            response = stack.get("/healthz")
        except httpx.TransportError as error:
            last = repr(error)
        else:
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:200]}"
        time.sleep(0.1)
    pytest.fail(f"the stack did not answer /healthz within {START_TIMEOUT} s (last: {last})\n{stack.log_tails()}")


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """nginx + gunicorn with the production settings on 127.0.0.1, shared by a test module."""
    nginx = require_program("nginx", "/usr/sbin/nginx")
    openssl = require_program("openssl", "/usr/bin/openssl")
    prefix = tmp_path_factory.mktemp("stack")
    http_port, https_port = free_port(), free_port()
    while https_port == http_port:
        https_port = free_port()
    env = production_env(prefix, https_port)

    run_manage(env, "migrate", "--noinput", "-v", "0")
    created = run_manage(env, "create_author", "--no-color").stdout
    password = re.search(r"with password '([^']+)'", created)
    assert password, f"create_author printed no password:\n{created}"
    run_manage(env, "seed_demo", "--author", "author")
    run_manage(env, "collectstatic", "--noinput", "-v", "0")

    cert, key = make_certificate(openssl, prefix)
    (prefix / "acme").mkdir()
    site = render_site(
        prefix,
        SERVER_NAME=HOST,
        HTTP_PORT=http_port,
        HTTPS_PORT=https_port,
        SOCKET=prefix / "gunicorn.sock",
        STATIC_ROOT=prefix / "static",
        CACHE_DIR=prefix / "nginx-cache",
        ACME_ROOT=prefix / "acme",
        SSL_CERT=cert,
        SSL_KEY=key,
    )
    conf = write_main_conf(prefix, site)

    stack = Stack(prefix, http_port, https_port, env, password.group(1), cert)
    stack.logs = {
        "nginx error log": prefix / "nginx-error.log",
        "nginx output": prefix / "nginx.out",
        "gunicorn output": prefix / "gunicorn.out",
        "gunicorn access log": prefix / "access.log",
    }
    checked = subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-e", str(prefix / "nginx-error.log"), "-c", str(conf)],
        capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
    )
    assert checked.returncode == 0, f"nginx -t refused the rendered site:\n{checked.stderr}"

    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
    plugin = _LogsOnFailure(stack)
    request.config.pluginmanager.register(plugin)
    with open(prefix / "nginx.out", "wb") as nginx_out, open(prefix / "gunicorn.out", "wb") as gunicorn_out:
        try:
            stack.nginx = subprocess.Popen(
                [nginx, "-p", str(prefix), "-e", str(prefix / "nginx-error.log"), "-c", str(conf), "-g", "daemon off;"],
                stdout=nginx_out, stderr=subprocess.STDOUT,
            )
            stack.gunicorn = subprocess.Popen(
                [*command, "-c", "deploy/gunicorn.conf.py", "--pid", str(prefix / "gunicorn.pid")],
                cwd=REPO, env=env, stdout=gunicorn_out, stderr=subprocess.STDOUT,
            )
            _wait_until_ready(stack)
            yield stack
        finally:
            for process in (stack.nginx, stack.gunicorn):
                if process is not None:
                    stop(process)
            request.config.pluginmanager.unregister(plugin)
