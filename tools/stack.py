"""`make stack`: the production topology for several app hosts, on loopback (docs/SCALING.md).

    front nginx (deploy/nginx/front.conf, TLS, 127.0.0.1) ─▶ app host 1 on 127.0.0.2: nginx + gunicorn + page files
                                                          └▶ app host 2 on 127.0.0.3: ...
    app hosts ─▶ one PostgreSQL database      app hosts, front /media/ ─▶ one object store (moto) on 127.0.0.20

Each app host is a production install of its own (tools/localstack.py's
environment, in its own folder: page files, static files, sockets, logs)
whose nginx is deploy/nginx/escribe.conf rendered for a proxy in front
(PROXIED) and listening on the host's own address only. The front connects
to the hosts from FRONT_SOURCE, the one address they believe about the reader.
Every ESCRIBE_* and PYTHON_AKISMET_* variable the caller sets reaches every
host, except those that name one host's own files (HOST_OWN). The hosts'
processes run in sessions of their own, so a test can kill a host whole.

`python -m tools.stack --hosts 2` runs it until Ctrl-C or SIGTERM (the
Makefile's `stack` target gives it a throwaway PostgreSQL cluster); tests
use `running()`.
"""

import argparse
import json
import os
import secrets
import select
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tools import localstack, objectstore
from tools.apphost import FRONT_SOURCE, AppHost
from tools.localstack import HOST, REPO, Stack, StackError, free_port, run_manage

# front.conf's fail_timeout: how long the front leaves a host alone after it failed a request.
FRONT_FAIL_TIMEOUT = 3
MAX_HOSTS = 8  # 127.0.0.2 to 127.0.0.9: below FRONT_SOURCE
STORE_ADDRESS = "127.0.0.20"
BUCKET = "escribe-media"
# Settings naming one host's own files or sockets: each host has its own, whatever the caller set.
HOST_OWN = {
    "ESCRIBE_DB_PATH",
    "ESCRIBE_STATIC_ROOT",
    "ESCRIBE_CACHE_DIR",
    "ESCRIBE_PAGES_DIR",
    "ESCRIBE_MEDIA_ROOT",
    "ESCRIBE_BACKUP_DIR",
    "ESCRIBE_GUNICORN_BIND",
    "ESCRIBE_ACCESS_LOG",
    # The caller's server: the stack makes a database of its own there.
    "ESCRIBE_DATABASE_URL",
}


def caller_settings(environ):
    """What the caller set that every host must share (limits, mail server, Akismet key...)."""
    return {
        name: value
        for name, value in environ.items()
        if name.startswith(("ESCRIBE_", "PYTHON_AKISMET_")) and name not in HOST_OWN
    }


@dataclass
class Topology:
    """The running topology: the front, the app hosts, the database and the store."""

    prefix: Path
    front: Stack  # the front's addresses and a client through it (Stack.client, .get, .post, .origin)
    hosts: list
    database_url: str
    media_store_url: str
    media_url: str
    store_endpoint: str
    front_nginx: subprocess.Popen = None
    store: subprocess.Popen = None
    processes: list = field(default_factory=list)

    @property
    def front_url(self):
        return self.front.origin

    @property
    def password(self):
        return self.front.password

    def manage(self, *args, **kwargs):
        return self.hosts[0].stack.manage(*args, **kwargs)

    def shell(self, code):
        return self.hosts[0].stack.shell(code)

    def rolling_restart(self):
        """Restart the hosts one at a time, none stopping before the front counts the one before it back in."""
        for host in self.hosts:
            host.restart()  # stopped gracefully, started, /healthz answering
            time.sleep(FRONT_FAIL_TIMEOUT + 1)

    def describe(self):
        """What var/stack.json holds."""
        return {
            "front_url": self.front_url,
            "front_certificate": str(self.front.cert),
            "front_nginx_pid": self.front_nginx.pid if self.front_nginx else None,
            "author": "author",
            "password": self.password,
            "database_url": self.database_url,
            "media_store_url": self.media_store_url,
            "media_url": self.media_url,
            "hosts": [host.describe() for host in self.hosts],
        }

    def write(self, path):
        path = Path(path)
        path.write_text(json.dumps(self.describe(), indent=2) + "\n")
        path.chmod(0o600)  # it holds the author's password and the database's

    def log_tails(self):
        logs = [self.front.log_tails()] + [host.stack.log_tails() for host in self.hosts]
        return "\n".join(logs)


