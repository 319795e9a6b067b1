"""`make run` on another port: every absolute link names that port (ESCRIBE_SITE_URL follows ESCRIBE_PORT)."""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail

from comments import moderation
from comments.models import Comment
from escribe import pages
from tests.comment_helpers import make_comment, post_comment, send_comment_mail
from tests.factories import make_post

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
