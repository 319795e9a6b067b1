"""Uploads in an S3-compatible object store (escribe/storage.py), against moto's S3 server on loopback."""

import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from unittest import mock

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import get_resolver
from moto.server import ThreadedMotoServer

from blog.models import Upload
from escribe import storage
from tests.support.factories import make_post
from tests.support.images import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def store_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(store_endpoint, settings, monkeypatch):
    """A new, publicly readable bucket, made the default storage as ESCRIBE_MEDIA_STORAGE_URL would."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "escribe-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "escribe-test-secret")
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=store_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    public = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}
    client.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [public]}))
    media_url = f"{store_endpoint}/{name}/"
    # The URLconf reads MEDIA_URL once, when first imported: import it with the tests' local media first, so that
    # later tests still find Django's /media/ route.
    get_resolver().url_patterns  # noqa: B018
    options = storage.options(f"s3://{name}?endpoint_url={store_endpoint}&region=us-east-1", media_url)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "escribe.storage.MediaStorage", "OPTIONS": options},
    }
    settings.MEDIA_URL = media_url
    return {"name": name, "client": client, "url": media_url, "options": options}


def objects(bucket):
    listed = bucket["client"].list_objects_v2(Bucket=bucket["name"])
    return {item["Key"] for item in listed.get("Contents", [])}


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read()


def upload(content, name, **fields):
    item = Upload(file=SimpleUploadedFile(name, content), **fields)
    item.full_clean()
    item.save()
    return item


class TestUploads:
    def test_an_upload_through_the_admin_lands_in_the_bucket_with_its_copies(self, bucket, author_client):
        response = author_client.post(
            "/admin/blog/upload/add/", {"file": SimpleUploadedFile("wide.png", image_bytes(2000, 1000)), "alt_text": ""}
        )
        assert response.status_code == 302
        item = Upload.objects.get()
        stem = item.file.name.rsplit(".", 1)[0]
        assert objects(bucket) == {item.file.name} | {variant["name"] for variant in item.variants}
        assert {f"{stem}-800w.png", f"{stem}-800w.webp", f"{stem}-1600w.webp"} <= objects(bucket)
        assert item.url == f"{bucket['url']}{item.file.name}"

    def test_the_post_page_links_the_image_and_its_copies_at_the_stores_address(self, bucket, client):
        item = upload(image_bytes(2000, 1000), "wide.png", alt_text="A red field")
        post = make_post(body=f"Look:\n\n{item.markdown()}\n")
        html = client.get(post.get_absolute_url()).content.decode()
        stem = bucket["url"] + item.file.name.rsplit(".", 1)[0]
        assert f'src="{item.url}"' in html
        assert f"{stem}-800w.png 800w" in html and f"{stem}-1600w.webp 1600w" in html
        assert "/media/" not in html

    def test_the_store_serves_each_file_with_the_headers_nginx_would_send(self, bucket):
        image = upload(image_bytes(2000, 1000), "wide.png")
        document = upload(b"%PDF-1.4 hello", "notes.pdf")
        status, headers, body = fetch(image.url)
        assert status == 200 and headers["Content-Type"] == "image/png"
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Content-Disposition" not in headers
        webp = next(variant for variant in image.variants if variant["type"] == "image/webp")
        status, headers, _ = fetch(bucket["url"] + webp["name"])
        assert status == 200 and headers["Content-Type"] == "image/webp"
        status, headers, body = fetch(document.url)
        assert body == b"%PDF-1.4 hello" and headers["Content-Disposition"] == "attachment"

    def test_a_content_type_the_browser_claims_is_not_what_the_store_sends(self, bucket):
        item = Upload(file=SimpleUploadedFile("page.txt", b"<script>alert(1)</script>", content_type="text/html"))
        item.full_clean()
        item.save()
        _, headers, _ = fetch(item.url)
        assert headers["Content-Type"] == "text/plain"

    def test_a_second_host_sees_an_upload_at_once(self, bucket):
        item = upload(image_bytes(), "shared.png")
        other_host = storage.MediaStorage(**bucket["options"])
        assert other_host.exists(item.file.name)
        with other_host.open(item.file.name, "rb") as stored:
            assert stored.read()[:8] == b"\x89PNG\r\n\x1a\n"
        assert other_host.url(item.file.name) == item.url

    def test_a_failed_store_write_saves_no_upload_and_leaves_no_object(self, bucket):
        real_save = storage.MediaStorage._save
        calls = []

        def save(self, name, content):
            calls.append(name)
            if len(calls) == 3:  # the original and a copy are stored, the next copy fails
                raise OSError("the store went away")
            return real_save(self, name, content)

        with mock.patch.object(storage.MediaStorage, "_save", save), pytest.raises(OSError):
            upload(image_bytes(2000, 1000), "wide.png")
        assert len(calls) == 3
        assert not Upload.objects.exists()
        assert objects(bucket) == set()

    def test_an_unreachable_store_saves_no_upload(self, bucket, settings):
        closed = {**bucket["options"], "endpoint_url": "http://127.0.0.1:9"}
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "escribe.storage.MediaStorage", "OPTIONS": closed},
        }
        with pytest.raises(Exception, match="127.0.0.1:9"):
            upload(b"hello", "notes.txt")
        assert not Upload.objects.exists()

    def test_deleting_an_upload_deletes_its_objects_on_commit(self, bucket, django_capture_on_commit_callbacks):
        item = upload(image_bytes(2000, 1000), "wide.png")
        assert len(objects(bucket)) > 1
        with django_capture_on_commit_callbacks(execute=True):
            item.delete()
        assert objects(bucket) == set()
        with pytest.raises(urllib.error.HTTPError):
            fetch(item.url)

    def test_an_upload_a_post_links_to_at_the_stores_address_is_not_deleted(self, bucket, author_client):
        item = upload(image_bytes(), "used.png")
        assert item.url in item.markdown()
        make_post(title="Uses the picture", body=item.markdown())
        shown = author_client.get(f"/admin/blog/upload/{item.pk}/delete/").content.decode()
        assert "cannot be deleted while posts link to it" in shown and "Uses the picture" in shown
        author_client.post(f"/admin/blog/upload/{item.pk}/delete/", {"post": "yes"})
        assert Upload.objects.filter(pk=item.pk).exists() and item.file.name in objects(bucket)

    def test_an_existing_name_is_never_overwritten(self, bucket):
        first = default_storage.save("uploads/same.txt", SimpleUploadedFile("same.txt", b"first"))
        second = default_storage.save("uploads/same.txt", SimpleUploadedFile("same.txt", b"second"))
        assert first != second
        with default_storage.open(first) as stored:
            assert stored.read() == b"first"


@pytest.mark.django_db(transaction=True)
def test_files_are_written_outside_any_transaction(bucket):
    seen = []
    real_save = storage.MediaStorage._save

    def save(self, name, content):
        seen.append(connection.in_atomic_block)
        return real_save(self, name, content)

    with mock.patch.object(storage.MediaStorage, "_save", save):
        upload(image_bytes(2000, 1000), "wide.png")
    assert len(seen) > 1 and not any(seen)


class TestOptions:
    def test_the_url_gives_bucket_endpoint_region_and_safe_defaults(self):
        found = storage.options("s3://blog-media?endpoint_url=http://127.0.0.4:9000&region=eu-west-1",
                                "http://127.0.0.4:9000/blog-media/")  # fmt: skip
        assert found["bucket_name"] == "blog-media" and found["region_name"] == "eu-west-1"
        assert found["endpoint_url"] == "http://127.0.0.4:9000"
        assert found["querystring_auth"] is False and found["file_overwrite"] is False
        assert found["default_acl"] is None
        assert (found["custom_domain"], found["url_protocol"]) == ("127.0.0.4:9000/blog-media", "http:")

    @pytest.mark.parametrize(
        "url", ["blog-media", "s3://", "s3://blog-media/folder", "s3://key:secret@blog-media", "s3://b?endpoint=x"]
    )
    def test_a_malformed_store_url_is_a_clear_error(self, url):
        with pytest.raises(ImproperlyConfigured, match="ESCRIBE_MEDIA_STORAGE_URL"):
            storage.options(url, "https://media.example.org/")

    @pytest.mark.parametrize("media_url", ["", "/media/", "media.example.org/", "https://media.example.org"])
    def test_a_missing_or_relative_public_address_is_a_clear_error(self, media_url):
        with pytest.raises(ImproperlyConfigured, match="ESCRIBE_MEDIA_URL"):
            storage.options("s3://blog-media", media_url)


def settings_with(environment, expression):
    """`expression` evaluated in a fresh process whose settings come from `environment`."""
    code = "import django; django.setup(); from django.conf import settings; from django.urls import reverse; "
    env = {key: value for key, value in os.environ.items() if not key.startswith("ESCRIBE_MEDIA_")}
    env.update(DJANGO_SETTINGS_MODULE="escribe.settings", **environment)
    done = subprocess.run(
        [sys.executable, "-c", f"{code}print({expression})"], env=env, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip(), done.stderr


STORE = {
    "ESCRIBE_MEDIA_STORAGE_URL": "s3://blog-media?endpoint_url=http://127.0.0.4:9000",
    "ESCRIBE_MEDIA_URL": "http://127.0.0.4:9000/blog-media/",
}


class TestSettings:
    def test_without_a_store_the_uploads_stay_in_the_local_folder_at_media(self):
        shown, _ = settings_with(
            {}, "settings.STORAGES['default']['BACKEND'], settings.MEDIA_URL, reverse('media', args=['a.png'])"
        )
        assert shown == "django.core.files.storage.FileSystemStorage /media/ /media/a.png"

    def test_with_a_store_pages_may_show_its_images_and_django_serves_no_media_route(self):
        shown, _ = settings_with(STORE, "settings.STORAGES['default']['BACKEND'], settings.MEDIA_URL")
        assert shown == "escribe.storage.MediaStorage http://127.0.0.4:9000/blog-media/"
        shown, _ = settings_with(STORE, "settings.CONTENT_SECURITY_POLICY")
        assert "img-src 'self' data: https: http://127.0.0.4:9000;" in shown
        shown, _ = settings_with(STORE, "settings.ADMIN_CONTENT_SECURITY_POLICY")
        assert "img-src 'self' data: https: http://127.0.0.4:9000;" in shown
        shown, error = settings_with(STORE, "reverse('media', args=['a.png'])")
        assert shown == "" and "NoReverseMatch" in error

    def test_a_store_without_its_public_address_stops_at_start_with_one_line(self):
        shown, error = settings_with({**STORE, "ESCRIBE_MEDIA_URL": ""}, "1")
        assert shown == "" and "ImproperlyConfigured: ESCRIBE_MEDIA_URL" in error


def test_a_static_export_keeps_the_stores_links_and_says_the_uploads_stay_there(bucket, tmp_path):
    item = upload(image_bytes(2000, 1000), "wide.png", alt_text="Wide")
    post = make_post(title="With a picture", body=item.markdown())
    warnings = io.StringIO()
    call_command("export_site", str(tmp_path / "copy"), stdout=io.StringIO(), stderr=warnings)
    assert f"the pages link to them in the object store at {bucket['url']}" in warnings.getvalue()
    page = (tmp_path / "copy" / post.get_absolute_url().strip("/") / "index.html").read_text()
    assert f'src="{item.url}"' in page
    assert not any(path.name == "media" for path in (tmp_path / "copy").iterdir())


def test_a_markdown_export_copies_the_uploads_out_of_the_store(bucket, tmp_path):
    item = upload(image_bytes(2000, 1000), "wide.png")
    make_post(title="With a picture", body=item.markdown())
    call_command("export_markdown", str(tmp_path / "posts"), stdout=io.StringIO())
    copied = {path.relative_to(tmp_path / "posts" / "media").as_posix() for path in tmp_path.glob("posts/media/**/*.*")}
    assert copied == set(item.stored_names()) and len(copied) > 1
    assert (tmp_path / "posts" / "media" / item.file.name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
