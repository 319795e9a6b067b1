"""import_wxr --uploads: WordPress attachments become uploads, checked like any upload, and old links lead to them."""

import re
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management.base import CommandError

from blog.models import Post, Upload
from moving.models import WordPressAttachment
from moving.wordpress import attachments
from moving.wordpress.links import rewrite
from moving.wordpress.markup import convert
from moving.wordpress.reader import parse
from tests.moving.test_import_wxr import SITE, item, run, wxr_text
from tests.support import real_fixtures
from tests.support.factories import make_post
from tests.support.images import image_bytes

# Each test its own empty media folder.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

OLD = f"{SITE}/wp-content/uploads"
HTTP_OLD = OLD.replace("https://", "http://")
BLUE = (40, 120, 200)


def attachment(post_id, url, parent=0, alt="", caption="", attached=""):
    meta = "".join(
        f"<wp:postmeta><wp:meta_key>{key}</wp:meta_key><wp:meta_value><![CDATA[{value}]]></wp:meta_value></wp:postmeta>"
        for key, value in (("_wp_attached_file", attached), ("_wp_attachment_image_alt", alt))
        if value
    )
    name = url.rstrip("/").rpartition("/")[2].partition(".")[0] or f"attachment-{post_id}"
    extra = f"<wp:attachment_url>{url}</wp:attachment_url><wp:post_parent>{parent}</wp:post_parent>{meta}"
    return item(post_id, name, name, status="inherit", post_type="attachment", excerpt=caption, extra=extra)


BODY = f"""<p><a href="{HTTP_OLD}/2020/05/photo.jpg"><img src="{OLD}/2020/05/photo-300x200.jpg" alt="A lake"
 width="300" height="200" /></a></p>
<p><img src="/wp-content/uploads/2020/05/chart.png" /> <img src="{OLD}/2020/05/photo-scaled.jpg" /></p>
<p><img src="{OLD}/2020/05/photo-1024x768.webp" /> and [the chart]({OLD}/2020/05/chart.png).</p>"""


@pytest.fixture
def folder(tmp_path):
    """A copy of the old wp-content/uploads: a 2000 px JPEG and a small PNG."""
    uploads = tmp_path / "wp-content-uploads"
    (uploads / "2020" / "05").mkdir(parents=True)
    (uploads / "2020" / "05" / "photo.jpg").write_bytes(image_bytes(2000, 1333, "JPEG", BLUE))
    (uploads / "2020" / "05" / "chart.png").write_bytes(image_bytes(120, 80, "PNG", BLUE))
    return uploads


def export_with(tmp_path, items):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text(items))
    return path


@pytest.fixture
def export(tmp_path):
    return export_with(tmp_path, [
        item(1, "Holiday", "holiday", body=BODY),
        attachment(20, f"{OLD}/2020/05/photo.jpg", parent=1, alt="A lake at dawn", caption="Taken <em>early</em>"),
        attachment(21, f"{OLD}/2020/05/chart.png"),
    ])  # fmt: skip


def stored_files():
    root = Path(default_storage.location)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def srcs(html, attribute="src"):
    return re.findall(rf'{attribute}="([^"]*)"', html)


# --- Attachments become uploads -------------------------------------------------------------------


def test_attachments_become_uploads_with_alt_text_caption_and_parent_post(author, export, folder):
    out = run(export, "--uploads", str(folder))
    photo = WordPressAttachment.objects.get(wordpress_id=20)
    chart = WordPressAttachment.objects.get(wordpress_id=21)
    assert (photo.upload.kind, photo.upload.width, photo.upload.height) == (Upload.Kind.IMAGE, 2000, 1333)
    assert photo.upload.alt_text == "A lake at dawn" and photo.caption == "Taken <em>early</em>"
    assert photo.upload.post == Post.objects.get(slug="holiday") and chart.upload.post is None
    assert (photo.path, chart.upload.original_name) == ("2020/05/photo.jpg", "chart.png")
    assert default_storage.exists(photo.upload.file.name) and photo.upload.variants
    assert "Uploads: 2 created, 0 unchanged, 0 missing, 0 refused." in out