def _start_store(prefix, port):
    out = open(prefix / "objectstore.out", "ab")  # noqa: SIM115 - kept open by the child
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.objectstore", STORE_ADDRESS, str(port), BUCKET],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=out,
        text=True,
        start_new_session=True,
    )
    out.close()
    ready, _, _ = select.select([process.stdout], [], [], localstack.START_TIMEOUT)
    if not ready or process.stdout.readline().strip() != "ready":
        localstack.stop(process)
        raise StackError(f"the object store did not start\n{localstack.tail(prefix / 'objectstore.out')}")
    return process


def _build_front(topology, nginx, openssl, http_port):
    front = topology.front
    prefix = front.prefix
    front.cert, key = localstack.make_certificate(openssl, prefix, front.host)
    (prefix / "acme").mkdir(exist_ok=True)
    headers = prefix / "security-headers.conf"
    run_manage(topology.hosts[0].stack.env, "page_headers", "--any-response", "--output", str(headers))
    site = localstack.render_site(
        prefix,
        "deploy/nginx/front.conf",
        ["BIND", "MEDIA_STORE"],
        SERVER_NAME=front.host,
        HTTP_PORT=http_port,
        HTTPS_PORT=front.https_port,
        LISTEN_ADDRESS="127.0.0.1",
        APP_HOST=[f"{host.address}:{host.port}" for host in topology.hosts],
        SSL_CERT=front.cert,
        SSL_KEY=key,
        ACME_ROOT=prefix / "acme",
        SECURITY_HEADERS=headers,
        ACCESS_LOG=prefix / "access.log",
        SOURCE_ADDRESS=FRONT_SOURCE,
        MEDIA_STORE_URL=f"{topology.store_endpoint}/{BUCKET}/",
    )
    front.nginx_program, front.nginx_conf = nginx, localstack.checked_nginx_conf(nginx, prefix, site)
    front.logs = {"front nginx error log": prefix / "nginx-error.log", "front access log": prefix / "access.log"}


def _build_host(topology, number, nginx, port, shared, config):
    prefix = topology.prefix / f"host{number + 1}"
    prefix.mkdir(parents=True, exist_ok=True)
    env = {**localstack.production_env(prefix, topology.front.https_port, topology.front.host), **shared}
    env["ESCRIBE_BACKUP_DIR"] = str(prefix / "backups")
    stack = Stack(prefix, port, topology.front.https_port, env, "", None, topology.front.host)
    host = AppHost(number, f"127.0.0.{2 + number}", port, stack, config)
    run_manage(env, "collectstatic", "--noinput", "-v", "0")
    localstack.write_header_snippets(env, prefix)
    site = localstack.render_site(
        prefix,
        "deploy/nginx/escribe.conf",
        ["PROXIED"],
        SERVER_NAME=topology.front.host,
        HTTP_PORT=port,
        HTTPS_PORT=topology.front.https_port,
        LISTEN_ADDRESS=host.address,
        PROXY=[FRONT_SOURCE],
        CHECK_SOCKET=prefix / "check.sock",
        SOCKET=prefix / "gunicorn.sock",
        STATIC_ROOT=prefix / "static",
        PAGES_DIR=prefix / "pages",
        MEDIA_ROOT=prefix / "media",
        PAGE_HEADERS=prefix / "page-headers.conf",
        SECURITY_HEADERS=prefix / "security-headers.conf",
        ACCESS_LOG=prefix / "nginx-access.log",
    )
    host.stack.nginx_program, host.stack.nginx_conf = nginx, localstack.checked_nginx_conf(nginx, prefix, site)
    host.stack.logs = {
        f"host {number + 1} nginx error log": prefix / "nginx-error.log",
        f"host {number + 1} gunicorn output": prefix / "gunicorn.out",
    }
    return host


