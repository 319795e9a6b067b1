"""The post editor's upload endpoint (blog/editor.py): the Upload admin's checks and copies, JSON answers."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from blog.models import Upload
from tests.support.factories import make_post
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