# Before WordPress 2.7, _wp_attached_file held the whole path on the old server.
@pytest.mark.parametrize("attached", ["2020/05/photo.jpg", "/home/old/www/wp-content/uploads/2020/05/photo.jpg"])
def test_the_file_is_found_by_wp_attached_file_when_its_address_has_no_uploads_folder(
    author, tmp_path, folder, attached
):
    path = export_with(tmp_path, [attachment(20, "https://cdn.example.net/x/photo.jpg", attached=attached)])
    run(path, "--uploads", str(folder))
    assert WordPressAttachment.objects.get().upload.width == 2000


# --- Links ----------------------------------------------------------------------------------------


def test_links_and_images_to_the_old_uploads_lead_to_the_new_ones(author, export, folder):
    run(export, "--uploads", str(folder))
    post = Post.objects.get(slug="holiday")
    photo, chart = (WordPressAttachment.objects.get(wordpress_id=n).upload for n in (20, 21))
    copies = {(copy["width"], copy["type"]): default_storage.url(copy["name"]) for copy in photo.variants}
    assert "wp-content/uploads" not in post.body
    assert srcs(post.body, "href") == [photo.url]
    # photo-300x200.jpg: the smallest copy at least 300 wide; -scaled: the original; a WebP size: a WebP copy.
    assert srcs(post.body) == [copies[800, "image/jpeg"], chart.url, photo.url, copies[1600, "image/webp"]]
    assert f"[the chart]({chart.url})" in post.body
    assert copies[800, "image/jpeg"] in post.body_html


def test_srcset_is_rewritten_entry_by_entry_and_an_entry_without_upload_is_dropped(author, tmp_path, folder):
    srcset = (f"{OLD}/2020/05/photo-300x200.jpg 300w, {OLD}/2020/05/photo-768x512.jpg 768w, "
              f"{OLD}/2020/05/photo-1024x683.jpg 1024w, "
              f"{OLD}/2020/05/gone-768x512.jpg 768w, https://elsewhere.example/a.jpg 2000w")  # fmt: skip
    body = f'<img src="{OLD}/2020/05/photo.jpg" srcset="{srcset}" sizes="100vw" />'
    path = export_with(tmp_path, [item(1, "Srcset", "srcset", body=body), attachment(20, f"{OLD}/2020/05/photo.jpg")])
    out = run(path, "--uploads", str(folder))
    photo = Upload.objects.get()
    copies = {
        copy["width"]: default_storage.url(copy["name"]) for copy in photo.variants if copy["type"] != "image/webp"
    }
    assert srcs(Post.objects.get().body, "srcset") == [
        f"{copies[800]} 800w, {copies[1600]} 1600w, https://elsewhere.example/a.jpg 2000w"
    ]
    assert f"srcset entry {OLD}/2020/05/gone-768x512.jpg dropped" in out


def test_a_srcset_with_no_upload_left_goes_and_src_is_listed(author, tmp_path, folder):
    body = f'<img src="{OLD}/2019/01/gone.jpg" srcset="{OLD}/2019/01/gone-300x200.jpg 300w" />'
    path = export_with(tmp_path, [item(1, "Gone", "gone", body=body), attachment(20, f"{OLD}/2020/05/photo.jpg")])
    out = run(path, "--uploads", str(folder))
    # A classic-editor body gets WordPress's paragraphs (markup.py's wpautop).
    assert Post.objects.get().body.strip() == f'<p><img src="{OLD}/2019/01/gone.jpg" /></p>'
    assert f"links to {OLD}/2019/01/gone.jpg, an old upload that was not imported: left as it is" in out


def test_links_to_another_sites_uploads_are_left_as_they_are(author, export, folder):
    run(export, "--uploads", str(folder))
    text = "<img src='https://other.example/wp-content/uploads/2020/05/photo.jpg'>"
    assert rewrite(text) == (text, [])
    assert rewrite(f"<img src='{OLD}/2020/05/photo.jpg'>")[0] != f"<img src='{OLD}/2020/05/photo.jpg'>"


# --- What cannot be brought ------------------------------------------------------------------------


