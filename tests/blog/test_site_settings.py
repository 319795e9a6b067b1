"""The blog's own settings (blog/site.py): edited on one admin page, read once per request, shown everywhere."""

import importlib
import re
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.core.checks import run_checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog import site
from blog.site import SiteSettings, first_values
from comments import outbox
from tests.support.comment_helpers import post_comment
from tests.support.factories import make_post, set_site

pytestmark = pytest.mark.django_db

CHANGE_URL = reverse("admin:blog_sitesettings_change", args=[1])


def settings_queries(queries):
    return [query["sql"] for query in queries if "blog_sitesettings" in query["sql"]]


def form_data(**values):
    """What the admin's form sends for the stored row, with `values` changed."""
    row = site.current()
    data = {
        "title": row.title, "tagline": row.tagline, "description": row.description, "author_name": row.author_name,
        "footer": row.footer, "posts_per_page": row.posts_per_page, "feed_length": row.feed_length,
        "language": row.language, "time_zone": row.time_zone, "comments_close_after_days": 0, "notify_email": "",
        "share_image": "", "share_image_url": "",
    }  # fmt: skip
    if row.comments_open:
        data["comments_open"] = "on"
    data.update(values)
    return {name: value for name, value in data.items() if value is not None}


# --- Reading ---------------------------------------------------------------------------------


def test_a_page_reads_the_settings_once_however_often_it_asks(client):
    # The post page asks for the title, the byline, the footer, the comment policy and the zone.
    post = make_post()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(post.get_absolute_url()).status_code == 200
    assert len(settings_queries(queries)) == 1


def test_each_request_reads_the_settings_afresh(client):
    # Another host (or process) may have saved them: nothing is kept between requests.
    client.get("/")
    SiteSettings.objects.filter(pk=1).update(title="Renamed elsewhere")  # no signal, no cache to clear
    assert "Renamed elsewhere" in client.get("/").content.decode()


def test_outside_a_request_every_read_asks_the_database():
    set_site(title="First")
    assert site.current().title == "First"
    SiteSettings.objects.filter(pk=1).update(title="Second")
    assert site.current().title == "Second"


def test_without_the_row_the_first_values_stand_in_and_nothing_is_written(client):
    SiteSettings.objects.all().delete()
    assert client.get("/").status_code == 200
    assert site.current().title == first_values()["title"]
    assert not SiteSettings.objects.exists()


# --- A new blog is the author's ----------------------------------------------------------------


def test_a_new_blog_is_named_after_its_host_with_no_made_up_author(client, settings):
    settings.SITE_URL = "https://blog.example.org"
    settings.SITE_SETTINGS_FROM_ENV = {}
    SiteSettings.objects.all().delete()
    importlib.import_module("blog.migrations.0009_site_settings").create_the_row(apps, connection.schema_editor())
    row = SiteSettings.objects.get()
    assert (row.title, row.tagline, row.author_name, row.footer) == ("blog.example.org", "", "", "")
    html = client.get("/").content.decode()
    assert "The Author" not in html
    assert "<title>blog.example.org</title>" in html and "© blog.example.org" in html
    assert 'class="site-tagline"' not in html  # no empty line under the name


def test_the_variables_set_when_the_database_is_created_give_the_first_values(settings):
    settings.SITE_SETTINGS_FROM_ENV = {
        "title": ("ESCRIBE_SITE_TITLE", "Notes from the Shed"),
        "posts_per_page": ("ESCRIBE_POSTS_PER_PAGE", 5),
        "comments_open": ("ESCRIBE_COMMENTS_OPEN", False),
        "notify_email": ("ESCRIBE_COMMENT_NOTIFY_EMAIL", "me@shed.test"),
    }
    SiteSettings.objects.all().delete()
    importlib.import_module("blog.migrations.0009_site_settings").create_the_row(apps, connection.schema_editor())
    row = SiteSettings.objects.get()
    assert (row.title, row.posts_per_page, row.comments_open, row.notify_email) == (
        "Notes from the Shed", 5, False, "me@shed.test",
    )  # fmt: skip


def test_check_warns_when_a_variable_differs_from_the_stored_setting(settings):
    set_site(title="Chosen in the admin", posts_per_page=10)
    settings.SITE_SETTINGS_FROM_ENV = {
        "title": ("ESCRIBE_SITE_TITLE", "Old name"),
        "posts_per_page": ("ESCRIBE_POSTS_PER_PAGE", 10),  # the same: nothing to say
    }
    warnings = [message for message in run_checks() if message.id == "blog.W001"]
    assert len(warnings) == 1
    assert "ESCRIBE_SITE_TITLE is ignored" in warnings[0].msg and "'Chosen in the admin'" in warnings[0].msg


