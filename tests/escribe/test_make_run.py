"""`make run`: what it installs, what it says, and on another port every absolute link names that port."""

import logging
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from axes.apps import AppConfig as AxesConfig
from django.conf import settings as django_settings
from django.core import mail

from comments import moderation
from comments.models import Comment
from escribe import pages
from tests.support.comment_helpers import make_comment, post_comment, send_comment_mail
from tests.support.factories import make_post

ATOM = "{http://www.w3.org/2005/Atom}"
# What gunicorn would load, printed instead of served: the settings made from the environment `make run` gives.
SHOW_SETTINGS = """
import django
django.setup()
from django.conf import settings
print(settings.SITE_URL, settings.AKISMET_BLOG_URL)
"""


def make_run(tmp_path, *arguments, **environment):
    """Run `make run` with stand-ins for the venv's programs; returns what the stand-in gunicorn printed.

    The stand-in python does nothing (migrate, seed_demo...); the stand-in
    gunicorn prints its --bind and the project's settings as loaded from the
    environment make passed it.
    """
    make = shutil.which("make")
    if not make:
        pytest.skip("make is not installed")
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "python").write_text("#!/bin/sh\nexit 0\n")
    (fake / "gunicorn").write_text(f'#!/bin/sh\necho "bind=$4"\nexec {sys.executable} -c "$SHOW_SETTINGS"\n')
    for program in fake.iterdir():
        program.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESCRIBE_", "MAKE", "DJANGO_"))}
    env.update(
        environment,
        SHOW_SETTINGS=SHOW_SETTINGS,
        DJANGO_SETTINGS_MODULE="escribe.settings",
        PYTHONPATH=str(django_settings.BASE_DIR),
    )
    makefile = Path(django_settings.BASE_DIR) / "Makefile"
    result = subprocess.run(
        [make, "-s", "-f", str(makefile), "run", f"BIN={fake}", "STAMP=", *arguments],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-2:]


def test_make_run_on_another_port_makes_that_the_site_url(tmp_path):
    assert make_run(tmp_path, ESCRIBE_PORT="8101") == [
        "bind=127.0.0.1:8101",
        "http://127.0.0.1:8101 http://127.0.0.1:8101",
    ]


def test_make_run_on_the_default_port(tmp_path):
    assert make_run(tmp_path)[-1] == "http://127.0.0.1:8000 http://127.0.0.1:8000"


def test_make_run_keeps_the_site_url_the_operator_set(tmp_path):
    assert make_run(tmp_path, ESCRIBE_PORT="8101", ESCRIBE_SITE_URL="https://blog.example.com") == [
        "bind=127.0.0.1:8101",
        "https://blog.example.com https://blog.example.com",
    ]
    assert make_run(tmp_path, "ESCRIBE_SITE_URL=https://other.example")[-1].startswith("https://other.example ")


@pytest.mark.django_db
def test_under_make_run_on_port_8101_mail_feeds_and_akismet_name_port_8101(client, settings, author, tmp_path):
    """What make run sets (SITE_URL for the port), and a reader on that port: no link says 8000."""
    settings.SITE_URL = "http://127.0.0.1:8101"
    settings.PAGES_DIR = str(tmp_path / "pages")
    host = {"HTTP_HOST": "127.0.0.1:8101"}
    post = make_post(slug="on-8101", body="See [the archive](/archive/).")
    assert post_comment(client, post, headers={"Host": "127.0.0.1:8101"}).status_code == 302
    assert Comment.objects.get().akismet_arguments["permalink"] == "http://127.0.0.1:8101/post/on-8101/"
    send_comment_mail()
    (message,) = mail.outbox
    assert "http://127.0.0.1:8101/admin/comments/comment/" in message.body

    moderation.approve([make_comment(post, body="Approved")], author)
    for feed in ("/feeds/atom/", "/feeds/comments/atom/"):
        xml = client.get(feed, **host).content.decode()
        links = [link.get("href") for link in ET.fromstring(xml).iter(f"{ATOM}link")]
        assert links and all(link.startswith("http://127.0.0.1:8101/") for link in links), (feed, links)
        assert ":8000" not in xml
    assert 'href="http://127.0.0.1:8101/archive/"' in client.get("/feeds/atom/", **host).content.decode()
    sitemaps = (
        client.get("/sitemap.xml", **host).content.decode() + client.get("/sitemap-posts.xml", **host).content.decode()
    )
    assert "http://127.0.0.1:8101/post/on-8101/" in sitemaps and ":8000" not in sitemaps
    # The page is the site's own: kept as a file for the next reader (not so while SITE_URL said 8000).
    assert client.get(post.get_absolute_url(), **host).status_code == 200
    assert any(pages.current().path.rglob("index.html"))