def test_a_missing_file_is_listed_with_its_url_and_the_rest_is_imported(author, tmp_path, folder):
    path = export_with(
        tmp_path, [attachment(20, f"{OLD}/2020/05/photo.jpg"), attachment(22, f"{OLD}/2021/01/lost.jpg")]
    )
    out = run(path, "--uploads", str(folder))
    assert Upload.objects.count() == 1
    assert f"({OLD}/2021/01/lost.jpg): missing: no 2021/01/lost.jpg in {folder}" in out
    assert "Uploads: 1 created, 0 unchanged, 1 missing, 0 refused." in out


def test_a_file_refused_by_its_content_is_listed_with_the_reason(author, tmp_path, folder):
    (folder / "2020" / "05" / "fake.jpg").write_text("not a picture")
    path = export_with(tmp_path, [attachment(23, f"{OLD}/2020/05/fake.jpg")])
    out = run(path, "--uploads", str(folder))
    assert not Upload.objects.exists() and stored_files() == []
    assert "refused: “fake.jpg” is named like an image but is not a JPEG, PNG, GIF or WebP image." in out


def test_without_uploads_attachments_are_listed_with_their_urls_and_how_to_bring_them(author, export):
    out = run(export)
    assert not Upload.objects.exists()
    assert f"({OLD}/2020/05/photo.jpg): not brought in without --uploads\n" in out
    assert f"({OLD}/2020/05/chart.png): not brought in" in out
    assert "Uploads: none brought in without --uploads (2 attachments listed under Skipped)" in out
    assert out.count(attachments.HOW_TO_BRING) == 1


def test_uploads_must_name_a_folder(author, export, tmp_path):
    with pytest.raises(CommandError, match="--uploads .*: no such folder"):
        run(export, "--uploads", str(tmp_path / "nowhere"))


def test_a_file_that_cannot_be_stored_is_listed_and_the_rest_is_imported(author, export, folder, monkeypatch):
    real_save = Upload.save

    def save(upload, *args, **kwargs):
        if upload.file.name == "photo.jpg":
            raise OSError(28, "No space left on device")
        return real_save(upload, *args, **kwargs)

    monkeypatch.setattr(Upload, "save", save)
    out = run(export, "--uploads", str(folder))
    assert (
        "(https://old.example.org/wp-content/uploads/2020/05/photo.jpg): refused: it could not be stored: No space"
        in out
    )
    assert Upload.objects.get().original_name == "chart.png"


# --- Once, or not at all ---------------------------------------------------------------------------


def test_a_second_run_creates_no_second_upload(author, export, folder):
    run(export, "--uploads", str(folder))
    files, body = stored_files(), Post.objects.get().body
    out = run(export, "--uploads", str(folder))
    assert (Upload.objects.count(), stored_files(), Post.objects.get().body) == (2, files, body)
    assert "Uploads: 0 created, 2 unchanged, 0 missing, 0 refused." in out


def test_a_run_with_uploads_after_one_without_rewrites_the_posts_already_imported(author, tmp_path, export, folder):
    run(export)
    assert "wp-content/uploads" in Post.objects.get().body
    out = run(export, "--uploads", str(folder))
    post = Post.objects.get()
    assert "wp-content/uploads" not in post.body and post.uploads.count() == 1
    assert "old links rewritten in 1 posts imported before" in out
    # Only links changed: a post changed in WordPress since is updated, not kept as if edited here.
    changed = export_with(tmp_path, [item(1, "Holiday, again", "holiday", body=BODY)])
    assert "Posts: 0 created, 1 updated" in run(changed, "--uploads", str(folder))
    assert Post.objects.get().title == "Holiday, again"


def test_an_upload_given_to_another_post_here_stays_with_it(author, export, folder):
    run(export, "--uploads", str(folder))
    other = make_post(slug="other")
    Upload.objects.filter(post__isnull=False).update(post=other)
    run(export, "--uploads", str(folder))
    assert Upload.objects.get(post__isnull=False).post == other