@contextmanager
def running(
    prefix, hosts=2, *, nginx, openssl, environ=None, populate=localstack.seed_demo, config=None, server_name=HOST
):
    """The topology built in `prefix` and started; everything stopped, and its database dropped, on the way out.

    `environ` is the caller's environment (os.environ by default): its
    ESCRIBE_DATABASE_URL names the PostgreSQL server the stack makes its
    database on, and its other settings reach every host (caller_settings).
    `server_name` is the blog's name (the benchmark's wrk needs one that resolves: localhost).
    """
    environ = os.environ if environ is None else environ
    if not 1 <= hosts <= MAX_HOSTS:
        raise StackError(f"between 1 and {MAX_HOSTS} hosts, not {hosts}")
    server = environ.get("ESCRIBE_DATABASE_URL")
    if not server:
        raise StackError("several hosts share one PostgreSQL server: set ESCRIBE_DATABASE_URL (`make stack` does)")
    prefix = Path(prefix)
    prefix.mkdir(parents=True, exist_ok=True)
    with ExitStack() as cleanup:
        store_port = free_port()
        store = _start_store(prefix, store_port)
        cleanup.callback(localstack.stop, store)
        database_url = localstack.fresh_database(server)
        cleanup.callback(
            localstack.drop_database, Stack(prefix, 0, 0, {"ESCRIBE_DATABASE_URL": database_url}, "", None)
        )
        front_http, front_https, host_port = free_port(), free_port(), free_port()
        front = Stack(prefix / "front", front_http, front_https, {}, "", None, server_name)
        front.prefix.mkdir(exist_ok=True)
        endpoint = f"http://{STORE_ADDRESS}:{store_port}"
        shared = {
            "ESCRIBE_SECRET_KEY": secrets.token_urlsafe(50),
            "ESCRIBE_MEDIA_STORAGE_URL": f"s3://{BUCKET}?endpoint_url={endpoint}&region={objectstore.REGION}",
            # Served by the front from the store (front.conf, MEDIA_STORE): same origin, HTTPS.
            "ESCRIBE_MEDIA_URL": f"{front.origin}/media/",
            "AWS_ACCESS_KEY_ID": objectstore.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": objectstore.SECRET_KEY,
            "ESCRIBE_TRUSTED_PROXIES": "unix",
            **caller_settings(environ),
            "ESCRIBE_DATABASE_URL": database_url,
        }
        topology = Topology(prefix, front, [], database_url, shared["ESCRIBE_MEDIA_STORAGE_URL"],
                            shared["ESCRIBE_MEDIA_URL"], endpoint, store=store)  # fmt: skip
        first = {**localstack.production_env(prefix / "host1", front_https, server_name), **shared}
        run_manage(first, "migrate", "--noinput", "-v", "0")
        created = run_manage(first, "create_author", "--no-color").stdout
        password = created.split("password:")[1].split()[0] if "password:" in created else None
        if not password:
            raise StackError(f"create_author printed no password:\n{created}")
        front.password, front.env = password, first
        populate(first)
        for number in range(hosts):
            topology.hosts.append(_build_host(topology, number, nginx, host_port, shared, config))
        _build_front(topology, nginx, openssl, front_http)
        for host in topology.hosts:
            cleanup.callback(host.stop)
            host.start()
            host.wait_healthy()
        topology.front_nginx = localstack.start_nginx(front, own_session=True)
        cleanup.callback(localstack.stop, topology.front_nginx, signal.SIGQUIT)
        localstack.wait_for(
            front,
            {"front nginx": topology.front_nginx},
            lambda: localstack.healthy(front.get("/healthz")),
            "/healthz through the front",
        )
        yield topology


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run E-Scribe's production topology on loopback (docs/SCALING.md).")
    parser.add_argument("--hosts", type=int, default=1, help=f"app hosts, 1 to {MAX_HOSTS} (default 1)")
    parser.add_argument("--state", type=Path, default=REPO / "var" / "stack.json", help="where to describe it")
    args = parser.parse_args(argv)
    nginx = localstack.find_program("nginx", "/usr/sbin/nginx")
    openssl = localstack.find_program("openssl", "/usr/bin/openssl")
    # SIGTERM stops it as Ctrl-C does: every process, the store, the database.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    prefix = REPO / "var" / f"stack-{os.getpid()}"
    try:
        with running(prefix, args.hosts, nginx=nginx, openssl=openssl) as topology:
            topology.write(args.state)
            lines = [
                f"E-Scribe on {args.hosts} host{'s' if args.hosts > 1 else ''}: {topology.front_url}/",
                f"  (blog.test is 127.0.0.1: curl --resolve blog.test:{topology.front.https_port}:127.0.0.1 "
                f"--cacert {topology.front.cert} {topology.front_url}/)",
                f"  Author: author, password: {topology.password} (admin: {topology.front_url}/admin/)",
                *(f"  Host {host.number + 1}: {host.url}/ (page files in {host.pages_dir})" for host in topology.hosts),
                f"  Described in {args.state}. Ctrl-C stops everything.",
            ]
            print("\n".join(lines), flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except StackError as error:
        print(f"make stack: {error}", file=sys.stderr)
        return 1
    finally:
        args.state.unlink(missing_ok=True)
        subprocess.run(["rm", "-rf", str(prefix)], check=False)
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
