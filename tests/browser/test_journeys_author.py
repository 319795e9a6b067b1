"""The author's journeys in a real browser: write a post, upload an image for it, preview, schedule, see it go public;
then issue 21's desk: the preview beside the text, an image dropped on an unsaved post, History, the trash, autosave.

Screenshots of each step go to artefacts/screenshots/author-*.png.
"""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from blog.models import Autosave, Post, Upload
from tests.support.browser import log_in, save_screenshot
from tests.support.editor import drop, preview
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


def test_author_writes_beside_the_preview_drops_an_image_restores_a_version_and_a_trashed_post(browser, site, settings):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, site, "author", PASSWORD)

    # A new post, never saved: the preview beside the body follows the typing, a dropped image lands at the cursor.
    page.goto(f"{site}/admin/blog/post/add/")
    page.fill("#id_title", "Fog over the harbour")
    page.fill("#id_tag_names", "Photos")
    page.locator("#id_body").press_sequentially("The *fog* came in at six.\n\n")
    preview(page).locator("em").wait_for()
    drop(page, photo_png(800, 480))
    expect(page.locator("#id_body")).to_have_value(re.compile(r"at six\.\n\n!\[\]\(/media/uploads/.+\.png\)$"))
    upload = Upload.objects.get()
    assert upload.post is None and not Post.objects.exists()
    # Says what it shows, as the status line asks.
    page.fill("#id_body", page.input_value("#id_body").replace("![]", "![Fog hiding the boats]"))
    expect(preview(page).locator("img")).to_have_attribute("alt", "Fog hiding the boats")
    save_screenshot(page, "author-desk-1-writing-beside-the-preview", full_page=False)

    page.select_option("#id_status", "published")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    post = Post.objects.get()
    assert post.is_public and "<picture>" in post.body_html

    # A hasty edit that loses the picture, saved.
    page.fill("#id_body", "The fog came in at nine.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    reader.goto(site + post.get_absolute_url())
    assert reader.locator("article picture").count() == 0

    # History: the version before, its diff, restored (as a new revision).
    page.click("a.historylink")
    rows = page.locator("#content-revisions tbody tr")
    expect(rows).to_have_count(2)
    save_screenshot(page, "author-desk-2-history")
    rows.last.locator("a").click()
    expect(page.locator(".revision-diff")).to_contain_text("at six")
    save_screenshot(page, "author-desk-3-revision")
    page.click("input[value='Restore this version']")
    expect(page.locator(".messagelist")).to_contain_text("Restored the version of")
    assert "at six" in page.input_value("#id_body")
    reader.goto(site + post.get_absolute_url())
    expect(reader.locator("article")).to_contain_text("The fog came in at six.")
    assert reader.locator("article picture").count() == 1

    # Deleted: into the trash, and readers are told it is gone.
    page.click("a.deletelink")
    page.click("input[value='Yes, move it to the trash']")
    expect(page.locator(".messagelist")).to_contain_text("moved to the trash")
    assert reader.goto(site + post.get_absolute_url()).status == 410
    save_screenshot(reader, "author-desk-4-gone")

    # Restored from the trash: back as it was, picture, tag and all.
    page.click("#changelist-filter a:text-is('In the trash')")
    page.check(f"#result_list input[name=_selected_action][value='{post.pk}']")
    save_screenshot(page, "author-desk-5-trash")
    page.select_option("select[name=action]", "restore_from_trash")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("1 post restored.")
    assert reader.goto(site + post.get_absolute_url()).status == 200
    assert reader.locator(".post-tags a").all_inner_texts() == ["Photos"]
    assert reader.locator("article picture img").get_attribute("alt") == "Fog hiding the boats"
    save_screenshot(reader, "author-desk-6-restored")

    # Autosave: a paragraph typed and left unsaved is kept on the server (never published), offered on return.
    settings.AUTOSAVE_SECONDS = 1  # the script's interval from here on: the default 30 s would make a slow journey
    left = []
    page.on("dialog", lambda dialog: (left.append(dialog.type), dialog.accept()))  # "Leave", the author answers
    change = f"{site}/admin/blog/post/{post.pk}/change/"
    page.goto(change)
    body = page.locator("#id_body")
    body.focus()
    body.press("Control+End")
    body.press_sequentially("\n\nBy noon it had lifted.")
    expect(preview(page)).to_contain_text("By noon it had lifted.")
    expect(page.locator(".escribe-autosave-status")).to_contain_text("Autosaved")
    # A tick may fall while the keys are still typed: wait for the autosave of the whole paragraph.
    for _ in range(30):
        if Autosave.objects.filter(post=post, body__endswith="lifted.").exists():
            break
        page.wait_for_timeout(100)
    assert Autosave.objects.get(post=post).body.endswith("By noon it had lifted.")
    save_screenshot(page, "author-desk-7-autosaved", full_page=False)
    page.goto(f"{site}/admin/")
    assert left == ["beforeunload"]
    assert "lifted" not in Post.objects.get(pk=post.pk).body
    reader.goto(site + post.get_absolute_url())
    assert "lifted" not in reader.locator("article").inner_text()

    page.goto(change)
    notice = page.locator(".escribe-autosave-notice")
    expect(notice).to_contain_text("newer than the saved version")
    assert "lifted" not in body.input_value()
    save_screenshot(page, "author-desk-8-autosave-offered", full_page=False)
    notice.get_by_role("link", name="load it into the form").click()
    expect(body).to_have_value(re.compile(r"at six\..*By noon it had lifted\.$", re.DOTALL))
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    page.wait_for_load_state()  # click returns once the next page starts loading
    assert page.locator(".escribe-autosave-notice").count() == 0 and not Autosave.objects.exists()
    reader.goto(site + post.get_absolute_url())
    expect(reader.locator("article")).to_contain_text("By noon it had lifted.")
    assert reader.locator("article picture").count() == 1
    save_screenshot(reader, "author-desk-9-autosave-published")

    for opened_context in (reader.context, context):
        opened_context.close()
