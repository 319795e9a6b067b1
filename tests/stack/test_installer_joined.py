"""deploy/install --join: one more app host of a blog whose PostgreSQL and object store other hosts share.

The refusals are fast and change nothing. The join itself (marked
`installer`) runs on the PostgreSQL pass only (`bash .ci/postgres.sh`): it
makes a database in that cluster as host 1 would have (migrated, the
author's account), reaches it through this machine's network address as
another host would, and installs a clean clone with --join from host 1's
env file, first with a wrong password (stopped before the settings are
written), then with the right one. Its own module, so its install never runs
beside another installer test's (one system user escribe).
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from contextlib import closing, contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest

from deploy.installer import doctor
from deploy.installer.layout import Layout
from tests.stack.test_installer import HOST, Installed, assert_refused, install, scratch_install, snapshot, user_exists
from tests.support.stack import REPO
from tests.support.system import missing
from tools.localstack import free_port

SECRET_KEY = "host-1s-secret-key-" + "x" * 40
STORE = [
    "ESCRIBE_MEDIA_STORAGE_URL=s3://escribe-media?endpoint_url=http://192.0.2.50:9000&region=eu-west-1",
    "ESCRIBE_MEDIA_URL=http://192.0.2.50:9000/escribe-media/",
    "AWS_ACCESS_KEY_ID=host1-access-key",
    "AWS_SECRET_ACCESS_KEY=host1-secret-access-key",
]
# Lines of host 1's env file the joining host must not take: they name host 1's own folders.
HOST_1_PATHS = ["ESCRIBE_STATIC_ROOT=/srv/host1/var/static", "ESCRIBE_PAGES_DIR=/srv/host1/var/pages",
                "ESCRIBE_MEDIA_ROOT=/srv/host1/var/media", "ESCRIBE_BACKUP_DIR=/srv/host1/var/backups",
                "ESCRIBE_WORKERS=9"]  # fmt: skip


def env_text(database_line, *, secret=True, store=True):
    """host 1's /etc/escribe/env as deploy/install wrote it, with the operator's additions (store, mail)."""
    return "\n".join([
        "# E-Scribe's settings, in systemd's EnvironmentFile syntax (docs/DEPLOY.md).",
        *([f"ESCRIBE_SECRET_KEY={SECRET_KEY}"] if secret else []),
        f"ESCRIBE_ALLOWED_HOSTS={HOST}",
        f"ESCRIBE_SITE_URL=https://{HOST}",
        database_line,
        *HOST_1_PATHS,
        "ESCRIBE_TRUSTED_PROXIES=unix",
        "ESCRIBE_GUNICORN_BIND=unix:/run/escribe/gunicorn.sock",
        f"PYTHON_AKISMET_BLOG_URL=https://{HOST}",
        *(STORE if store else []),
        'ESCRIBE_DEFAULT_FROM_EMAIL="Host One <blog@example.com>"',
    ]) + "\n"  # fmt: skip


def network_address():
    """This machine's address on its network (what another host reaches it by), or None: loopback only."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: the routing table picks the source address
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.fixture
def root(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian 12"\n')
    return tmp_path


# --- Refusals: before anything changes --------------------------------------------------------


def closed_port_url():
    """A PostgreSQL URL on a network address where nothing listens."""
    return f"ESCRIBE_DATABASE_URL=postgres://escribe:pw@{network_address() or '192.0.2.1'}:{free_port()}/escribe"


@pytest.mark.parametrize(("text", "args", "message"), [
    (None, [], "cannot read it"),
    (env_text("ESCRIBE_DB_PATH=/srv/escribe/var/db/escribe.sqlite3"), [], "that blog is on SQLite"),
    (env_text("ESCRIBE_DATABASE_URL=sqlite:////srv/escribe/var/db/escribe.sqlite3"), [], "not PostgreSQL"),
    (env_text("ESCRIBE_DATABASE_URL=postgres://escribe:pw@127.0.0.1:5432/escribe"), [], "host 1's own loopback"),
    (env_text("ESCRIBE_DATABASE_URL=postgres://escribe:pw@localhost/escribe"), [], "host 1's own loopback"),
    (env_text("ESCRIBE_DATABASE_URL=postgres://escribe:pw@[::1]:5432/escribe"), [], "host 1's own loopback"),
    (env_text("ESCRIBE_DATABASE_URL=postgres://escribe:pw@db.example.com/escribe", store=False), [],
     "has no ESCRIBE_MEDIA_STORAGE_URL"),
    (env_text("ESCRIBE_DATABASE_URL=postgres://escribe:pw@db.example.com/escribe", secret=False), [],
     "has no ESCRIBE_SECRET_KEY"),
    (env_text("ESCRIBE_DATABASE_URL=postgres://escribe:pw@db.example.com/escribe"), ["--database", "postgres"],
     "--database is host 1's"),
    (None, ["--closed-port"], "does not answer"),
    (None, ["--other-name"], f"that blog is {HOST}, and every host of a blog answers to its one name"),
])  # fmt: skip
def test_a_join_that_cannot_share_the_blog_is_refused_and_changes_nothing(root, tmp_path_factory, text, args,
                                                                            message):  # fmt: skip
    host_1_env = tmp_path_factory.mktemp("host1") / "env"
    name = []
    if "--closed-port" in args:
        text, args = env_text(closed_port_url()), []
    if "--other-name" in args:
        text, args, name = env_text(closed_port_url()), [], ["other.example.com"]
    if text is not None:
        host_1_env.write_text(text)
    before, user_before = snapshot(root), user_exists()
    result = install(*name, "--join", host_1_env, "--tls", "none", "--proxy", "127.0.0.1",
                     "--http-port", free_port(), *args, root=root)  # fmt: skip
    assert_refused(result, message, root, before, user_before)
    # One line: the operator reads what to fix, not a traceback.
    assert len(result.stderr.splitlines()) == 2, result.stderr


def test_join_on_a_server_with_a_blog_installed_is_refused(root, tmp_path):
    (root / "etc" / "escribe").mkdir()
    (root / "etc" / "escribe" / "install.json").write_text(json.dumps({
        "name": HOST, "email": "", "tls": "none", "database": "sqlite", "http_port": free_port(), "https_port": 443,
        "proxies": ["127.0.0.1"], "app": str(REPO),
    }))  # fmt: skip
    host_1_env = tmp_path / "host1.env"
    host_1_env.write_text(env_text("ESCRIBE_DATABASE_URL=postgres://escribe:pw@db.example.com/escribe"))
    before, user_before = snapshot(root), user_exists()
    result = install("--join", host_1_env, root=root)
    assert_refused(result, f"this server's blog {HOST} is installed already; --join is for a new host", root,
                   before, user_before)  # fmt: skip


# --- A real join of a database on PostgreSQL --------------------------------------------------


class Forwarder:
    """TCP from `address`:a free port to `target`: the cluster listens on loopback, a second host would not."""

    def __init__(self, address, target):
        self.target = target
        self.listener = socket.create_server((address, 0))
        self.address = self.listener.getsockname()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for one, other in ((client, server), (server, client)):
                threading.Thread(target=self.pipe, args=(one, other), daemon=True).start()

    @staticmethod
    def pipe(source, sink):
        with closing(source), closing(sink):
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass

    def close(self):
        self.listener.close()


@contextmanager
def host_1_database():
    """(URL as host 1 has it, URL as a second host reaches it): a database made in the pass's cluster, then dropped."""
    import psycopg

    given = urlsplit(os.environ["ESCRIBE_DATABASE_URL"])
    name = f"escribe_join_{secrets.token_hex(4)}"
    admin = urlunsplit(given._replace(scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    address = network_address()
    if address is None:
        missing("this machine has no network address besides loopback: a second host could not reach it")
    forwarder = Forwarder(address, (given.hostname, given.port))
    credentials = given.netloc.rpartition("@")[0]
    remote = given._replace(netloc=f"{credentials}@{address}:{forwarder.address[1]}", path=f"/{name}")
    try:
        yield urlunsplit(given._replace(path=f"/{name}")), urlunsplit(remote)
    finally:
        forwarder.close()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def host_1_manage(url, *args):
    """manage.py as host 1 ran it when it was installed: this checkout, host 1's database."""
    env = {**os.environ, "ESCRIBE_DATABASE_URL": url, "ESCRIBE_SECRET_KEY": SECRET_KEY}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    with scratch_install("escribe-installer-joined-", on_postgres=True) as (root, app):
        if not any(os.access(f"{folder}/pg_dump", os.X_OK) for folder in ("/usr/bin", "/usr/local/bin")):
            missing("the join test needs pg_dump (postgresql-client) installed first: the installer would apt-get it")
        with host_1_database() as (local_url, remote_url):
            host_1_manage(local_url, "migrate", "--noinput")
            host_1_manage(local_url, "create_author", "--email", "me@example.com")
            host_1_env = tmp_path_factory.mktemp("host1") / "env"
            user, _, rest = urlsplit(remote_url).netloc.partition(":")
            wrong = remote_url.replace(f"{user}:{rest.partition('@')[0]}@", f"{user}:not-the-password@")
            host_1_env.write_text(env_text(f"ESCRIBE_DATABASE_URL={wrong}"))
            http_port = free_port()
            command = ["--join", host_1_env, "--tls", "none", "--proxy", "127.0.0.1", "--http-port", http_port]
            started = time.monotonic()
            refused = install(*command, root=root, script=app / "deploy/install")
            host_1_env.write_text(env_text(f"ESCRIBE_DATABASE_URL={remote_url}"))
            first = install(*command, root=root, script=app / "deploy/install")
            assert first.returncode == 0, first.stdout + first.stderr
            print(f"join (a refused attempt, then the install): {time.monotonic() - started:.1f} s")
            site = Installed(root, http_port, 443, {}, "", None, HOST)
            site.app, site.first, site.refused, site.remote_url = app, first, refused, remote_url
            yield site


@pytest.mark.installer
def test_a_wrong_database_password_stops_the_join_before_the_settings_are_written(joined):
    assert joined.refused.returncode == 1, joined.refused.stdout + joined.refused.stderr
    assert "step 'the shared database (connect as the app)' failed" in joined.refused.stderr
    assert "password authentication failed" in joined.refused.stderr
    assert "Wrote" not in joined.refused.stdout.split("==> Settings")[1]


@pytest.mark.installer
def test_the_joined_host_has_the_blogs_secret_key_and_store_and_paths_of_its_own(joined):
    env = joined.prefix / "etc/escribe/env"
    assert env.stat().st_mode & 0o777 == 0o600
    lines = env.read_text().splitlines()
    for line in [f"ESCRIBE_SECRET_KEY={SECRET_KEY}", f"ESCRIBE_DATABASE_URL={joined.remote_url}", *STORE,
                 'ESCRIBE_DEFAULT_FROM_EMAIL="Host One <blog@example.com>"', f"ESCRIBE_SITE_URL=https://{HOST}",
                 f"ESCRIBE_STATIC_ROOT={joined.app}/var/static", f"ESCRIBE_PAGES_DIR={joined.app}/var/pages",
                 "ESCRIBE_GUNICORN_BIND=unix:" + str(joined.prefix / "run/escribe/gunicorn.sock")]:  # fmt: skip
        assert line in lines
    assert [line for line in lines if line.startswith("ESCRIBE_SECRET_KEY=")] == [f"ESCRIBE_SECRET_KEY={SECRET_KEY}"]
    assert not set(HOST_1_PATHS) & set(lines)
    assert not any(line.startswith("ESCRIBE_DB_PATH=") for line in lines)
    assert json.loads((joined.prefix / "etc/escribe/install.json").read_text())["joined"] is True


@pytest.mark.installer
def test_the_joined_host_makes_no_author_and_shows_no_password(joined):
    out = joined.first.stdout
    assert "password:" not in out and "create_author" not in out
    assert f"This host has joined https://{HOST}/" in out
    users = joined.shell("from django.contrib.auth import get_user_model\n"
                         "print(list(get_user_model().objects.values_list('username', 'email')))")  # fmt: skip
    assert users.strip() == "[('author', 'me@example.com')]"


@pytest.mark.installer
def test_the_joined_host_passes_check_with_the_backups_on_another_host(joined, tmp_path):
    # The daily backup lands on whichever host's timer fired first: the database knows it ran, this disk need not.
    backups = joined.app / "var/backups"
    copies = list(backups.glob("escribe-*"))
    assert copies
    for copy in copies:
        copy.rename(tmp_path / copy.name)
    try:
        check = install("--check", root=joined.prefix)
    finally:
        for copy in copies:
            (tmp_path / copy.name).rename(copy)
    assert (check.returncode, check.stdout) == (0, f"All is well: https://{HOST}/\n"), check.stdout + check.stderr


@pytest.mark.installer
def test_a_second_run_upgrades_the_joined_host_keeping_the_join_and_backs_up_first(joined):
    env = (joined.prefix / "etc/escribe/env").read_bytes()
    again = install(root=joined.prefix, script=joined.app / "deploy/install")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Upgrading E-Scribe" in again.stdout and "password:" not in again.stdout
    # Minutes after the join's first backup, yet taken: the daily job's "once a day" is not the upgrade's.
    assert "Backed up the database to" in again.stdout
    assert (joined.prefix / "etc/escribe/env").read_bytes() == env
    assert json.loads((joined.prefix / "etc/escribe/install.json").read_text())["joined"] is True


# --- --check's backup finding on a shared database, without an install --------------------------


class Asked:
    """escribe.service as doctor.shared_backups runs it, answering what the database would."""

    def __init__(self, stdout, returncode=0):
        self.result = subprocess.CompletedProcess([], returncode, stdout, "")

    def run(self, argv, **options):
        assert argv[-1] == doctor.LAST_BACKUP
        return self.result


def test_check_on_a_shared_database_names_a_backup_missing_or_old_on_every_host(tmp_path):
    layout = Layout(app=tmp_path, root=tmp_path)
    assert list(doctor.shared_backups(layout, Asked("\n"))) == [
        "no backup of the shared database has finished on any host (systemctl start escribe-backup.service)"
    ]
    three_days_ago = f"{time.time() - 3 * 86400}\n"
    assert list(doctor.shared_backups(layout, Asked(three_days_ago))) == [
        "the last backup of the shared database, on any host, is 3.0 days old (escribe-backup.timer should run nightly)"
    ]
    assert list(doctor.shared_backups(layout, Asked(f"{time.time() - 3600}\n"))) == []


def test_check_asks_the_database_for_backups_only_when_the_install_has_one_to_share(tmp_path):
    layout = Layout(app=tmp_path, root=tmp_path)
    layout.etc.mkdir(parents=True)
    layout.env_file.write_text("ESCRIBE_DB_PATH=/srv/escribe/var/db/escribe.sqlite3\n")
    assert not doctor.shared_database(layout)
    layout.env_file.write_text("ESCRIBE_DATABASE_URL=postgres://escribe:pw@10.0.0.5/escribe\n")
    assert doctor.shared_database(layout)
