"""Page files never outlive what they show: site settings saved, an author deleted, the environment changed."""

import runpy
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from escribe import pages
from tests.support.factories import make_author, make_post, set_site

pytestmark = pytest.mark.django_db

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def test_saving_the_site_settings_makes_every_page_file_stale(client, pages_dir, django_capture_on_commit_callbacks):
    make_post()
    client.get("/")
    first = pages.current().name
    with django_capture_on_commit_callbacks(execute=True):
        set_site(title="Notes from the Shed")
    assert pages.current().name != first
    assert "Notes from the Shed" in client.get("/").content.decode()


def test_closing_comments_site_wide_takes_the_form_off_the_kept_pages(
    client, pages_dir, django_capture_on_commit_callbacks
):
    post = make_post()
    assert 'action="/post/' in client.get(post.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        set_site(comments_open=False)
    assert not (pages.current().path / "post" / post.slug / "index.html").exists()
    assert 'action="/post/' not in client.get(post.get_absolute_url()).content.decode()


def test_deleting_an_author_who_wrote_posts_makes_every_page_file_stale(
    client, pages_dir, django_capture_on_commit_callbacks
):
    writer = make_author("ada")
    writer.first_name, writer.last_name = "Ada", "Lovelace"
    writer.save()
    make_post(author=writer)
    assert "Ada Lovelace" in client.get("/feeds/atom/").content.decode()
    first = pages.current().name
    with django_capture_on_commit_callbacks(execute=True):
        writer.delete()  # the posts' author is set to NULL by an UPDATE, which sends no signal
    assert pages.current().name != first
    assert "Ada Lovelace" not in client.get("/feeds/atom/").content.decode()


def test_deleting_a_user_who_wrote_nothing_keeps_the_page_files(pages_dir, django_capture_on_commit_callbacks):
    make_post()
    reader = get_user_model().objects.create_user("reader")
    pages.invalidate()
    first = pages.current().name
    with django_capture_on_commit_callbacks(execute=True):
        reader.delete()
    assert pages.current().name == first


# --- Settings that stay in the environment -------------------------------------------------------


def test_a_start_with_another_site_url_makes_the_page_files_stale(pages_dir, settings):
    pages.invalidate()
    first = pages.current().name
    assert pages.refresh_if_settings_changed() is False
    assert pages.current().name == first
    settings.SITE_URL = "https://blog.example.org"
    assert pages.refresh_if_settings_changed() is True
    assert pages.current().name != first


@pytest.mark.parametrize("name", pages.FINGERPRINTED_SETTINGS)
def test_each_setting_that_reaches_the_html_is_in_the_fingerprint(settings, name):
    before = pages.fingerprint()
    setattr(settings, name, "something else")
    assert pages.fingerprint() != before


def test_page_files_written_before_fingerprints_were_kept_are_stale_at_the_next_start(pages_dir):
    pages.invalidate()
    first = pages.current()
    (pages_dir / "generations" / f"{first.name}.settings").unlink()
    assert pages.refresh_if_settings_changed() is True
    assert pages.current().name != first.name


def test_a_start_with_no_page_files_yet_makes_none(pages_dir):
    assert pages.refresh_if_settings_changed() is False
    assert pages.current() is None


def test_the_fingerprint_outlives_the_switch_that_wrote_it(pages_dir):
    pages.invalidate()
    pages.invalidate()
    generation = pages.current()
    assert (pages_dir / "generations" / f"{generation.name}.settings").read_text() == pages.fingerprint()


class FakeWorker:
    class log:
        messages = []

        @classmethod
        def info(cls, message, *args):
            cls.messages.append(message % args)

        @classmethod
        def exception(cls, message, *args):
            cls.messages.append(message % args)


def test_gunicorns_workers_refresh_page_files_written_with_other_settings(pages_dir, settings, monkeypatch):
    from comments import outbox

    monkeypatch.setattr(outbox, "start_sender", lambda: None)
    monkeypatch.setattr(pages, "watch", lambda: None)
    pages.invalidate()
    first = pages.current().name
    settings.SITE_URL = "https://blog.example.org"
    runpy.run_path(str(GUNICORN_CONF))["post_worker_init"](FakeWorker())
    assert pages.current().name != first