def test_wordpress_com_addresses_and_their_resizing_lead_to_the_new_upload(author, tmp_path, folder):
    old = "https://example.files.wordpress.com/2020/05/photo.jpg"
    body = f'<img src="{old}?w=300&#038;h=200" /> <a href="http://example.files.wordpress.com/2020/05/photo.jpg">'
    path = export_with(tmp_path, [item(1, "Com", "com", body=body), attachment(20, old, parent="1" * 30)])
    run(path, "--uploads", str(folder))
    photo = Upload.objects.get()
    small = next(default_storage.url(c["name"]) for c in photo.variants if c["width"] == 800 and "jpeg" in c["type"])
    assert Post.objects.get().body.strip() == f'<p><img src="{small}" /> <a href="{photo.url}"></p>'
    assert photo.post is None  # a parent id beyond the database's numbers is no post


def test_a_long_alt_text_is_cut_to_what_uploads_keep_and_said(author, tmp_path, folder):
    path = export_with(tmp_path, [attachment(20, f"{OLD}/2020/05/photo.jpg", alt="word " * 100)])
    out = run(path, "--uploads", str(folder))
    assert len(Upload.objects.get().alt_text) == 300 and "its alt text is cut to 300 characters" in out


def test_a_path_too_long_to_keep_is_refused(author, tmp_path, folder):
    path = export_with(tmp_path, [attachment(20, f"{OLD}/{'a/' * 300}photo.jpg")])
    out = run(path, "--uploads", str(folder))
    assert not Upload.objects.exists() and "refused: its path is longer than 500 characters" in out


def test_a_dry_run_writes_no_file_and_reports_the_same(author, export, folder, media_root):
    out = run(export, "--uploads", str(folder), "--dry-run")
    assert not Upload.objects.exists() and not WordPressAttachment.objects.exists()
    assert stored_files() == [] and not media_root.exists()
    assert "Uploads: 2 created, 0 unchanged, 0 missing, 0 refused." in out


