"""`make stack`'s program (tools/stack.py): what it starts, what it says, and that SIGTERM stops all of it."""

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.system import require_program
from tools.localstack import REPO
from tools.stack import HOST_OWN, caller_settings

START_LIMIT = 180  # seconds: migrate, the demo blog, collectstatic per host, five servers


def test_the_callers_settings_reach_every_host_but_not_one_hosts_own_files():
    environ = {
        "ESCRIBE_COMMENT_RATE": "7",
        "ESCRIBE_EMAIL_HOST": "mail.example.org",
        "PYTHON_AKISMET_API_KEY": "key",
        "ESCRIBE_PAGES_DIR": "/tmp/one-folder",
        "ESCRIBE_DATABASE_URL": "postgres://server/",
        "HOME": "/root",
    }
    assert caller_settings(environ) == {
        "ESCRIBE_COMMENT_RATE": "7",
        "ESCRIBE_EMAIL_HOST": "mail.example.org",
        "PYTHON_AKISMET_API_KEY": "key",
    }
    assert {"ESCRIBE_PAGES_DIR", "ESCRIBE_MEDIA_ROOT", "ESCRIBE_GUNICORN_BIND"} <= HOST_OWN


def environ_of(pid):
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.stack
def test_make_stack_serves_two_hosts_describes_them_and_stops_on_sigterm(tmp_path):
    server = os.environ.get("ESCRIBE_DATABASE_URL")
    if not server:
        pytest.skip("several hosts share one PostgreSQL database: run under .ci/postgres.sh (CI does)")
    require_program("nginx", "/usr/sbin/nginx")
    require_program("openssl", "/usr/bin/openssl")
    state = tmp_path / "stack.json"
    env = {**os.environ, "ESCRIBE_COMMENT_RATE": "77", "ESCRIBE_WORKERS": "1"}
    output = tmp_path / "output.txt"
    with open(output, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.stack", "--hosts", "2", "--state", str(state)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + START_LIMIT
        while "Ctrl-C stops everything" not in output.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, "tools.stack exited while starting:\n" + output.read_text()
            time.sleep(0.5)
        printed = output.read_text()
        described = json.loads(state.read_text())
        assert oct(state.stat().st_mode & 0o777) == "0o600"  # the author's password is in it
        front = described["front_url"]
        assert f"Author: author, password: {described['password']}" in printed
        assert front in printed
        port = int(front.rsplit(":", 1)[1])
        transport = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=described["front_certificate"]))
        with httpx.Client(transport=transport, timeout=10) as client:
            response = client.get(
                f"https://127.0.0.1:{port}/",
                headers={"Host": front.removeprefix("https://")},
                extensions={"sni_hostname": "blog.test"},
            )
        assert response.status_code == 200
        hosts = described["hosts"]
        assert [host["url"].rsplit(":", 1)[0] for host in hosts] == ["http://127.0.0.2", "http://127.0.0.3"]
        for host in hosts:
            settings = environ_of(host["gunicorn_pid"])
            assert settings["ESCRIBE_COMMENT_RATE"] == "77"  # the caller's, on every host
            assert settings["ESCRIBE_PAGES_DIR"] == host["pages_dir"]  # its own folder
            assert settings["ESCRIBE_DATABASE_URL"] == described["database_url"]
            assert settings["ESCRIBE_MEDIA_STORAGE_URL"] == described["media_store_url"]
            assert Path(host["pages_dir"], "current").exists()
        with psycopg.connect(described["database_url"], connect_timeout=5) as connection:
            assert connection.execute("SELECT count(*) FROM blog_post").fetchone()[0] > 0
        pids = [described["front_nginx_pid"]] + [host[name] for host in hosts for name in ("nginx_pid", "gunicorn_pid")]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
        assert process.returncode == 0, output.read_text()
        assert "Stopped." in output.read_text()
        assert [pid for pid in pids if alive(pid)] == []
        assert not state.exists()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(described["database_url"], connect_timeout=5).close()
    finally:
        if process.poll() is None:
            # SIGTERM first: its hosts run in sessions of their own, and only it stops them and drops the database.
            process.terminate()
            try:
                process.wait(120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
