"""deploy/install --tls none: behind a TLS-terminating proxy, believed only from the proxy.

The fast tests cover --proxy's refusals and the rendered site; the install
test (marked `installer`, as tests/stack/test_installer.py's, whose machinery it
uses) installs a clean clone with --proxy 127.0.0.1 and asks as the proxy
from 127.0.0.1 and as a stranger from 127.0.0.2. Its own module, so its
install never runs beside test_installer.py's (one system user escribe).
"""

import json
import os
import re
import signal
import subprocess
import time
import uuid

import httpx
import pytest

from deploy import render
from deploy.installer import preflight, units
from deploy.installer.layout import Choices
from tests.stack.test_installer import (
    HOST,
    Installed,
    assert_refused,
    assert_sent_as_the_file,
    install,
    scratch_install,
    snapshot,
    user_exists,
)
from tests.support.stack import REPO
from tests.support.system import require_program
from tools.localstack import free_port

CLIENT = "203.0.113.9"


@pytest.fixture
def root(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian 12"\n')
    return tmp_path


# --- Refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--tls", "none"], "--tls none needs --proxy ADDRESS"),
    (["--tls", "none", "--proxy", "proxy.example.com"], "--proxy 'proxy.example.com' is not an IP address"),
    (["--tls", "none", "--proxy", "127.0.0.1,10.0.0.1/8"], "--proxy '10.0.0.1/8' is not an IP address"),
    (["--tls", "none", "--proxy", "0.0.0.0/0"], "--proxy 0.0.0.0/0 is every address"),
    (["--tls", "self-signed", "--proxy", "127.0.0.1"], "--proxy is for --tls none"),
])  # fmt: skip
def test_tls_none_without_a_good_proxy_is_refused(root, args, message):
    before, user_before = snapshot(root), user_exists()
    result = install(HOST, *args, "--http-port", free_port(), root=root)
    assert_refused(result, message, root, before, user_before)


def test_proxies_may_be_repeated_or_separated_by_commas_and_be_networks():
    choices = Choices(HOST, tls="none", proxies=("192.0.2.10", "10.0.0.0/8", "2001:db8::/32"))
    assert preflight.proxy_problems(choices) == []


@pytest.mark.parametrize(("recorded", "asked"), [("self-signed", "none"), ("none", "self-signed")])
def test_a_second_run_cannot_switch_the_tls_mode(root, recorded, asked):
    (root / "etc" / "escribe").mkdir()
    (root / "etc" / "escribe" / "install.json").write_text(json.dumps({
        "name": HOST, "email": "", "tls": recorded, "database": "sqlite", "http_port": free_port(),
        "https_port": free_port(), "proxies": ["127.0.0.1"] if recorded == "none" else [], "app": str(REPO),
    }))  # fmt: skip
    before, user_before = snapshot(root), user_exists()
    proxy = ["--proxy", "127.0.0.1"] if asked == "none" else []
    result = install(HOST, "--tls", asked, *proxy, root=root)
    assert_refused(result, f"was installed with --tls {recorded}; a second run upgrades it and cannot switch to "
                           f"--tls {asked}", root, before, user_before)  # fmt: skip


# --- The site's template, rendered for a proxy ------------------------------------------------

VALUES = {
    "SERVER_NAME": "blog.example.com", "HTTP_PORT": "80", "HTTPS_PORT": "443",
    "SOCKET": "/run/escribe/gunicorn.sock", "STATIC_ROOT": "/srv/escribe/var/static",
    "PAGES_DIR": "/srv/escribe/var/pages", "MEDIA_ROOT": "/srv/escribe/var/media",
    "PAGE_HEADERS": "/etc/nginx/snippets/escribe-page-headers.conf",
    "SECURITY_HEADERS": "/etc/nginx/snippets/escribe-security-headers.conf",
    "ACCESS_LOG": "/var/log/nginx/escribe.access.log",
}  # fmt: skip


def proxied_site(**values):
    return render.render_file(REPO / "deploy/nginx/escribe.conf", {"PROXIED": True}, **{
        **VALUES, "PROXY": ["192.0.2.10", "10.0.0.0/8"], "CHECK_SOCKET": "/run/escribe-nginx/check.sock", **values,
    })  # fmt: skip