def test_check_is_quiet_when_no_variable_is_set(settings):
    set_site(title="Chosen in the admin")
    settings.SITE_SETTINGS_FROM_ENV = {}
    assert not [message for message in run_checks() if message.id == "blog.W001"]


# --- What readers see --------------------------------------------------------------------------


def test_the_title_tagline_and_footer_are_the_stored_ones(client):
    set_site(title="Notes from the Shed", tagline="Sawdust", author_name="Ada", footer="Text CC BY 4.0, Ada")
    html = client.get("/").content.decode()
    assert '<a href="/" rel="home">Notes from the Shed</a>' in html
    assert '<p class="site-tagline">Sawdust</p>' in html
    assert "<p>Text CC BY 4.0, Ada</p>" in html


def test_without_a_footer_line_the_footer_names_the_author(client):
    set_site(author_name="Ada Lovelace", footer="")
    assert "<p>© Ada Lovelace</p>" in client.get("/").content.decode()


def test_feeds_and_json_ld_name_the_stored_author_for_posts_without_one(client):
    set_site(author_name="Ada Lovelace")
    post = make_post()
    assert "<name>Ada Lovelace</name>" in client.get("/feeds/atom/").content.decode()
    page = client.get(post.get_absolute_url()).content.decode()
    assert '"author": {"@type": "Person", "name": "Ada Lovelace"}' in page


def test_dates_are_shown_in_the_blogs_time_zone(client):
    set_site(time_zone="Pacific/Auckland")
    post = make_post(published_at=datetime(2026, 1, 1, 11, 30, tzinfo=UTC))  # 00:30 on the 2nd in Auckland
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'datetime="2026-01-02T00:30:00+13:00"' in html and "Friday, January 2nd, 2026" in html


def test_dates_are_written_in_the_blogs_language(client):
    set_site(language="de")
    post = make_post(published_at=datetime(2026, 1, 2, 12, 0, tzinfo=UTC))
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<html lang="de">' in html and "Freitag, 2. Januar 2026" in html


def test_the_zone_is_not_left_active_after_a_request(client):
    from django.utils import timezone

    set_site(time_zone="Pacific/Auckland")
    client.get("/")
    assert timezone.get_current_timezone_name() == "UTC"


def test_comments_closed_site_wide_take_the_form_away_and_refuse_a_comment(client):
    post = make_post()
    set_site(comments_open=False)
    assert 'action="/comments/' not in client.get(post.get_absolute_url()).content.decode()
    assert post_comment(client, post).status_code == 403


def test_comment_mail_goes_to_the_stored_addresses(author):
    assert outbox.recipients() == [author.email]  # nobody named: the superusers
    set_site(notify_email="me@shed.test, other@shed.test")
    assert outbox.recipients() == ["me@shed.test", "other@shed.test"]


# --- The admin page --------------------------------------------------------------------------


def test_the_settings_are_one_page_without_add_or_delete(author_client):
    set_site()
    assert author_client.get(reverse("admin:blog_sitesettings_changelist")).url == CHANGE_URL
    page = author_client.get(CHANGE_URL).content.decode()
    assert "deletelink" not in page and "_addanother" not in page
    assert author_client.get(reverse("admin:blog_sitesettings_add")).status_code == 403
    assert author_client.post(reverse("admin:blog_sitesettings_delete", args=[1]), {"post": "yes"}).status_code == 403
    assert SiteSettings.objects.count() == 1


def test_saving_the_settings_shows_on_every_page_at_once(author_client, client):
    set_site()
    post = make_post()
    client.get("/")
    response = author_client.post(CHANGE_URL, form_data(title="Notes from the Shed"), follow=True)
    assert "Saved: every page shows the new settings" in response.content.decode()
    for url in ("/", post.get_absolute_url(), "/feeds/atom/", "/archive/"):
        assert "Notes from the Shed" in client.get(url).content.decode(), url


