"""The site settings travel with a Markdown export (site.yaml): export_markdown, import_markdown, round trips."""

from pathlib import Path

import pytest
from django.core.management import CommandError

from blog.models import Post, Upload
from blog.site import SiteSettings
from tests.moving.test_markdown_io import empty_the_database, files_in
from tests.support.commands import run
from tests.support.factories import make_post, set_site

pytestmark = pytest.mark.django_db

OWN = {
    "title": "Ada's notebook", "tagline": "Engines, mostly", "description": "Notes on analytical engines.",
    "author_name": "Ada Lovelace", "footer": "Text CC BY 4.0, Ada Lovelace", "posts_per_page": 7,
    "feed_length": 15, "language": "de", "time_zone": "Europe/Berlin", "comments_open": False,
    "comments_close_after_days": 30, "notify_email": "ada@example.com",
}  # fmt: skip


def stored(*names):
    row = SiteSettings.objects.get(pk=1)
    return {name: getattr(row, name) for name in names}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_site_settings_come_back_from_an_export_and_a_second_export_is_byte_identical(tmp_path, media):
    from tests.blog.test_uploads import upload
    from tests.support.images import image_bytes

    make_post(title="One", body="Hello.")
    card = upload(image_bytes(1200, 630), "card.png", alt_text="The card")
    set_site(**OWN, share_image=card)
    run("export_markdown", str(tmp_path / "first"), "--with-comments", "--with-emails")
    empty_the_database()
    SiteSettings.objects.all().delete()
    for row in Upload.objects.all():
        row.delete()

    out = run("import_markdown", str(tmp_path / "first"))
    run("export_markdown", str(tmp_path / "second"), "--with-comments", "--with-emails")

    assert stored(*OWN) == OWN
    assert SiteSettings.objects.get().share_image.file.name == card.file.name
    assert "site settings" in out
    first, second = files_in(tmp_path / "first"), files_in(tmp_path / "second")
    assert first == second
    assert b"Ada's notebook" in first["site.yaml"] and b'share_image: "uploads/' in first["site.yaml"]


def test_the_custom_css_comes_back_from_an_export_byte_for_byte(tmp_path):
    # Lines, indentation, a trailing space, quotes and a colon: YAML must carry all of it unchanged.
    css = '/* Mine */\nbody {\n  font-family: "Iowan Old Style", serif; \n}\n\na::after { content: ": "; }\n'
    make_post()
    set_site(custom_css=css)
    run("export_markdown", str(tmp_path / "first"))
    set_site(custom_css="")
    out = run("import_markdown", str(tmp_path / "first"))
    assert stored("custom_css") == {"custom_css": css} and "custom css" in out
    run("export_markdown", str(tmp_path / "second"))
    assert (tmp_path / "first" / "site.yaml").read_bytes() == (tmp_path / "second" / "site.yaml").read_bytes()


def test_an_export_names_the_notification_address_only_with_emails(tmp_path):
    make_post()
    set_site(notify_email="ada@example.com")
    run("export_markdown", str(tmp_path / "out"))
    text = (tmp_path / "out" / "site.yaml").read_text()
    assert "ada@example.com" not in text and "notify_email" not in text
    # Imported elsewhere, the address the file leaves out stays as that blog has it.
    set_site(notify_email="other@example.com")
    run("import_markdown", str(tmp_path / "out"))
    assert stored("notify_email") == {"notify_email": "other@example.com"}


def test_a_site_file_giving_some_settings_changes_only_those(tmp_path):
    make_post(slug="kept")
    run("export_markdown", str(tmp_path / "out"))
    set_site(footer="Mine", tagline="Old")
    (tmp_path / "out" / "site.yaml").write_text("title: New name\ntagline: New line\n")
    out = run("import_markdown", str(tmp_path / "out"))
    assert stored("title", "tagline", "footer") == {"title": "New name", "tagline": "New line", "footer": "Mine"}
    assert "title, tagline" in out
    assert "site settings" in run("import_markdown", str(tmp_path / "out"))  # skipped: unchanged


@pytest.mark.parametrize(
    "text, message",
    [
        ("posts_per_page: 0\n", "posts_per_page"),
        ("time_zone: Mars/Olympus\n", "time zone"),
        ("comments_open: maybe\n", "comments_open"),
        ("colour: red\n", "site settings"),
        ("share_image: uploads/nowhere.png\n", "no upload"),
    ],
)
def test_a_bad_site_file_is_refused_by_name_and_nothing_is_imported(tmp_path, text, message):
    make_post(slug="first")
    run("export_markdown", str(tmp_path / "out"))
    Post.objects.all().delete()
    before = stored("title", "posts_per_page", "time_zone")
    Path(tmp_path / "out" / "site.yaml").write_text(text)
    with pytest.raises(CommandError, match=message) as caught:
        run("import_markdown", str(tmp_path / "out"))
    assert "site.yaml" in str(caught.value)
    assert not Post.objects.exists() and stored("title", "posts_per_page", "time_zone") == before
