"""deploy/install: the refusals (fast, change nothing), then a real install from a clean clone, driven like the stack.

The install test (marked `installer`) runs only as root and only on the
SQLite pass (the PostgreSQL pass skips it: it is slow and tests nothing
more); under CI a missing prerequisite fails it. It clones the repository's
HEAD into a temporary folder, installs it there for blog.test with a
self-signed certificate on free ports, with every system path under a
temporary --root (nginx.conf there is Debian's own with its paths moved), and
undoes everything afterwards: its processes, the system user, the files.
"""

import hashlib
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy.installer import doctor, units
from deploy.installer.layout import PACKAGES, Choices, Layout
from deploy.installer.units import Service
from tests.support.stack import REPO
from tests.support.system import missing, require_program
from tools.localstack import Stack, free_port

INSTALL = REPO / "deploy" / "install"
HOST = "blog.test"


def install(*args, root, script=INSTALL, timeout=900):
    return subprocess.run(
        [str(script), *map(str, args), "--root", str(root)], capture_output=True, text=True, timeout=timeout
    )


def snapshot(root):
    """Every path under `root` with its owner, mode and content digest."""
    found = {}
    for path in sorted(Path(root).rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[str(path)] = (info.st_uid, info.st_gid, info.st_mode, digest)
    return found


def user_exists(name="escribe"):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def root(tmp_path):
    """A --root with a supported os-release and nothing else."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian 12"\n')
    return tmp_path


def assert_refused(result, message, root, before, user_before):
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "nothing was changed" in result.stderr
    assert snapshot(root) == before
    assert user_exists() == user_before


# --- Refusals: before anything changes --------------------------------------------------------


@pytest.mark.parametrize("name", ["blog_example.com", "blog-.example.com", "blog..example.com", "192.0.2.7",
                                  "a" * 64 + ".example.com", "blog.example.com/x"])  # fmt: skip
def test_a_name_that_is_not_a_host_name_is_refused(root, name):
    before, user_before = snapshot(root), user_exists()
    result = install(name, "--tls", "self-signed", "--http-port", free_port(), "--https-port", free_port(), root=root)
    assert_refused(result, "is not a host name", root, before, user_before)


def test_an_unsupported_system_is_refused(root):
    (root / "etc" / "os-release").write_text('ID=ubuntu\nVERSION_ID="24.04"\nPRETTY_NAME="Ubuntu 24.04 LTS"\n')
    before, user_before = snapshot(root), user_exists()
    result = install(HOST, "--tls", "self-signed", "--http-port", free_port(), "--https-port", free_port(), root=root)
    assert_refused(result, "this is Ubuntu 24.04 LTS; deploy/install supports Debian 12 and 13", root, before,
                   user_before)  # fmt: skip


def test_a_port_taken_by_another_program_is_refused_naming_it(root):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        before, user_before = snapshot(root), user_exists()
        result = install(HOST, "--tls", "self-signed", "--http-port", port, "--https-port", free_port(), root=root)
    assert_refused(result, f"port {port} is taken by", root, before, user_before)
    assert f"(pid {os.getpid()})" in result.stderr


def test_an_nginx_site_of_the_same_name_not_written_by_the_installer_is_refused(root):
    site = root / "etc" / "nginx" / "sites-available" / "escribe.conf"
    site.parent.mkdir(parents=True)
    site.write_text("server { listen 80; }\n")
    before, user_before = snapshot(root), user_exists()
    result = install(HOST, "--tls", "self-signed", "--http-port", free_port(), "--https-port", free_port(), root=root)
    assert_refused(result, "was not written by deploy/install", root, before, user_before)


def test_lets_encrypt_without_an_address_is_refused(root):
    before, user_before = snapshot(root), user_exists()
    result = install("blog.example.com", "--http-port", free_port(), "--https-port", free_port(), root=root)
    assert_refused(result, "--tls letsencrypt needs --email", root, before, user_before)


@pytest.mark.parametrize(("recorded", "message"), [
    ({"name": "old.example.com", "app": str(REPO)}, "this server's blog is old.example.com"),
    ({"name": HOST, "app": "/srv/elsewhere"}, "this server's blog runs from /srv/elsewhere"),
])  # fmt: skip
def test_a_second_run_for_another_name_or_from_another_checkout_is_refused(root, recorded, message):
    (root / "etc" / "escribe").mkdir()
    (root / "etc" / "escribe" / "install.json").write_text(json.dumps({
        "email": "", "tls": "self-signed", "database": "sqlite", "http_port": free_port(), "https_port": free_port(),
        **recorded,
    }))  # fmt: skip
    before, user_before = snapshot(root), user_exists()
    result = install(HOST, root=root)
    assert_refused(result, message, root, before, user_before)


def test_anyone_but_root_is_refused(root):
    root.chmod(0o755)
    before, user_before = snapshot(root), user_exists()
    # As root, the test asks as nobody.
    prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    result = subprocess.run([*prefix, str(INSTALL), HOST, "--tls", "self-signed", "--root", str(root),
                             "--http-port", str(free_port()), "--https-port", str(free_port())],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert_refused(result, "deploy/install must run as root", root, before, user_before)


def test_check_on_a_server_without_an_install_says_so(root):
    result = install("--check", root=root)
    assert result.returncode == 1
    assert "E-Scribe is not installed here" in result.stdout


# --- --check's findings that need no install ---------------------------------------------------


def test_check_names_a_missing_or_old_backup(tmp_path):
    layout = Layout(app=tmp_path)
    backups = tmp_path / "var" / "backups"
    backups.mkdir(parents=True)
    assert [line.startswith("no backup in") for line in doctor.backups(layout)] == [True]
    copy = backups / "escribe-20261130T033112Z.sqlite3"
    copy.write_bytes(b"")
    assert list(doctor.backups(layout)) == []
    three_days_ago = time.time() - 3 * 86400
    os.utime(copy, (three_days_ago, three_days_ago))
    assert list(doctor.backups(layout)) == ["the last backup is 3.0 days old (escribe-backup.timer should run nightly)"]


def test_check_names_a_certificate_that_expires_within_14_days(tmp_path):
    openssl = require_program("openssl", "/usr/bin/openssl")
    layout, choices = Layout(app=tmp_path, root=tmp_path), Choices(HOST, tls="self-signed")
    cert, key = layout.certificate(choices)
    cert.parent.mkdir(parents=True)
    for days, expected in ((13, 1), (15, 0)):
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(days), "-subj",
                        f"/CN={HOST}", "-keyout", key, "-out", cert], check=True, capture_output=True)  # fmt: skip
        found = list(doctor.certificate(layout, choices))
        assert len(found) == expected, found
        assert all("expires in less than 14 days" in line for line in found)


# --- A real install from a clean clone --------------------------------------------------------


def debian_nginx_conf(root):
    """Debian's stock nginx.conf with the files it writes and the sites it includes moved under `root`."""
    stock = Path("/etc/nginx/nginx.conf")
    text = stock.read_text() if stock.exists() else ""
    if "include /etc/nginx/sites-enabled/*;" not in text:
        missing("no Debian nginx.conf in /etc/nginx (apt-get install nginx)")
    text = text.replace("include /etc/nginx/sites-enabled/*;", f"include {root}/etc/nginx/sites-enabled/*;")
    text = text.replace("include /etc/nginx/conf.d/*.conf;", "")
    text = re.sub(r"(?m)^pid .*$", f"pid {root}/run/nginx.pid;", text)
    text = re.sub(r"(error_log|access_log) /var/log/nginx/([a-z.]+);", rf"\1 {root}/var/log/nginx/\2;", text)
    for folder in ("etc/nginx", "var/log/nginx", "run"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "etc/nginx/nginx.conf").write_text(text)


class Installed(Stack):
    """The installed site, driven through its nginx like the stack tests drive theirs."""

    def manage(self, *args, check=True, timeout=120):
        """manage.py as the installed service runs it (its user, environment file and folder)."""
        service = Service.from_unit(self.prefix / "etc/systemd/system/escribe.service")
        result = service.run([f"{service.cwd}/.venv/bin/python", "manage.py", *args], timeout=timeout)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def gunicorn_log(self):
        return (self.prefix / "var/log/escribe/gunicorn.log").read_text()


def undo(base, root):
    """Leave the machine as the test found it: stop what the install started, remove its user and files."""
    for pid_file in (root / "run/escribe/gunicorn.pid", root / "run/nginx.pid"):
        units.stop(pid_file, timeout=20)
    if user_exists():
        subprocess.run(["userdel", "escribe"], check=False, capture_output=True)
    subprocess.run(["groupdel", "escribe"], check=False, capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


def require_install_prerequisites(on_postgres=False):
    """Skip (fail under CI) where a real install cannot run, or would change the machine beyond the test's folder.

    One pass of the suite each: an install of its own on SQLite, a host that joins a database on PostgreSQL.
    """
    if on_postgres and not os.environ.get("ESCRIBE_DATABASE_URL"):
        pytest.skip("a host joins a PostgreSQL database: this test runs on the PostgreSQL pass (bash .ci/postgres.sh)")
    if os.environ.get("ESCRIBE_DATABASE_URL") and not on_postgres:
        pytest.skip("the installer test runs on the SQLite pass only")
    if os.geteuid() != 0:
        missing("the installer test runs as root only")
    for program in ("nginx", "openssl", "git", "systemd-analyze", "adduser"):
        require_program(program, f"/usr/sbin/{program}")
    if not Path("/usr/bin/python3").exists():
        missing("Debian's /usr/bin/python3 is missing")
    if user_exists():
        missing("a user escribe exists already: the installer test would take it over")
    listed = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n", *PACKAGES],
                            capture_output=True, text=True).stdout  # fmt: skip
    absent = [name for name in PACKAGES if f"{name} installed" not in listed]
    if absent:
        # The installer would apt-get them: the test must leave the machine's packages alone (.ci/run has them).
        missing(f"the installer test needs {' '.join(absent)} installed first")


@contextmanager
def scratch_install(prefix, on_postgres=False):
    """(root, app): a clean clone of the repository and an empty root like a new server's; all undone afterwards."""
    require_install_prerequisites(on_postgres)
    base = Path(tempfile.mkdtemp(prefix=prefix))
    # The system user must reach the checkout: the test's folders must be like /srv.
    base.chmod(0o755)
    root, app = base / "root", base / "app"
    try:
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(app)], check=True, timeout=120)
        (root / "etc").mkdir(parents=True)
        shutil.copy("/etc/os-release", root / "etc/os-release")
        debian_nginx_conf(root)
        yield root, app
    finally:
        undo(base, root)