def test_the_proxied_site_listens_on_http_only_and_believes_only_the_proxy():
    site = proxied_site()
    directives = "\n".join(line.strip() for line in site.splitlines() if not line.lstrip().startswith("#"))
    assert "ssl" not in directives and "listen 443" not in directives and "acme" not in directives
    assert re.findall(r"listen (\S+);", directives) == ["80", "[::]:80", "unix:/run/escribe-nginx/check.sock"]
    for proxy in ("192.0.2.10", "10.0.0.0/8"):
        assert f"set_real_ip_from {proxy};" in directives and f"\n{proxy} 1;" in directives
    assert "real_ip_header X-Forwarded-For;\nreal_ip_recursive on;" in directives
    # Django learns the scheme from the map that believes only the proxy, never from $scheme (http here).
    assert "proxy_set_header X-Forwarded-Proto $escribe_scheme;" in directives
    assert "$scheme" not in directives
    # Pages as files for the public name the proxy forwards: https on 443, no port in the Host.
    assert '"GET blog.example.com|||"   /current;' in directives
    assert "return 301 https://$host$request_uri;" in directives
    assert "@@" not in site


def test_the_tls_site_keeps_its_certificate_and_believes_no_forwarded_header():
    site = render.render_file(REPO / "deploy/nginx/escribe.conf", **VALUES, ACME_ROOT="/var/www/letsencrypt",
                              SSL_CERT="/etc/ssl/cert.pem", SSL_KEY="/etc/ssl/key.pem")  # fmt: skip
    assert "ssl_certificate /etc/ssl/cert.pem;" in site and "listen 443 ssl http2;" in site
    assert "set_real_ip_from" not in site and "proxy_set_header X-Forwarded-Proto $scheme;" in site


