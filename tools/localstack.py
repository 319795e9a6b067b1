"""The real production stack on loopback: nginx (deploy/nginx) in front of gunicorn (deploy/gunicorn.conf.py).

`build()` makes a throw-away install in a prefix (its own database, static
files, certificate and ports) and renders the nginx site with deploy/render.py
exactly as docs/DEPLOY.md does; with ESCRIBE_DATABASE_URL set, the install's
database is a new one on that PostgreSQL server, which `drop_database()`
removes. `running()` starts nginx and gunicorn with the production settings
and stops them on the way out; `extra_gunicorn()` starts one more gunicorn on
a loopback TCP port. The stack tests (tests/support/stack.py) and the benchmark
(bench/run.py) both use it. Every wait is bounded; a stack that does not come
up raises StackError with the tails of its logs.
"""

import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import httpx
import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
HOST = "blog.test"
GUNICORN_CONFIG = "deploy/gunicorn.conf.py"
START_TIMEOUT = 30  # seconds for nginx and gunicorn to answer
STOP_TIMEOUT = 10
COMMAND_TIMEOUT = 120


class StackError(RuntimeError):
    """The stack could not be built or started; the message says why, with the logs."""


def find_program(name, *fallbacks):
    """A system program's path, or StackError naming what to install."""
    for candidate in (name, *fallbacks):
        path = shutil.which(candidate) or (candidate if os.access(candidate, os.X_OK) else None)
        if path:
            return path
    raise StackError(f"{name} is not installed (apt-get install {name})")


def free_port():
    """A TCP port nobody listens on now (nginx binds all addresses, so check those)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


def production_env(prefix, https_port, host=HOST):
    """The environment of a production install rooted at `prefix` (escribe.settings, not tests.settings)."""
    prefix = Path(prefix)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "escribe.settings",
        "ESCRIBE_SECRET_KEY": secrets.token_urlsafe(50),
        "ESCRIBE_DEBUG": "0",
        "ESCRIBE_HTTPS": "1",
        "ESCRIBE_ALLOWED_HOSTS": host,
        "ESCRIBE_SITE_URL": f"https://{host}:{https_port}",
        "ESCRIBE_DB_PATH": str(prefix / "db.sqlite3"),
        # The caller's PostgreSQL server, if any; build() gives the install a database of its own there.
        "ESCRIBE_DATABASE_URL": os.environ.get("ESCRIBE_DATABASE_URL", ""),
        "ESCRIBE_STATIC_ROOT": str(prefix / "static"),
        "ESCRIBE_CACHE_DIR": str(prefix / "appcache"),
        "ESCRIBE_PAGES_DIR": str(prefix / "pages"),
        "ESCRIBE_MEDIA_ROOT": str(prefix / "media"),
        "ESCRIBE_TRUSTED_PROXIES": "unix",
        "ESCRIBE_GUNICORN_BIND": f"unix:{prefix / 'gunicorn.sock'}",
        "ESCRIBE_WORKERS": "2",
        "ESCRIBE_ACCESS_LOG": str(prefix / "access.log"),
        # Only nginx's limit may answer 429 in the stack tests.
        "ESCRIBE_COMMENT_RATE": "1000",
        # No network: comments are queued unchecked.
        "PYTHON_AKISMET_API_KEY": "",
    }


def fresh_database(server_url):
    """A new, empty database on the PostgreSQL server `server_url` names; returns its URL."""
    name = f"escribe_stack_{secrets.token_hex(6)}"
    _on_server(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def drop_database(stack):
    """Drop the stack's own PostgreSQL database once its processes are stopped; nothing to do on SQLite."""
    url = stack.env.get("ESCRIBE_DATABASE_URL")
    if url:
        name = dj_database_url.parse(url)["NAME"]
        _on_server(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _on_server(url, statement):
    # From the maintenance database, as Django's test runner does: CREATE and
    # DROP DATABASE cannot run inside a transaction, nor in the database dropped.
    db = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"],
        autocommit=True, connect_timeout=10, **db.get("OPTIONS", {}),
    ) as connection:  # fmt: skip
        connection.execute(statement)