@pytest.fixture(scope="module")
def site():
    with scratch_install("escribe-installer-") as (root, app):
        http_port, https_port = free_port(), free_port()
        started = time.monotonic()
        first = install(HOST, "--tls", "self-signed", "--email", "me@example.com", "--http-port", http_port,
                        "--https-port", https_port, root=root, script=app / "deploy/install")  # fmt: skip
        seconds = time.monotonic() - started
        assert first.returncode == 0, first.stdout + first.stderr
        password = re.search(r"password: +(\S+)", first.stdout)
        assert password, first.stdout
        installed = Installed(root, http_port, https_port, {}, password.group(1), root / f"etc/escribe/tls/{HOST}.pem",
                              HOST)  # fmt: skip
        installed.app, installed.first, installed.first_seconds = app, first, seconds
        yield installed


installer_test = pytest.mark.installer

POST_IN_SHELL = """
from django.contrib.auth import get_user_model
from django.utils import timezone
from blog.models import Post
post = Post.objects.create(title="First words", slug="first-words", body="Hello, *world*.", status="published",
                           published_at=timezone.now(), author=get_user_model().objects.get())
print(post.get_absolute_url())
"""


@installer_test
def test_the_first_run_installs_everything_and_prints_the_login_once(site):
    out = site.first.stdout
    assert out.count(site.password) == 1
    # At the end, where the author sees it, not among the steps.
    assert out.index("E-Scribe is installed") < out.index(site.password)
    for path, mode in [("etc/escribe/env", 0o600), (f"etc/escribe/tls/{HOST}.key", 0o600)]:
        assert (site.prefix / path).stat().st_mode & 0o777 == mode
    env = (site.prefix / "etc/escribe/env").read_text()
    assert f"ESCRIBE_SITE_URL=https://{HOST}:{site.https_port}\n" in env
    assert "ESCRIBE_SITE_TITLE" not in env and "ESCRIBE_SECRET_KEY=" in env
    assert (site.app / "var/db/escribe.sqlite3").exists()
    assert site.shell("from blog.models import Post; print(Post.objects.count())") == "0\n"
    print(f"first run: {site.first_seconds:.1f} s")