def test_the_proxied_site_passes_nginx_t(tmp_path):
    nginx = require_program("nginx", "/usr/sbin/nginx")
    for name in ("page-headers.conf", "security-headers.conf"):
        (tmp_path / name).write_text("")
    site = tmp_path / "escribe.conf"
    site.write_text(proxied_site(PAGE_HEADERS=tmp_path / "page-headers.conf",
                                 SECURITY_HEADERS=tmp_path / "security-headers.conf",
                                 ACCESS_LOG=tmp_path / "access.log", HTTP_PORT=free_port(),
                                 CHECK_SOCKET=tmp_path / "check.sock"))  # fmt: skip
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
                                         f"events {{}}\nhttp {{ access_log off; include {site}; }}\n")  # fmt: skip
    tested = subprocess.run([nginx, "-t", "-q", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr


@pytest.mark.parametrize(("text", "flags", "message"), [
    ("@@IF A@@\nx\n", {"A": True}, "never closed"),
    ("x\n@@END@@\n", {}, "without an @@IF@@"),
    ("@@IF A@@\n@@IF B@@\n@@END@@\n@@END@@\n", {"A": True}, "a section inside the section opened on line 1"),
    ("x\n", {"PROXIED": True}, "the template has no section PROXIED"),
])  # fmt: skip
def test_the_renderer_refuses_broken_sections_and_unknown_flags(text, flags, message):
    with pytest.raises(render.RenderError, match=message):
        render.render(text, flags)


def test_the_renderer_keeps_sections_by_flag_and_repeats_lines_per_list_item():
    text = "a\n@@IF ON@@\nb @@X@@;\n@@END@@\n@@IF NOT ON@@\nc @@Y@@\n@@END@@\n"
    # A placeholder in a section left out needs no value.
    assert render.render(text, {"ON": True}, X=["1", "2"]) == "a\nb 1;\nb 2;\n"
    assert render.render(text, Y="3") == "a\nc 3\n"
    with pytest.raises(render.RenderError, match="X is an empty list"):
        render.render(text, {"ON": True}, X=[])


# --- A real install behind a proxy on 127.0.0.1 -----------------------------------------------


@pytest.fixture(scope="module")
def proxied():
    with scratch_install("escribe-installer-proxied-") as (root, app):
        http_port = free_port()
        started = time.monotonic()
        first = install(HOST, "--tls", "none", "--proxy", "127.0.0.1", "--http-port", http_port, root=root,
                        script=app / "deploy/install")  # fmt: skip
        assert first.returncode == 0, first.stdout + first.stderr
        print(f"install behind a proxy: {time.monotonic() - started:.1f} s")
        site = Installed(root, http_port, 443, {}, "", None, HOST)
        site.app = app
        yield site


def ask(site, method, path, *, local_address="127.0.0.1", headers=None, **kwargs):
    """A request to nginx's HTTP port from `local_address`, saying what a proxy says: the reader's address, https."""
    transport = httpx.HTTPTransport(local_address=local_address)
    with httpx.Client(base_url=f"http://127.0.0.1:{site.http_port}", transport=transport, timeout=10) as client:
        return client.request(method, path, headers={
            "Host": HOST, "X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https", **(headers or {}),
        }, **kwargs)  # fmt: skip


def post_and_comment(site, local_address):
    url = site.shell(f"""
from django.contrib.auth import get_user_model
from django.utils import timezone
from blog.models import Post
post = Post.objects.create(title="Behind a proxy", slug="proxied-{uuid.uuid4().hex[:8]}", body="Hello.",
                           status="published", published_at=timezone.now(), author=get_user_model().objects.get())
print(post.get_absolute_url())
""").strip()
    body = f"A comment through the proxy {uuid.uuid4()}"
    response = ask(site, "POST", f"{url}comment/", local_address=local_address, headers={"Origin": f"https://{HOST}"},
                   data={"author_name": "Reader", "author_email": "reader@example.com", "author_url": "", "body": body,
                         "homepage": ""})  # fmt: skip
    stored = site.shell(
        f"from comments.models import Comment\n"
        f"print(list(Comment.objects.filter(body={body!r}).values_list('ip_address', flat=True)))"
    )
    return response, stored.strip()


@pytest.mark.installer
def test_behind_the_proxy_a_page_is_served_as_a_file_over_https_the_second_time(proxied):
    first = ask(proxied, "GET", "/tags/", headers={"Accept-Encoding": "identity"})
    second = ask(proxied, "GET", "/tags/", headers={"Accept-Encoding": "identity"})
    assert (first.status_code, second.status_code) == (200, 200)
    assert "max-age=31536000" in first.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in second.headers["Strict-Transport-Security"]
    assert_sent_as_the_file(proxied, second, "/tags/")


@pytest.mark.installer
def test_the_proxy_names_the_reader_and_says_https(proxied):
    response, stored = post_and_comment(proxied, "127.0.0.1")
    assert response.status_code == 302, response.text[:300]
    assert response.headers["Location"].startswith("/")
    assert stored == f"['{CLIENT}']"


def access_log_line(site, path):
    """nginx's access log line for `path` (written within a second: the log is buffered)."""
    log = site.prefix / "var/log/nginx/escribe.access.log"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text().splitlines() if f"GET {path} " in line]
        if lines:
            return lines[-1]
        time.sleep(0.2)
    raise AssertionError(f"no line for {path} in {log}")


@pytest.mark.installer
def test_another_address_cannot_claim_https_or_a_readers_address(proxied):
    # The page is a file now (the proxy asked twice), yet a stranger's claim of https gets only the redirect.
    assert [ask(proxied, "GET", "/archive/").status_code for _ in range(2)] == [200, 200]
    response = ask(proxied, "GET", "/archive/", local_address="127.0.0.2")
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}/archive/"
    response, stored = post_and_comment(proxied, "127.0.0.2")
    assert response.status_code == 301 and stored == "[]"
    # Monitors may ask /healthz over plain HTTP from anywhere (Django's SECURE_REDIRECT_EXEMPT too); nginx, the
    # limits and Django see the stranger's own address, the proxy's reader by the address the proxy gave.
    stranger, reader = f"/healthz?{uuid.uuid4().hex}", f"/healthz?{uuid.uuid4().hex}"
    assert ask(proxied, "GET", stranger, local_address="127.0.0.2").status_code == 200
    assert ask(proxied, "GET", reader).status_code == 200
    assert access_log_line(proxied, stranger).startswith("127.0.0.2 ")
    assert access_log_line(proxied, reader).startswith(f"{CLIENT} ")