def run_manage(env, *args, check=True, timeout=COMMAND_TIMEOUT):
    """Run manage.py with `env`; returns the CompletedProcess (text)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def make_certificate(openssl, directory, host=HOST):
    """A self-signed certificate for `host` (and localhost); returns (cert, key) paths."""
    cert, key = Path(directory) / "cert.pem", Path(directory) / "key.pem"
    names = ",".join(f"DNS:{name}" for name in dict.fromkeys([host, "localhost"]))
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            f"/CN={host}",
            "-addext",
            f"subjectAltName={names}",
        ],
        check=True,
        capture_output=True,
        timeout=COMMAND_TIMEOUT,
    )
    return cert, key


def render_site(prefix, template="deploy/nginx/escribe.conf", flags=(), **values):
    """A deploy/nginx template rendered by deploy/render.py into `prefix`/site.conf, as docs/DEPLOY.md does it.

    A list value is a list placeholder (one --each per item); `flags` turn on sections.
    """
    args = [f"--flag={flag}" for flag in flags]
    for name, value in values.items():
        items, option = (value, "--each") if isinstance(value, list) else ([value], "--set")
        args += [f"{option}={name}={item}" for item in items]
    output = Path(prefix) / "site.conf"
    subprocess.run(
        [sys.executable, "deploy/render.py", template, *args, "-o", str(output)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    return output


def checked_nginx_conf(nginx, prefix, site, worker_connections=256):
    """The stand-in nginx.conf around `site`, which `nginx -t` must accept; raises StackError with its reasons."""
    conf = write_main_conf(prefix, site, worker_connections)
    checked = subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-e", str(Path(prefix) / "nginx-error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    if checked.returncode != 0:
        raise StackError(f"nginx -t refused {site}:\n{checked.stderr}")
    return conf


def write_header_snippets(env, prefix):
    """The security-header snippets the nginx sites include (`manage.py page_headers`), from `env`'s settings."""
    run_manage(env, "page_headers", "--output", str(Path(prefix) / "page-headers.conf"))
    run_manage(env, "page_headers", "--any-response", "--output", str(Path(prefix) / "security-headers.conf"))


def write_main_conf(prefix, site, worker_connections=256):
    """A stand-in nginx.conf around the site, with Debian's http-level settings the site must not repeat."""
    prefix = Path(prefix)
    temp = prefix / "nginx-temp"
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / name).mkdir(parents=True, exist_ok=True)
    # Root's workers would run as "nobody" and could not reach the socket.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes 2;
