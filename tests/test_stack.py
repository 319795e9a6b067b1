"""The production stack from deploy/: nginx in front of gunicorn, driven over loopback.

Tests marked `stack` share one running stack (tests/stack.py) and skip where
nginx or openssl is missing (fail under CI). The others need no nginx: the
deploy check with the production settings, the template renderer and the
systemd units.
"""

import html
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.stack import HOST, REPO, make_certificate, production_env, run_manage, stack  # noqa: F401  (a fixture)
from tests.system import require_program


def _load_renderer():
    """deploy/render.py, which is no package: it runs on a bare server from its path."""
    spec = importlib.util.spec_from_file_location("escribe_deploy_render", REPO / "deploy" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load_renderer()

stack_test = pytest.mark.stack


def commentable_slug(stack):
    """The slug of a public post that takes comments."""
    return stack.shell(
        "from blog.models import Post\n"
        "print(Post.objects.published().filter(comments_enabled=True).first().slug)"
    ).strip()


def comment_form(body):
    return {
        "author_name": "Stack Test",
        "author_email": "stack@example.com",
        "author_url": "",
        "body": body,
        "homepage": "",
    }


def comment_count(stack):
    return int(stack.shell("from comments.models import Comment\nprint(Comment.objects.count())"))


def poll(condition, timeout, interval=0.2):
    """Call condition() until it returns something truthy or the time is up; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


@stack_test
def test_http_redirects_to_https_keeping_the_port(stack):
    response = stack.get("/archive/?page=2", scheme="http")
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}:{stack.https_port}/archive/?page=2"


@stack_test
def test_acme_challenges_are_answered_over_http(stack):
    challenge = stack.prefix / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "token123").write_text("token123.thumbprint")
    response = stack.get("/.well-known/acme-challenge/token123", scheme="http")
    assert response.status_code == 200
    assert response.text == "token123.thumbprint"


@stack_test
def test_unknown_host_gets_no_http_response(stack):
    with stack.client("http") as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/", headers={"Host": "evil.test"})


@stack_test
def test_unknown_server_name_is_refused_in_the_tls_handshake(stack):
    context = stack.tls_context(verify=False)
    with socket.create_connection(("127.0.0.1", stack.https_port), timeout=5) as raw:
        with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME"):
            with context.wrap_socket(raw, server_hostname="evil.test"):
                pass


@stack_test
def test_unknown_host_behind_our_server_name_gets_no_response(stack):
    # SNI says blog.test, the Host header says something else.
    with stack.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/", headers={"Host": "evil.test"})


@stack_test
def test_static_files_come_from_nginx_with_a_long_lifetime(stack):
    manifest = json.loads((stack.prefix / "static" / "staticfiles.json").read_text())
    path = "/static/" + manifest["paths"]["css/site.css"]
    response = stack.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "body" in response.text
    # Nothing Django adds, and gunicorn never saw it.
    assert "X-Frame-Options" not in response.headers
    assert path not in stack.access_log.read_text()


@stack_test
def test_unhashed_static_names_are_not_cached_forever(stack):
    response = stack.get("/static/css/site.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]


@stack_test
def test_pages_come_from_gunicorn(stack):
    response = stack.get("/?via=gunicorn")
    assert response.status_code == 200
    assert "E-Scribe" in response.text
    # gunicorn writes the line just after the response has gone out.
    assert poll(lambda: "/?via=gunicorn" in stack.access_log.read_text(), timeout=3)


@stack_test
def test_comment_is_stored_with_the_address_nginx_saw(stack):
    slug = commentable_slug(stack)
    body = f"A comment through nginx {uuid.uuid4()}"
    response = stack.post(
        f"/post/{slug}/comment/",
        data=comment_form(body),
        headers={"X-Forwarded-For": "6.6.6.6", "Origin": stack.origin},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/post/{slug}/comment/received/")
    stored = stack.shell(
        "from comments.models import Comment\n"
        f"print(Comment.objects.get(body={body!r}).ip_address)"
    ).strip()
    assert stored == "127.0.0.1"


@stack_test
def test_comment_posts_are_rate_limited_by_nginx(stack):
    slug = commentable_slug(stack)
    before = comment_count(stack)
    statuses = []
    with stack.client() as client:
        for number in range(20):
            response = client.post(
                f"/post/{slug}/comment/",
                data=comment_form(f"Comment number {number}, {uuid.uuid4()}"),
                headers={"Origin": stack.origin},
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                # nginx's own error page, not Django's "refused" template.
                assert "nginx" in response.text
    assert 429 in statuses
    assert set(statuses) <= {302, 429}
    assert comment_count(stack) - before == statuses.count(302)


@stack_test
def test_oversized_comment_is_refused_by_nginx(stack):
    slug = commentable_slug(stack)
    response = stack.post(
        f"/post/{slug}/comment/", data=comment_form("x" * 100_000), headers={"Origin": stack.origin}
    )
    assert response.status_code == 413


@stack_test
def test_pages_carry_the_security_headers(stack):
    response = stack.get("/")
    assert response.status_code == 200
    headers = response.headers
    assert "max-age=" in headers.get("Strict-Transport-Security", "")
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy")
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin"
    assert headers.get("Content-Security-Policy")


def log_in(stack):
    """Log in as the author through nginx; returns the Cookie header of the session."""
    login = stack.get("/admin/login/")
    assert login.status_code == 200
    csrf_cookie = login.cookies["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    response = stack.post(
        "/admin/login/?next=/admin/",
        data={"username": "author", "password": stack.password, "csrfmiddlewaretoken": token, "next": "/admin/"},
        headers={
            "Cookie": f"csrftoken={csrf_cookie}",
            "Origin": stack.origin,
            "Referer": f"{stack.origin}/admin/login/",
        },
    )
    assert response.status_code == 302, response.text[:500]
    return f"csrftoken={csrf_cookie}; sessionid={response.cookies['sessionid']}"


@stack_test
def test_anonymous_pages_are_cached_and_the_author_bypasses_the_cache(stack):
    path = "/tags/"
    first = stack.get(path)
    assert first.status_code == 200
    assert first.headers["X-Cache-Status"] in {"MISS", "EXPIRED", "UPDATING", "STALE", "HIT"}
    assert poll(lambda: stack.get(path).headers["X-Cache-Status"] == "HIT", timeout=3, interval=0)

    cookie = log_in(stack)
    author = stack.get(path, headers={"Cookie": cookie})
    assert author.status_code == 200
    assert author.headers["X-Cache-Status"] == "BYPASS"


@stack_test
def test_pages_are_compressed_once_and_each_reader_gets_what_they_take(stack):
    path = "/archive/"

    def fetch(accept):
        return stack.get(path, headers={"Accept-Encoding": accept})

    assert poll(lambda: fetch("gzip, deflate, br").headers["X-Cache-Status"] == "HIT", timeout=3, interval=0)
    zipped = fetch("gzip, deflate, br")
    assert zipped.headers["Content-Encoding"] == "gzip"
    # Django's stored gzip copy (nginx compressing on the fly would weaken the ETag instead).
    assert zipped.headers["ETag"].endswith('-gzip"'), zipped.headers.get("ETag")
    # Another browser's header shares that copy; a reader without gzip gets a copy of their own.
    assert fetch("gzip, deflate").headers["X-Cache-Status"] == "HIT"
    assert poll(lambda: fetch("identity").headers["X-Cache-Status"] == "HIT", timeout=3, interval=0)
    plain = fetch("identity")
    assert "Content-Encoding" not in plain.headers
    assert plain.content == zipped.content  # httpx decodes the gzip one
    assert fetch("gzip;q=0").headers.get("Content-Encoding") is None


@stack_test
def test_admin_is_never_cached(stack):
    first = stack.get("/admin/login/")
    second = stack.get("/admin/login/")
    assert "X-Cache-Status" not in second.headers
    # Each visitor gets their own CSRF cookie.
    assert first.cookies["csrftoken"] != second.cookies["csrftoken"]


@stack_test
def test_forwarded_headers_from_the_client_are_not_passed_on(stack):
    # gunicorn believes these from nginx's socket; a client's copies that
    # disagreed with nginx's X-Forwarded-Proto would make it answer 400.
    response = stack.get(
        "/robots.txt?forwarded",
        headers={
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Ssl": "off",
            "X-Forwarded-Protocol": "plain",
            "X-Forwarded-Host": "evil.test",
        },
    )
    assert response.status_code == 200
    assert f"Sitemap: {stack.origin}/sitemap.xml" in response.text


def front_page_shows(stack, text):
    return html.escape(text) in stack.get("/").text


@stack_test
def test_publishing_and_approving_show_through_nginx_at_once(stack):
    title = stack.shell(
        "from django.utils import timezone\n"
        "from blog.models import Post\n"
        "post = Post.objects.filter(status=Post.Status.DRAFT).first()\n"
        "post.status = Post.Status.PUBLISHED\n"
        "post.published_at = timezone.now()\n"
        "post.save()\n"
        "print(post.title)"
    ).strip()
    assert poll(lambda: front_page_shows(stack, title), timeout=2), f"{title!r} is not on the front page"

    approved = json.loads(
        stack.shell(
            "import json\n"
            "from comments import moderation\n"
            "from comments.models import Comment\n"
            "comment = Comment.objects.filter(status=Comment.Status.PENDING).order_by('id').first()\n"
            "moderation.approve([comment], None)\n"
            "print(json.dumps({'url': comment.post.get_absolute_url(), 'body': comment.body}))"
        )
    )
    first_line = html.escape(approved["body"].splitlines()[0])
    assert poll(lambda: first_line in stack.get(approved["url"]).text, timeout=2), "the approved comment is not shown"


@stack_test
def test_after_a_quiet_spell_the_first_reader_gets_the_fresh_page(stack):
    url = "/archive/"
    stack.get(url)
    assert poll(lambda: stack.get(url).headers.get("x-cache-status") == "HIT", timeout=3)
    marker = f"Blurb {uuid.uuid4().hex[:8]}"
    stack.shell(
        "from blog.models import Blurb\n"
        "blurb = Blurb.objects.order_by('position').first()\n"
        f"blurb.title = {marker!r}\n"
        "blurb.save()"
    )
    # Longer than the micro-cache's second: nothing may hand out the old copy now.
    time.sleep(1.5)
    assert marker in stack.get(url).text


@stack_test
def test_scheduled_post_appears_at_its_time(stack):
    title = f"Scheduled {uuid.uuid4().hex[:8]}"
    due = float(
        stack.shell(
            "from datetime import timedelta\n"
            "from django.utils import timezone\n"
            "from blog.models import Post\n"
            f"post = Post.objects.create(title={title!r}, slug={title.lower().replace(' ', '-')!r}, body='Soon.',"
            # Far enough ahead that `manage.py shell` is back before it is due, even on a busy machine.
            " status=Post.Status.PUBLISHED, published_at=timezone.now() + timedelta(seconds=5))\n"
            "print(post.published_at.timestamp())"
        )
    )
    looks = []  # (answered at, shown)
    deadline = due + 2
    while time.time() < deadline and not (looks and looks[-1][1]):
        shown = front_page_shows(stack, title)
        looks.append((time.time(), shown))
        time.sleep(0.2)
    # Absent at first: no answer that came back before its time shows it.
    assert not [answered for answered, shown in looks if shown and answered < due]
    assert looks[-1][1], f"{title!r} did not appear within 2 s of its time"


@stack_test
def test_graceful_reload_loses_no_request(stack):
    statuses, errors = [], []

    def hammer():
        deadline = time.monotonic() + 4
        with stack.client() as client:
            while time.monotonic() < deadline and len(statuses) + len(errors) < 200:
                try:
                    statuses.append(client.get("/healthz").status_code)
                except httpx.HTTPError as error:
                    errors.append(repr(error))
                time.sleep(0.01)

    worker = threading.Thread(target=hammer)
    worker.start()
    time.sleep(1)
    os.kill(stack.gunicorn_pid(), signal.SIGHUP)
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert not errors
    assert statuses and set(statuses) == {200}
    assert stack.gunicorn_pid() == stack.gunicorn.pid
    assert "Hang up" in (stack.prefix / "gunicorn.out").read_text()


def test_deploy_check_passes_with_the_production_settings(tmp_path):
    env = production_env(tmp_path, 443)
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stdout + result.stderr


NGINX_VALUES = {
    "SERVER_NAME": "blog.example.com",
    "HTTP_PORT": "80",
    "HTTPS_PORT": "443",
    "SOCKET": "/run/escribe/gunicorn.sock",
    "STATIC_ROOT": "/srv/escribe/var/static",
    "CACHE_DIR": "/var/cache/nginx/escribe",
    "ACME_ROOT": "/var/www/letsencrypt",
    "SSL_CERT": "/etc/letsencrypt/live/blog.example.com/fullchain.pem",
    "SSL_KEY": "/etc/letsencrypt/live/blog.example.com/privkey.pem",
    "ACCESS_LOG": "/var/log/nginx/escribe.access.log",
}


def test_rendered_site_redirects_to_the_default_https_port_without_a_suffix():
    site = render.render_file(REPO / "deploy/nginx/escribe.conf", **NGINX_VALUES)
    assert "return 301 https://$host$request_uri;" in site
    assert "@@" not in site
    on_8443 = render.render_file(REPO / "deploy/nginx/escribe.conf", **{**NGINX_VALUES, "HTTPS_PORT": "8443"})
    assert "return 301 https://$host:8443$request_uri;" in on_8443


def test_renderer_names_missing_and_unknown_placeholders():
    values = {**NGINX_VALUES, "SERVER_NAMES": "typo.example.com"}
    del values["SOCKET"]
    assignments = [f"--set={name}={value}" for name, value in values.items()]
    result = subprocess.run(
        [sys.executable, "deploy/render.py", "deploy/nginx/escribe.conf", *assignments],
        cwd=REPO, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no value for SOCKET" in result.stderr
    assert "no placeholder SERVER_NAMES" in result.stderr


def test_renderer_refuses_values_that_would_break_the_file():
    with pytest.raises(render.RenderError, match="line break"):
        render.render("server_name @@NAME@@;", NAME="a;\n}")
    with pytest.raises(render.RenderError, match="NAME is empty"):
        render.render("server_name @@NAME@@;", NAME="")


@stack_test
def test_site_fits_debians_stock_nginx_conf(tmp_path):
    """Debian's nginx.conf sets gzip and TLS defaults at http level: the site must not clash."""
    nginx = require_program("nginx", "/usr/sbin/nginx")
    openssl = require_program("openssl", "/usr/bin/openssl")
    stock = Path("/etc/nginx/nginx.conf")
    if "include /etc/nginx/sites-enabled/*;" not in (stock.read_text() if stock.exists() else ""):
        pytest.skip("no Debian nginx.conf here")
    cert, key = make_certificate(openssl, tmp_path)
    site = tmp_path / "escribe.conf"
    site.write_text(render.render_file(REPO / "deploy/nginx/escribe.conf", **{
        **NGINX_VALUES, "CACHE_DIR": tmp_path / "cache", "SSL_CERT": cert, "SSL_KEY": key,
        "ACCESS_LOG": tmp_path / "escribe.access.log",
    }))
    conf = stock.read_text().replace("include /etc/nginx/sites-enabled/*;", f"include {site};")
    # Only the files nginx -t would open change place.
    conf = re.sub(r"(?m)^pid .*$", f"pid {tmp_path / 'nginx.pid'};", conf)
    conf = re.sub(r"(error_log|access_log) /var/log/nginx/[a-z.]+;", rf"\1 {tmp_path}/\1.log;", conf)
    (tmp_path / "nginx.conf").write_text(conf)
    result = subprocess.run(
        [nginx, "-t", "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "warn" not in result.stderr


UNITS = ["escribe.service", "escribe-recheck.service", "escribe-recheck.timer",
         "escribe-purge-spam.service", "escribe-purge-spam.timer"]


def test_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    for unit in UNITS:
        template = REPO / "deploy" / "systemd" / unit
        # Only the services name paths; verify checks that ExecStart exists.
        values = {"APP_DIR": REPO} if unit.endswith(".service") else {}
        (tmp_path / unit).write_text(render.render_file(template, **values))
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / unit) for unit in UNITS)],
        capture_output=True, text=True, timeout=60,
    )
    # verify only warns about unknown keys: any output is a finding.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