def test_a_failed_import_leaves_no_file_behind(author, export, folder, monkeypatch):
    def fail(*args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(attachments.Media, "finish", fail)
    with pytest.raises(RuntimeError):
        run(export, "--uploads", str(folder))
    assert not Upload.objects.exists() and stored_files() == []


# --- A hostile folder ------------------------------------------------------------------------------


def test_a_symbolic_link_in_the_folder_is_refused(author, tmp_path, folder):
    secret = tmp_path / "secret_key.jpg"
    secret.write_bytes(image_bytes(10, 10, "JPEG", BLUE))
    (folder / "2020" / "05" / "leak.jpg").symlink_to(secret)
    (folder / "linked").symlink_to(folder / "2020")
    path = export_with(
        tmp_path, [attachment(30, f"{OLD}/2020/05/leak.jpg"), attachment(31, f"{OLD}/linked/05/photo.jpg")]
    )
    out = run(path, "--uploads", str(folder))
    assert not Upload.objects.exists()
    assert f"refused: 2020/05/leak.jpg is a symbolic link out of {folder}" in out
    assert "refused: linked/05/photo.jpg is a symbolic link, or passes through one" in out


@pytest.mark.parametrize("url, attached", [
    (f"{OLD}/../../secret.jpg", ""),
    (f"{OLD}/%2e%2e/%2E%2E/secret.jpg", ""),
    ("https://cdn.example.net/secret.jpg", "/etc/secret.jpg"),
    ("https://cdn.example.net/secret.jpg", "2020/../../secret.jpg"),
])  # fmt: skip
def test_a_path_that_leaves_the_folder_is_refused(author, tmp_path, folder, url, attached):
    (tmp_path / "secret.jpg").write_bytes(image_bytes(10, 10, "JPEG", BLUE))
    path = export_with(tmp_path, [attachment(32, url, attached=attached)])
    out = run(path, "--uploads", str(folder))
    assert not Upload.objects.exists() and f"leads outside {folder}" in out


# --- The real thing ----------------------------------------------------------------------------------

IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF"}
THEME_UNIT_UPLOADS = re.compile(r"(?:https?:)?//wpthemetestdata\.files\.wordpress\.com/([^\s\"'<>()\[\]?#&]+)")


def test_every_image_link_of_the_theme_unit_test_leads_to_its_imported_upload(author, tmp_path):
    """WordPress's theme unit test, with an uploads folder made of its attachments' addresses (generated images)."""
    path = real_fixtures.wordpress_file("theme-unit-test-data.xml")
    export = parse(path)
    folder = tmp_path / "uploads"
    images, others = set(), set()
    for entry in export.items:
        if entry.post_type != "attachment":
            continue
        relative = attachments.relative_paths(entry)[0]
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        format_ = IMAGE_FORMATS.get(relative.rpartition(".")[2].lower())
        (folder / relative).write_bytes(image_bytes(1800, 1200, format_, BLUE) if format_ else b"a video or a song")
        (images if format_ else others).add(relative)
    posts = [entry for entry in export.items if entry.post_type == "post"]
    # In the bodies as converted (the block editor's comments, which name images too, go).
    linked = [url for entry in posts for url in THEME_UNIT_UPLOADS.findall(convert(entry.content)[0] + entry.excerpt)]
    started = time.perf_counter()
    out = run(path, "--uploads", str(folder))
    seconds = time.perf_counter() - started
    bodies = [post.body + post.summary for post in Post.objects.all()]
    left = [url for body in bodies for url in THEME_UNIT_UPLOADS.findall(body)]
    new = sum(body.count(default_storage.url("uploads/")) for body in bodies)
    print(f"\n{len(images)} image attachments, {len(others)} others; {len(linked)} links to the old uploads in posts")
    print(f"{new} links to the new uploads, {len(left)} old ones left: {sorted(set(left))}; {seconds:.1f} s")
    assert f"Uploads: {len(images)} created, 0 unchanged, 0 missing, {len(others)} refused." in out
    assert linked and not [url for url in left if url.rpartition(".")[2].lower() in IMAGE_FORMATS]
    # Every old link leads to a new upload, and [gallery] shortcodes became lists of them too.
    assert new >= len(linked) - len(left)
    galleries = [body for body in bodies if '<ul class="gallery">' in body]
    assert galleries and all(default_storage.url("uploads/") in body for body in galleries)
    # What is left links to files E-Scribe does not take (a video, a song) or that are no attachment (a PDF).
    assert {url.rpartition(".")[2] for url in left} <= {"mov", "mp3", "pdf"}
    assert "an old upload that was not imported: left as it is" in out


def test_the_help_says_what_uploads_does():
    from moving.management.commands.import_wxr import Command

    text = " ".join(Command().create_parser("manage.py", "import_wxr").format_help().split())
    assert "--uploads DIR A copy of the old blog's wp-content/uploads folder" in text


# --- Galleries ------------------------------------------------------------------------------------


def test_a_gallery_shows_the_imported_images_by_ids_or_as_its_posts_attached_images(author, tmp_path, folder):
    path = export_with(tmp_path, [
        item(1, "Holiday", "holiday", body='Before.\n\n[gallery]\n\nAfter.'),
        item(2, "Chosen", "chosen", body='[gallery ids="21,20,99"]'),
        attachment(20, f"{OLD}/2020/05/photo.jpg", parent=1, alt="A lake at dawn", caption="Dawn"),
        attachment(21, f"{OLD}/2020/05/chart.png", parent=1),
    ])  # fmt: skip
    out = run(path, "--uploads", str(folder))
    photo, chart = (WordPressAttachment.objects.get(wordpress_id=number).upload for number in (20, 21))
    holiday, chosen = Post.objects.get(slug="holiday"), Post.objects.get(slug="chosen")
    # Without ids, WordPress showed the images attached to the post, in the order they were added.
    gallery = re.search(r'<ul class="gallery">.*?</ul>', holiday.body_html, re.DOTALL)[0]
    assert srcs(gallery)[:1] == [photo.url] and chart.url in gallery and 'alt="A lake at dawn"' in gallery
    assert gallery.index(photo.url) < gallery.index(chart.url) and "Dawn" in gallery
    chosen_gallery = re.search(r'<ul class="gallery">.*?</ul>', chosen.body_html, re.DOTALL)[0]
    assert chosen_gallery.index(chart.url) < chosen_gallery.index(photo.url)
    assert "[gallery" not in holiday.body_html + chosen.body_html
    assert "not imported, so left out: attachment 99" in out
