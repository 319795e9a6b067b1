"""A title of up to 1,000 characters is kept whole: on the page, in the feeds, the sitemap, the admin, and imports."""

from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from blog.models import Page, Post
from tests.blog.test_admin import post_form
from tests.blog.test_standalone_pages import make_page
from tests.moving.test_import_wxr import item, run, wxr_text
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db

# Ends in a letter the 200-character column used to cut, so a cut anywhere shows.
TITLE = ("A title that goes on " * 50)[:999] + "Z"
ATOM = "{http://www.w3.org/2005/Atom}"


def test_a_thousand_character_title_fits_the_columns():
    assert len(TITLE) == 1000
    assert Post._meta.get_field("title").max_length == Page._meta.get_field("title").max_length == 1000


def test_the_post_page_shows_the_whole_title_in_its_heading_and_head(client):
    post = make_post(title=TITLE)
    html = client.get(post.get_absolute_url()).content.decode()
    assert f"<title>{TITLE} &middot; " in html.replace("·", "&middot;")
    assert html.count(TITLE) >= 2


def test_the_feeds_carry_the_whole_title(client):
    make_post(title=TITLE)
    atom = ElementTree.fromstring(client.get("/feeds/atom/").content)
    assert atom.find(f"{ATOM}entry/{ATOM}title").text == TITLE
    rss = ElementTree.fromstring(client.get("/feeds/rss/").content)
    assert rss.find("channel/item/title").text == TITLE


def test_the_sitemap_lists_a_post_with_a_long_title(client):
    post = make_post(title=TITLE)
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    sections = [loc.text for loc in ElementTree.fromstring(index.content).iter() if loc.tag.endswith("loc")]
    assert any(post.get_absolute_url() in client.get(url).content.decode() for url in sections)


def test_the_admin_lists_edits_and_saves_the_whole_title(author_client):
    post = make_post(title="Short", slug="long")
    form = author_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert 'maxlength="1000"' in form
    response = author_client.post(f"/admin/blog/post/{post.pk}/change/", post_form(title=TITLE, slug="long"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == TITLE
    assert TITLE in author_client.get("/admin/blog/post/").content.decode()
    assert f'value="{TITLE}"' in author_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()


def test_the_admin_refuses_a_longer_title_with_a_form_error(author_client):
    response = author_client.post("/admin/blog/post/add/", post_form(title=TITLE + "!"))
    assert response.status_code == 200
    assert "Ensure this value has at most 1000 characters (it has 1001)." in response.content.decode()
    assert not Post.objects.exists()


def test_a_page_keeps_its_whole_title(client, author_client):
    page = make_page(title=TITLE, slug="long")
    assert f'<h1 id="page-title">{TITLE}</h1>' in client.get("/long/").content.decode()
    assert f'value="{TITLE}"' in author_client.get(f"/admin/blog/page/{page.pk}/change/").content.decode()


def test_import_wxr_keeps_a_thousand_character_title_whole(author, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text([item(1, TITLE, "long"), item(2, TITLE, "long-page", post_type="page")]))
    run(path)
    assert Post.objects.get().title == TITLE
    assert Page.objects.get().title == TITLE


def test_import_wxr_refuses_a_longer_title_with_its_line_and_imports_nothing(author, tmp_path):
    path = tmp_path / "export.xml"
    text = wxr_text([item(1, "Fine", "fine"), item(2, TITLE + "!", "long")])
    path.write_text(text)
    line = [number for number, line in enumerate(text.splitlines(), 1) if line.strip() == "<item>"][1]
    with pytest.raises(CommandError) as refused:
        run(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: line {line}: the title of post 2 is 1,001 characters long;")
    assert "\n" not in message
    assert not Post.objects.exists()


def test_import_markdown_keeps_a_thousand_character_title_whole(author, tmp_path):
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    (posts / "2020-01-02-long.md").write_text(f'---\ntitle: "{TITLE}"\n---\nBody.\n')
    call_command("import_markdown", str(tmp_path / "site"), stdout=None)
    assert Post.objects.get().title == TITLE