pid {prefix / "nginx.pid"};
error_log {prefix / "nginx-error.log"} notice;
events {{ worker_connections {worker_connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    # As in Debian's stock nginx.conf: the site must not set these again in http context.
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    gzip on;
    access_log {prefix / "nginx-access.log"};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
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
    """The stack: addresses, the production environment, its processes and request helpers."""

    prefix: Path
    http_port: int
    https_port: int
    env: dict
    password: str
    cert: Path
    host: str = HOST
    nginx_program: str = None
    nginx_conf: Path = None
    gunicorn: subprocess.Popen = None
    nginx: subprocess.Popen = None
    logs: dict = field(default_factory=dict)

    @property
    def origin(self):
        """The site's public origin, as a browser would send it."""
        return f"https://{self.host}:{self.https_port}"

    @property
    def access_log(self):
        """gunicorn's access log: every request that reached Django."""
        return self.prefix / "access.log"

    @property
    def socket(self):
        """gunicorn's unix socket, which nginx proxies to."""
        return self.prefix / "gunicorn.sock"

    def manage(self, *args, check=True, timeout=COMMAND_TIMEOUT):
        return run_manage(self.env, *args, check=check, timeout=timeout)

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
    def client(self, scheme="https", local_address=None):
        """An httpx client for 127.0.0.1 that presents itself as the stack's host (Host and SNI).

        It keeps no cookies between calls of `request` here: pass a Cookie
        header explicitly, so no test is logged in by accident.
        `local_address` (e.g. "127.0.0.2", loopback too) makes nginx see
        another client address, for limits kept per address.
        """
        port = self.https_port if scheme == "https" else self.http_port
        transport = httpx.HTTPTransport(verify=self.tls_context(), local_address=local_address)
        with httpx.Client(
            base_url=f"{scheme}://127.0.0.1:{port}", transport=transport, timeout=10, follow_redirects=False
        ) as client:
            yield _Client(client, f"{self.host}:{port}", self.host)

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
    """Requests through one connection pool, as the stack's host, never keeping cookies."""

    def __init__(self, client, host_header, server_name):
        self._client = client
        self._host = host_header
        self._server_name = server_name

    def request(self, method, path, *, headers=None, **kwargs):
        headers = {"Host": self._host, **(headers or {})}
        extensions = {"sni_hostname": self._server_name, **kwargs.pop("extensions", {})}
        response = self._client.request(method, path, headers=headers, extensions=extensions, **kwargs)
        self._client.cookies.clear()
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


def seed_demo(env):
    """The default content of a stack: the demo blog with its comments."""
    run_manage(env, "seed_demo", "--author", "author")


def build(prefix, nginx=None, openssl=None, *, host=HOST, populate=seed_demo, worker_connections=256):
    """A throw-away install in `prefix`, ready to start: database, content, static files, certificate, nginx conf.

    `populate(env)` fills the migrated database (after the author's account
    exists). Without `nginx` (and `openssl`) only the application side is
    made: start it with extra_gunicorn(), not running().
    """
    prefix = Path(prefix)
    prefix.mkdir(parents=True, exist_ok=True)
    http_port, https_port = free_port(), free_port()
    while https_port == http_port:
        https_port = free_port()
    env = production_env(prefix, https_port, host)
    if env["ESCRIBE_DATABASE_URL"]:
        env["ESCRIBE_DATABASE_URL"] = fresh_database(env["ESCRIBE_DATABASE_URL"])

    run_manage(env, "migrate", "--noinput", "-v", "0")
    created = run_manage(env, "create_author", "--no-color").stdout
    password = re.search(r"password: +(\S+)", created)  # the login box create_author prints
    if not password:
        raise StackError(f"create_author printed no password:\n{created}")
    populate(env)
    run_manage(env, "collectstatic", "--noinput", "-v", "0")
    stack = Stack(prefix, http_port, https_port, env, password.group(1), None, host, nginx)
    stack.logs = {"gunicorn access log": prefix / "access.log"}
    if nginx is None:
        return stack

    stack.cert, key = make_certificate(openssl, prefix, host)
    (prefix / "acme").mkdir(exist_ok=True)
    write_header_snippets(env, prefix)
    site = render_site(
        prefix,
        SERVER_NAME=host,
        HTTP_PORT=http_port,
        HTTPS_PORT=https_port,
        SOCKET=prefix / "gunicorn.sock",
        STATIC_ROOT=prefix / "static",
        PAGES_DIR=prefix / "pages",
        MEDIA_ROOT=prefix / "media",
        PAGE_HEADERS=prefix / "page-headers.conf",
        SECURITY_HEADERS=prefix / "security-headers.conf",
        ACME_ROOT=prefix / "acme",
        ACCESS_LOG=prefix / "nginx-access.log",
        SSL_CERT=stack.cert,
        SSL_KEY=key,
    )
    stack.nginx_conf = checked_nginx_conf(nginx, prefix, site, worker_connections)
    stack.logs = {
        "nginx error log": prefix / "nginx-error.log",
        "nginx output": prefix / "nginx.out",
        "gunicorn output": prefix / "gunicorn.out",
        **stack.logs,
    }
    return stack


def extend_gunicorn_config(namespace, worker_init):
    """Make a gunicorn config file's globals `namespace` deploy/gunicorn.conf.py as it is, plus `worker_init(worker)`.

    For the benchmark's and the fault tests' own configs: production's
    settings untouched, one more step after its post_worker_init.
    """
    config = REPO / GUNICORN_CONFIG
    exec(compile(config.read_text(), str(config), "exec"), namespace)  # noqa: S102 - our own config file
    deploy_init = namespace.get("post_worker_init")

    def post_worker_init(worker):
        if deploy_init is not None:
            deploy_init(worker)
        worker_init(worker)

    namespace["post_worker_init"] = post_worker_init


def gunicorn_command():
    """How to start the venv's gunicorn."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]


def start_gunicorn(stack, name, *, binds=(), config=GUNICORN_CONFIG, env=None, own_session=False):
    """Start a gunicorn of the stack's install; its output and pid file are `name`.out / `name`.pid in the prefix.

    `binds` replace the config's address (ESCRIBE_GUNICORN_BIND) when given;
    `env` is added to the stack's environment.
    """
    output = stack.prefix / f"{name}.out"
    stack.logs.setdefault(f"{name} output", output)
    command = [*gunicorn_command(), "-c", str(config), "--pid", str(stack.prefix / f"{name}.pid")]
    for address in binds:
        command += ["--bind", address]
    with open(output, "ab") as out:
        return subprocess.Popen(
            command,
            cwd=REPO,
            env={**stack.env, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=own_session,
        )


def wait_for(stack, processes, probe, what):
    """Call probe() until it returns (True, _); fail early when a process exits, late after START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    last = None
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise StackError(f"{name} exited with {process.returncode} while starting\n{stack.log_tails()}")
        try:
            ready, last = probe()
        except httpx.TransportError as error:
            ready, last = False, repr(error)
        if ready:
            return
        time.sleep(0.1)
    raise StackError(f"{what} did not answer within {START_TIMEOUT} s (last: {last})\n{stack.log_tails()}")


def healthy(response):
    return response.status_code == 200, f"{response.status_code} {response.text[:200]}"


def start_nginx(stack, *, own_session=False):
    """Start the stack's nginx in the foreground (its output in nginx.out); returns the master's Popen.

    `own_session` puts the master and its workers in a process group of their
    own, which one signal to the group stops whole (tools/stack.py).
    """
    command = [stack.nginx_program, "-p", str(stack.prefix), "-e", str(stack.prefix / "nginx-error.log")]
    with open(stack.prefix / "nginx.out", "ab") as out:
        return subprocess.Popen(
            [*command, "-c", str(stack.nginx_conf), "-g", "daemon off;"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=own_session,
        )


@contextmanager
def running(stack, *, config=GUNICORN_CONFIG, binds=(), env=None):
    """nginx and gunicorn started, /healthz answering through nginx; both stopped on the way out.

    `binds`, if given, replace gunicorn's address and must include the unix
    socket nginx proxies to (stack.socket); `env` is added to gunicorn's.
    """
    stack.nginx = start_nginx(stack)
    try:
        stack.gunicorn = start_gunicorn(stack, "gunicorn", binds=binds, config=config, env=env)
        wait_for(
            stack,
            {"nginx": stack.nginx, "gunicorn": stack.gunicorn},
            lambda: healthy(stack.get("/healthz")),
            "the stack's /healthz through nginx",
        )
        yield stack
    finally:
        for process in (stack.nginx, stack.gunicorn):
            if process is not None:
                stop(process)


@contextmanager
def extra_gunicorn(stack, name, *, config=GUNICORN_CONFIG, env=None):
    """One more gunicorn of the stack's install on 127.0.0.1:<port>; yields the port, stops it on the way out."""
    port = free_port()
    process = start_gunicorn(stack, name, binds=[f"127.0.0.1:{port}"], config=config, env=env)
    try:
        wait_for_gunicorn(stack, process, port, name)
        yield port
    finally:
        stop(process)


def wait_for_gunicorn(stack, process, port, name="gunicorn"):
    """Wait until a gunicorn on 127.0.0.1:`port` answers /healthz (over plain HTTP, as the stack's host)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, headers={"Host": stack.host}) as client:
        wait_for(stack, {name: process}, lambda: healthy(client.get("/healthz")), f"{name} on port {port}")