def test_the_admin_is_headed_with_the_stored_title(author_client):
    set_site(title="Notes from the Shed")
    assert "Notes from the Shed administration" in author_client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus_Mons", "is not a time zone name"),
        ("language", "xx", "is not a language Django knows"),
        ("notify_email", "me@shed.test, not an address", "is not an email address"),
        ("posts_per_page", "0", "greater than or equal to 1"),
        ("share_image_url", "http://img.example/card.png", "over HTTPS only"),
        ("title", "", "This field is required"),
    ],
)
def test_a_bad_value_is_refused_with_a_message_and_nothing_saved(author_client, field, value, message):
    set_site(title="Kept")
    response = author_client.post(CHANGE_URL, form_data(**{field: value}))
    assert response.status_code == 200 and message in response.content.decode()
    assert SiteSettings.objects.get().title == "Kept"


def test_the_model_refuses_an_unknown_time_zone_and_language():
    from django.core.exceptions import ValidationError

    for bad in ({"time_zone": "Europe/Atlantis"}, {"language": "klingon"}, {"time_zone": "../../etc/passwd"}):
        with pytest.raises(ValidationError):
            set_site(**bad)


def test_the_variables_are_read_only_when_set(monkeypatch):
    from escribe.settings import _site_settings_from_env

    for name in ("SITE_TITLE", "SITE_TAGLINE", "SITE_AUTHOR", "POSTS_PER_PAGE", "FEED_LENGTH", "COMMENTS_OPEN",
                 "COMMENTS_CLOSE_AFTER_DAYS", "COMMENT_NOTIFY_EMAIL"):  # fmt: skip
        monkeypatch.delenv(f"ESCRIBE_{name}", raising=False)
    monkeypatch.setenv("ESCRIBE_COMMENTS_OPEN", "0")
    monkeypatch.setenv("ESCRIBE_POSTS_PER_PAGE", "")  # empty counts as not set
    monkeypatch.setenv("ESCRIBE_COMMENT_NOTIFY_EMAIL", " a@x.test ,b@x.test,")
    assert _site_settings_from_env() == {
        "comments_open": ("ESCRIBE_COMMENTS_OPEN", False),
        "notify_email": ("ESCRIBE_COMMENT_NOTIFY_EMAIL", "a@x.test, b@x.test"),
    }


def test_an_uploaded_sharing_image_is_shown_and_kept_while_chosen(client, author_client, settings, tmp_path):
    from tests.blog.test_uploads import upload
    from tests.support.images import image_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    card = upload(image_bytes(1200, 630), "card.png", alt_text="The blog's card")
    set_site(share_image=card)
    assert f'<meta property="og:image" content="{settings.SITE_URL}{card.url}">' in client.get("/").content.decode()
    shown = author_client.get(f"/admin/blog/upload/{card.pk}/delete/").content.decode()
    assert "Site settings" in shown  # Django lists what protects it
    author_client.post(f"/admin/blog/upload/{card.pk}/delete/", {"post": "yes"})
    assert SiteSettings.objects.get().share_image == card


def test_an_uploaded_image_and_an_address_together_are_refused(tmp_path, settings):
    from django.core.exceptions import ValidationError

    from tests.blog.test_uploads import upload
    from tests.support.images import image_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    card = upload(image_bytes(), "card.png")
    with pytest.raises(ValidationError, match="not both"):
        set_site(share_image=card, share_image_url="https://img.example/card.png")


def test_a_variable_longer_than_its_setting_is_cut_to_fit(settings):
    settings.SITE_SETTINGS_FROM_ENV = {"title": ("ESCRIBE_SITE_TITLE", "x" * 150)}
    SiteSettings.objects.all().delete()
    importlib.import_module("blog.migrations.0009_site_settings").create_the_row(apps, connection.schema_editor())
    assert SiteSettings.objects.get().title == "x" * 100


def test_the_settings_page_lists_language_and_zone_as_valid_selects(author_client):
    html = author_client.get("/admin/blog/sitesettings/1/change/").content.decode()
    selects = re.findall(r"<select [^>]*>", html)
    assert any('name="language"' in tag for tag in selects) and any('name="time_zone"' in tag for tag in selects)
    assert not [tag for tag in selects if "maxlength" in tag]  # the Nu checker: not allowed on a select


def test_the_add_page_of_a_flushed_database_starts_from_the_first_values(author_client, settings):
    SiteSettings.objects.all().delete()
    settings.SITE_URL = "https://notes.example.org"
    page = author_client.get(reverse("admin:blog_sitesettings_changelist"), follow=True).content.decode()
    assert 'name="title"' in page and 'value="notes.example.org"' in page