@installer_test
def test_a_readers_page_is_served_as_a_file_by_nginx_the_second_time(site):
    site.manage("refresh_pages")
    # Uncompressed: the ETag below is the plain file's (its .gz twin has its own).
    first = site.get("/tags/", headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200
    second = site.get("/tags/", headers={"Accept-Encoding": "identity"})
    assert_sent_as_the_file(site, second, "/tags/")


def assert_sent_as_the_file(site, response, path):
    """`response`, the second request for the folder URL `path`, was its page file sent by nginx: gunicorn saw one."""
    page = site.app / "var/pages/current" / path.strip("/") / "index.html"
    assert page.read_bytes() == response.content
    info = page.stat()
    # nginx's ETag for a file it sends: the file's mtime and size.
    assert response.headers["ETag"] == f'"{int(info.st_mtime):x}-{info.st_size:x}"'
    # gunicorn logs a request just after answering it: wait for the first's line, then count.
    deadline = time.monotonic() + 5
    while site.gunicorn_log().count(f"GET {path} HTTP") < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    assert site.gunicorn_log().count(f"GET {path} HTTP") == 1, "the second reader reached gunicorn"


@installer_test
def test_a_comment_goes_through_the_queue_to_the_page(site):
    url = site.shell(POST_IN_SHELL).strip()
    body = f"A comment through the installed site {uuid.uuid4()}"
    response = site.post(f"{url}comment/", headers={"Origin": site.origin}, data={
        "author_name": "Reader", "author_email": "reader@example.com", "author_url": "", "body": body, "homepage": "",
    })  # fmt: skip
    assert response.status_code == 302, response.text[:300]
    assert body not in site.get(url).text
    site.shell("from comments.models import Comment; from comments import moderation\n"
                               "moderation.approve(Comment.objects.pending(), None)")  # fmt: skip
    assert body in site.get(url).text


@installer_test
def test_the_admin_logs_in_over_https(site):
    login = site.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    response = site.post("/admin/login/?next=/admin/", data={
        "username": "author", "password": site.password, "csrfmiddlewaretoken": token, "next": "/admin/",
    }, headers={
        "Cookie": f"csrftoken={login.cookies['csrftoken']}", "Origin": site.origin,
        "Referer": f"{site.origin}/admin/login/",
    })  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert "Secure" in response.headers["Set-Cookie"]


DATA = """
from blog.models import Post
from comments.models import Comment
print(list(Post.objects.values_list("pk", "title")), list(Comment.objects.values_list("pk", "status", "body")))
"""


@installer_test
def test_a_second_run_upgrades_in_place_and_changes_nothing_else_then_check_finds_all_well(site):
    kept = ["etc/escribe/env", f"etc/escribe/tls/{HOST}.pem", f"etc/escribe/tls/{HOST}.key",
            "etc/nginx/sites-available/escribe.conf", "etc/systemd/system/escribe.service"]  # fmt: skip
    before = {path: (site.prefix / path).read_bytes() for path in kept}
    data = site.shell(DATA)
    started = time.monotonic()
    second = install(HOST, root=site.prefix, script=site.app / "deploy/install")
    seconds = time.monotonic() - started
    assert second.returncode == 0, second.stdout + second.stderr
    print(f"second run: {seconds:.1f} s")
    assert {path: (site.prefix / path).read_bytes() for path in kept} == before
    assert site.shell(DATA) == data
    out = second.stdout
    assert "Upgrading E-Scribe" in out and "Backed up the database" in out
    assert "Reloaded gunicorn gracefully" in out and "refresh_pages" in out
    assert "password:" not in out
    assert len(list((site.app / "var/backups").glob("escribe-*"))) >= 2
    test_the_admin_logs_in_over_https(site)

    check = install("--check", root=site.prefix)
    assert (check.returncode, check.stdout) == (0, f"All is well: {site.origin}/\n"), check.stdout + check.stderr


@installer_test
def test_check_names_a_stopped_gunicorn_and_a_run_of_the_installer_starts_it_again(site):
    pid_file = site.prefix / "run/escribe/gunicorn.pid"
    os.kill(int(pid_file.read_text()), 15)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and Path(f"/proc/{pid_file.read_text().strip()}").exists():
        time.sleep(0.2)
    (site.app / "var/db").chmod(0o755)
    check = install("--check", root=site.prefix)
    (site.app / "var/db").chmod(0o700)
    assert check.returncode == 1
    assert "gunicorn (escribe.service) is not running" in check.stdout
    assert f"{site.app}/var/db is escribe:escribe 0755, should be escribe:escribe 0700" in check.stdout
    again = install(HOST, root=site.prefix, script=site.app / "deploy/install")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Started gunicorn" in again.stdout
    assert install("--check", root=site.prefix).returncode == 0


@installer_test
def test_a_failing_step_stops_naming_it_and_leaves_the_running_site_as_it_was(site):
    template = site.app / "deploy/nginx/escribe.conf"
    good = template.read_text()
    site_file = site.prefix / "etc/nginx/sites-available/escribe.conf"
    before = site_file.read_bytes()
    template.write_text(good.replace("server_tokens off;", "server_tokens off; no_such_directive on;", 1))
    try:
        failed = install(HOST, root=site.prefix, script=site.app / "deploy/install")
    finally:
        template.write_text(good)
    assert failed.returncode == 1
    assert "step 'nginx site (nginx -t)' failed" in failed.stderr
    assert 'unknown directive "no_such_directive"' in failed.stderr
    assert site_file.read_bytes() == before
    assert site.get("/healthz").status_code == 200


def test_a_first_run_that_fails_after_making_the_account_still_shows_its_login(root, monkeypatch, capsys):
    from deploy.installer import main as installer_main
    from deploy.installer.commands import StepFailed

    class FailingAfterTheAccount:
        def __init__(self, *args, **kwargs):
            self.login = "| username:  author |\n| password:  not-shown-again |"

        def run(self):
            raise StepFailed("certbot", "DNS problem: NXDOMAIN looking up A for blog.example.com")

    monkeypatch.setattr(installer_main, "Installer", FailingAfterTheAccount)
    monkeypatch.setattr(installer_main.preflight, "refusals", lambda *args: [])
    monkeypatch.setattr(installer_main.os, "geteuid", lambda: 0)
    assert installer_main.main(["blog.example.com", "--email", "me@example.com", "--root", str(root)]) == 1
    out, err = capsys.readouterr()
    assert "password:  not-shown-again" in out
    assert "step 'certbot' failed" in err and "NXDOMAIN" in err
    assert not (root / "etc" / "escribe" / "install.json").exists()