# Stand-ins for the venv's programs that write down how they were called ($CALLS) and say what the real
# ones say at the default verbosity: migrate and collectstatic nothing, create_author the box on a first run.
STAND_IN_PYTHON = """#!/bin/sh
echo "$*" >> "$CALLS"
case "$2" in
  create_author) printf '+-------+\\n| login |\\n+-------+\\n' ;;
  seed_demo) echo "Demo content loaded." ;;
esac
"""


def make(tmp_path, target):
    """Run `make target` with stand-ins for the venv's programs; returns (its output lines, the programs' calls)."""
    make = shutil.which("make")
    if not make:
        pytest.skip("make is not installed")
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "python").write_text(STAND_IN_PYTHON)
    (fake / "gunicorn").write_text('#!/bin/sh\necho "gunicorn $*"\n')
    (fake / "ruff").write_text("#!/bin/sh\n")
    for program in fake.iterdir():
        program.chmod(0o755)
    for name in ("requirements.txt", "requirements-dev.txt"):
        if not (tmp_path / name).exists():  # a copy each time would be a change each time
            shutil.copy(Path(django_settings.BASE_DIR) / name, tmp_path / name)
    (tmp_path / "venv").mkdir(exist_ok=True)  # the stand-in python stands for a venv already made
    calls = tmp_path / "calls"
    calls.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESCRIBE_", "MAKE", "DJANGO_"))}
    result = subprocess.run(
        [make, "-f", str(Path(django_settings.BASE_DIR) / "Makefile"), target, f"BIN={fake}", "VENV=venv",
         "NODE_STAMP=", f"CALLS={calls}"],
        cwd=tmp_path, env={**env, "CALLS": str(calls)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines(), calls.read_text().splitlines()


def installs(calls):
    return [call.split(" -r ")[1] for call in calls if call.startswith("-m pip install")]


def test_make_run_installs_the_runtime_requirements_only_and_only_the_first_time(tmp_path):
    assert installs(make(tmp_path, "run")[1]) == ["requirements.txt"]
    assert installs(make(tmp_path, "run")[1]) == []
    # A new pin is installed on the next run.
    os.utime(tmp_path / "requirements.txt", (2**31, 2**31))
    assert installs(make(tmp_path, "run")[1]) == ["requirements.txt"]


def test_make_test_adds_the_test_requirements_and_make_run_then_installs_nothing(tmp_path):
    _, calls = make(tmp_path, "test")
    assert installs(calls) == ["requirements-dev.txt"] and "-m pytest" in calls
    assert installs(make(tmp_path, "run")[1]) == []


def test_make_run_says_one_line_per_step_then_the_address_and_the_login_in_a_box(tmp_path):
    output, calls = make(tmp_path, "run")
    assert output == [
        "Installing requirements.txt into venv (the first time takes a minute)...",
        "Requirements installed.",
        "Generated a secret key in var/secret_key (kept out of git).",
        "Database ready.",
        "Demo content loaded.",
        "Static files collected.",
        "Serving E-Scribe on http://127.0.0.1:8000/ (admin: http://127.0.0.1:8000/admin/). Ctrl-C stops it.",
        "+-------+",
        "| login |",
        "+-------+",
        "gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8000 --log-level warning escribe.wsgi",
    ]
    # The author exists before the demo is loaded, so the demo's posts are theirs.
    steps = [call.split()[1] for call in calls if call.startswith("manage.py")]
    assert steps == ["migrate", "create_author", "seed_demo", "collectstatic"]
    output, _ = make(tmp_path, "run")
    assert output[0] == "Database ready."


def test_no_library_banner_repeats_in_each_process(tmp_path):
    """make run starts five processes (four commands, gunicorn's workers): axes used to greet from each."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESCRIBE_", "DJANGO_"))}
    env.update(ESCRIBE_SECRET_KEY="x", ESCRIBE_DB_PATH=str(tmp_path / "db.sqlite3"))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=django_settings.BASE_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "AXES" not in result.stdout + result.stderr


def test_axes_keeps_its_banner_even_where_its_logger_listens(caplog, monkeypatch):
    monkeypatch.setattr(AxesConfig, "initialized", False)
    with caplog.at_level(logging.INFO, logger="axes"):
        AxesConfig.initialize()
    assert "AXES: BEGIN" not in caplog.text


def test_libraries_log_warnings_and_the_blog_its_own_information():
    assert all(logging.getLogger(name).getEffectiveLevel() == logging.WARNING for name in ("axes", "django", "PIL"))
    assert logging.getLogger("comments.spam").getEffectiveLevel() == logging.INFO
    assert logging.getLogger("escribe.pages").getEffectiveLevel() == logging.INFO
