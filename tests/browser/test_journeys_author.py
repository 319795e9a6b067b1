"""The author's journey in a real browser: write a post, upload an image for it, preview, schedule, see it go public.

Screenshots of each step go to artefacts/screenshots/author-*.png.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from blog.models import Post, Upload
from tests.support.browser import log_in, save_screenshot
from tests.support.factories import make_author

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def photo_png(width=2000, height=1200):
    """A picture with something in it (a plain colour would make every copy look alike)."""
    image = Image.new("RGB", (width, height), (30, 90, 160))
    for x in range(0, width, 200):
        image.paste((240, 200, 40), (x, 0, x + 100, height))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def site(live_server, settings, tmp_path):
    # Without nginx, as under `make run`, Django serves the uploads itself.
    settings.SERVE_MEDIA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    make_author(password=PASSWORD)
    return live_server.url


def test_author_writes_a_post_with_an_uploaded_image_previews_and_schedules_it(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    log_in(page, site, "author", PASSWORD)
    page.wait_for_url(f"{site}/admin/")
    save_screenshot(page, "author-1-admin")

    # Write the post and upload its image from the post's own page.
    page.goto(f"{site}/admin/blog/post/add/")
    page.fill("#id_title", "A harbour at dawn")
    page.fill("#id_body", "The boats were still asleep.\n\n")
    page.fill("#id_tag_names", "Photos")
    page.set_input_files(
        "#id_uploads-0-file", files=[{"name": "harbour.png", "mimeType": "image/png", "buffer": photo_png()}]
    )
    page.fill("#id_uploads-0-alt_text", "Boats in a harbour at dawn")
    save_screenshot(page, "author-2-writing-with-an-upload")
    page.click("input[name=_continue]")
    page.wait_for_selector(".escribe-markdown")
    upload = Upload.objects.get()
    assert upload.post.title == "A harbour at dawn"
    assert upload.variants, "the resized copies are made on upload"
    save_screenshot(page, "author-3-markdown-to-paste")

    # Paste the Markdown shown.
    markdown = page.inner_text(".escribe-markdown")
    assert markdown == f"![Boats in a harbour at dawn]({upload.url})"
    page.fill("#id_body", f"The boats were still asleep.\n\n{markdown}\n\nThen the gulls woke up.\n")

    # Preview: a new tab, nothing saved.
    with context.expect_page() as opened:
        page.click("button[formaction$='/preview/']")
    preview = opened.value
    preview.wait_for_load_state()
    image = preview.locator("article picture img")
    assert image.get_attribute("loading") == "lazy"
    image.scroll_into_view_if_needed()
    preview.wait_for_function("document.querySelector('article picture img').complete")
    assert image.evaluate("img => img.naturalWidth") > 0
    assert "webp" in image.evaluate("img => img.currentSrc")
    save_screenshot(preview, "author-4-preview")
    preview.close()
    assert "Then the gulls" not in Post.objects.get().body

    # Schedule it for an hour from now.
    later = timezone.localtime() + timedelta(hours=1)
    page.select_option("#id_status", "published")
    page.fill("#id_published_at_0", later.strftime("%Y-%m-%d"))
    page.fill("#id_published_at_1", later.strftime("%H:%M:%S"))
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    save_screenshot(page, "author-5-scheduled")
    post = Post.objects.get()
    assert post.status == Post.Status.PUBLISHED and not post.is_public
    assert "<picture>" in post.body_html

    # Readers cannot see it yet.
    reader = browser.new_context(viewport={"width": 1280, "height": 900})
    reader_page = reader.new_page()
    assert reader_page.goto(site + post.get_absolute_url()).status == 404
    reader_page.goto(f"{site}/")
    assert "A harbour at dawn" not in reader_page.content()
    save_screenshot(reader_page, "author-6-not-public-yet")

    # The hour passes.
    Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    reader_page.goto(f"{site}/")
    assert "A harbour at dawn" in reader_page.content()
    assert reader_page.goto(site + post.get_absolute_url()).status == 200
    image = reader_page.locator("article picture img")
    image.scroll_into_view_if_needed()
    reader_page.wait_for_function("document.querySelector('article picture img').complete")
    assert image.evaluate("img => img.naturalWidth") > 0
    assert (image.get_attribute("width"), image.get_attribute("height")) == ("2000", "1200")
    assert image.evaluate("img => img.getBoundingClientRect().width") <= 1280
    save_screenshot(reader_page, "author-7-public-desktop")

    # A phone downloads a small copy, not the 2000-pixel original.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    phone_page = phone.new_page()
    phone_page.goto(site + post.get_absolute_url())
    image = phone_page.locator("article picture img")
    image.scroll_into_view_if_needed()
    phone_page.wait_for_function("document.querySelector('article picture img').complete")
    chosen = image.evaluate("img => img.currentSrc")
    assert chosen.endswith("-800w.webp"), chosen
    assert phone_page.locator("html").evaluate("e => e.scrollWidth") <= 390
    save_screenshot(phone_page, "author-8-public-phone")

    # The upload list, and its delete refused while the post shows the image.
    page.goto(f"{site}/admin/blog/upload/")
    save_screenshot(page, "author-9-uploads")
    page.goto(f"{site}/admin/blog/upload/{upload.pk}/delete/")
    assert "cannot be deleted while posts link to it" in page.content()
    save_screenshot(page, "author-10-delete-refused")

    for opened_context in (phone, reader, context):
        opened_context.close()