@pytest.mark.installer
def test_check_asks_through_the_root_only_socket_and_finds_all_well(proxied):
    check = install("--check", root=proxied.prefix)
    assert (check.returncode, check.stdout) == (0, f"All is well: https://{HOST}/\n"), check.stdout + check.stderr
    (proxied.prefix / "run/escribe-nginx").chmod(0o755)
    try:
        check = install("--check", root=proxied.prefix)
    finally:
        (proxied.prefix / "run/escribe-nginx").chmod(0o700)
    assert check.returncode == 1
    assert f"{proxied.prefix}/run/escribe-nginx is root:root 0755, should be root:root 0700" in check.stdout


def test_a_second_run_keeps_the_proxy_or_takes_the_new_one_given(root, monkeypatch):
    from deploy.installer import main as installer_main

    ran = []

    class Recording:
        def __init__(self, layout, choices, first):
            ran.append(choices)
            self.login = None

        def run(self):
            return 0

    monkeypatch.setattr(installer_main, "Installer", Recording)
    monkeypatch.setattr(installer_main.os, "geteuid", lambda: 0)
    recorded = root / "etc" / "escribe" / "install.json"
    recorded.parent.mkdir()
    recorded.write_text(json.dumps({
        "name": HOST, "email": "", "tls": "none", "database": "sqlite", "http_port": free_port(), "https_port": 443,
        "proxies": ["127.0.0.1"], "app": str(REPO),
    }))  # fmt: skip
    assert installer_main.main(["--root", str(root)]) == 0
    assert installer_main.main(["--root", str(root), "--proxy", "192.0.2.10,10.0.0.0/8"]) == 0
    assert installer_main.main(["--root", str(root)]) == 0
    new = ("192.0.2.10", "10.0.0.0/8")
    assert [choices.proxies for choices in ran] == [("127.0.0.1",), new, new]
    assert json.loads(recorded.read_text())["proxies"] == ["192.0.2.10", "10.0.0.0/8"]


@pytest.mark.installer
def test_a_second_run_keeps_the_proxy_and_starts_an_nginx_killed_outright(proxied):
    kept = ["etc/escribe/install.json", "etc/nginx/sites-available/escribe.conf", "etc/escribe/env"]
    before = {path: (proxied.prefix / path).read_bytes() for path in kept}
    # SIGKILL leaves the check socket behind, and nginx cannot bind over it: the installer clears it.
    master = units.alive(proxied.prefix / "run/nginx.pid")
    workers = units.children(master)
    for pid in (master, *workers):
        os.kill(pid, signal.SIGKILL)
    units.wait_until_gone({master, *workers}, timeout=10)
    assert (proxied.prefix / "run/escribe-nginx/check.sock").exists()
    again = install(HOST, root=proxied.prefix, script=proxied.app / "deploy/install")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Started nginx directly" in again.stdout
    assert {path: (proxied.prefix / path).read_bytes() for path in kept} == before
    assert ask(proxied, "GET", "/healthz").status_code == 200


@pytest.mark.installer
def test_the_check_sockets_folder_is_made_again_at_each_boot(proxied):
    # /run is emptied at boot, and nginx does not start without the folder of a socket it listens on.
    tmpfiles = (proxied.prefix / "etc/tmpfiles.d/escribe-nginx.conf").read_text().splitlines()
    assert tmpfiles[1:] == [f"d {proxied.prefix}/run/escribe-nginx 0700 root root -"]


def test_render_py_by_hand_takes_the_flag_and_a_list_as_docs_deploy_md_says():
    assignments = [f"--set={name}={value}" for name, value in VALUES.items()]
    result = subprocess.run([
        "python3", "deploy/render.py", "deploy/nginx/escribe.conf", "--flag", "PROXIED", *assignments,
        "--each", "PROXY=192.0.2.10", "--each", "PROXY=10.0.0.0/8", "--set", "CHECK_SOCKET=/run/escribe-nginx/c.sock",
    ], cwd=REPO, capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "    set_real_ip_from 192.0.2.10;\n    set_real_ip_from 10.0.0.0/8;\n" in result.stdout
    both = subprocess.run(["python3", "deploy/render.py", "deploy/nginx/escribe.conf", "--set", "PROXY=192.0.2.1",
                           "--each", "PROXY=192.0.2.2"],
                          cwd=REPO, capture_output=True, text=True, timeout=30)  # fmt: skip
    assert both.returncode == 2 and "PROXY was given with --set and --each" in both.stderr
