"""The editor's endpoints on posts, pages and blurbs (blog/editor.py, blog/editoradmin.py): uploads, previews."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from blog.models import Blurb, Page, Upload
from tests.support.factories import make_blurb, make_post
from tests.support.images import image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

URL = "/admin/blog/post/upload/"


def png(name="drop.png", **size):
    return SimpleUploadedFile(name, image_bytes(**size), content_type="image/png")


def test_an_image_uploaded_before_the_post_is_saved_gives_its_markdown(author_client):
    response = author_client.post(URL, {"file": png(width=2000, height=1000)})
    assert response.status_code == 201
    upload = Upload.objects.get()
    assert upload.post is None
    assert [copy["width"] for copy in upload.variants if copy["type"] == "image/png"] == [800, 1600]
    assert response.json() == {"markdown": f"![]({upload.url})", "url": upload.url}


def test_an_image_uploaded_for_a_saved_post_is_marked_as_its_own(author_client):
    post = make_post()
    author_client.post(URL, {"file": png(), "post": post.pk})
    assert Upload.objects.get().post == post


def test_a_file_that_is_no_image_is_refused_with_the_upload_forms_message(author_client):
    response = author_client.post(URL, {"file": SimpleUploadedFile("cat.png", b"<svg onload=alert(1)>")})
    assert response.status_code == 400
    assert response.json()["error"].startswith("SVG images are not accepted")
    assert not Upload.objects.exists()


def test_a_request_without_a_file_is_refused_with_a_message(author_client):
    response = author_client.post(URL, {})
    assert response.status_code == 400
    assert response.json()["error"].startswith("No file arrived")


def test_a_staff_member_without_the_permission_to_add_uploads_is_refused(client):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_post"))
    client.force_login(user)
    response = client.post(URL, {"file": png()})
    assert response.status_code == 403
    assert "permission" in response.json()["error"]
    assert not Upload.objects.exists()


def test_an_upload_without_the_csrf_token_is_refused(author):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    assert client.post(URL, {"file": png()}).status_code == 403
    assert not Upload.objects.exists()


def test_a_get_stores_nothing(author_client):
    assert author_client.get(URL).status_code == 405


def test_the_post_form_loads_the_editor_script_and_says_where_to_send(author_client):
    page = author_client.get("/admin/blog/post/add/").content.decode()
    assert "/static/js/admin-editor.js" in page
    assert f'data-upload-url="{URL}"' in page
    assert 'data-preview-url="/admin/blog/post/preview/"' in page


@pytest.mark.parametrize("model", ["page", "blurb"])
def test_the_page_and_blurb_forms_load_the_same_editor_with_their_own_addresses(author_client, model):
    html = author_client.get(f"/admin/blog/{model}/add/").content.decode()
    assert "/static/js/admin-editor.js" in html and "/static/css/admin-editor.css" in html
    assert f'data-upload-url="/admin/blog/{model}/upload/"' in html
    assert f'data-preview-url="/admin/blog/{model}/preview/"' in html
    assert 'data-body="id_body"' in html and "data-post=" not in html
    assert f'formaction="/admin/blog/{model}/preview/"' in html  # the new-tab preview, without the script


def test_a_saved_page_form_carries_the_editor_too(author_client):
    page = Page.objects.create(title="About", slug="about", body="Me.")
    html = author_client.get(f"/admin/blog/page/{page.pk}/change/").content.decode()
    assert 'data-preview-url="/admin/blog/page/preview/"' in html and "data-post=" not in html


def test_an_image_uploaded_while_writing_a_page_belongs_to_no_post(author_client):
    response = author_client.post("/admin/blog/page/upload/", {"file": png()})
    assert response.status_code == 201
    assert Upload.objects.get().post is None


@pytest.mark.parametrize("model", ["page", "blurb"])
def test_uploading_from_a_page_or_blurb_needs_the_permission_to_add_uploads(client, model):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename=f"add_{model}"))
    client.force_login(user)
    assert client.post(f"/admin/blog/{model}/upload/", {"file": png()}).status_code == 403
    assert not Upload.objects.exists()


def page_article(response):
    return re.search(r'<article class="standalone-page".*?</article>', response.content.decode(), re.S).group(0)


def test_the_page_preview_is_the_readers_own_page_and_saves_nothing(author_client, client):
    form = {"title": "Uses", "slug": "uses", "body": "## Desk\n\n```python\npass\n```", "status": "published",
            "in_navigation": "on", "position": "0"}  # fmt: skip
    preview = author_client.post("/admin/blog/page/preview/", form)
    assert preview.status_code == 200 and preview["X-Robots-Tag"] == "noindex"
    assert "Preview: nothing is saved" in preview.content.decode()
    assert not Page.objects.exists()
    author_client.post("/admin/blog/page/add/", form)
    assert page_article(preview) == page_article(client.get("/uses/"))


def test_the_page_preview_warns_about_what_could_not_be_rendered(author_client):
    response = author_client.post("/admin/blog/page/preview/", {"title": "X", "body": "```klingon\nQapla'\n```"})
    assert "Unknown language" in response.content.decode()


def test_the_blurb_preview_is_the_readers_sidebar_blurb_and_saves_nothing(author_client, client):
    make_post()
    form = {"title": "Colophon", "body": "Set in *Iowan*.", "position": "1", "visible": "on"}
    preview = author_client.post("/admin/blog/blurb/preview/", form)
    assert preview.status_code == 200 and preview["X-Robots-Tag"] == "noindex"
    assert not Blurb.objects.exists()
    author_client.post("/admin/blog/blurb/add/", form)

    def blurb(response):
        return re.search(r'<section class="blurb">.*?</section>', response.content.decode(), re.S).group(0)

    assert blurb(preview) == blurb(client.get("/"))
    assert "<em>Iowan</em>" in blurb(preview)


def test_the_blurb_preview_shows_the_blurb_being_written_not_the_saved_one(author_client):
    make_blurb(title="Saved", body="Old words.")
    html = author_client.post("/admin/blog/blurb/preview/", {"title": "Saved", "body": "New words."}).content.decode()
    assert "New words." in html and "Old words." not in html


@pytest.mark.parametrize("model", ["page", "blurb"])
def test_a_preview_needs_a_staff_login(client, model):
    response = client.post(f"/admin/blog/{model}/preview/", {"title": "x", "body": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("model", ["page", "blurb"])
def test_a_preview_needs_the_permission_to_write_that_kind_of_document(client, model):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_post"))
    client.force_login(user)
    assert client.post(f"/admin/blog/{model}/preview/", {"title": "x", "body": "*secret*"}).status_code == 403


@pytest.mark.parametrize("model", ["page", "blurb"])
def test_a_preview_may_be_asked_by_the_change_permission_alone(client, model):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename=f"change_{model}"))
    client.force_login(user)
    assert client.post(f"/admin/blog/{model}/preview/", {"title": "x", "body": "x"}).status_code == 200


@pytest.mark.parametrize("model", ["page", "blurb"])
def test_a_preview_is_never_a_get(author_client, model):
    assert author_client.get(f"/admin/blog/{model}/preview/").status_code == 405
