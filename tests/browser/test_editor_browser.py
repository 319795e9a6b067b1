"""The post editor's script in a real browser: an image dropped on an unsaved post, the preview beside the text."""

import re

import pytest
from playwright.sync_api import expect

from blog.models import Post, Upload
from tests.support.accessibility import AXE_TAGS, axe_source, report
from tests.support.browser import log_in, save_screenshot
from tests.support.editor import drop, preview_text
from tests.support.factories import make_author
from tests.support.images import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]


@pytest.fixture
def new_post_page(browser, live_server):
    make_author()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")
    page.goto(live_server.url + "/admin/blog/post/add/")
    yield page
    context.close()


def test_an_image_dropped_on_an_unsaved_post_is_uploaded_and_its_markdown_lands_at_the_cursor(new_post_page):
    page = new_post_page
    page.fill("#id_body", "Before.\n\nAfter.")
    page.locator("#id_body").evaluate("body => body.setSelectionRange(9, 9)")
    drop(page, image_bytes())
    # Playwright's expect, not wait_for_function: the admin's CSP forbids the eval the latter needs.
    expect(page.locator("#id_body")).to_have_value(re.compile(r"!\[\]\("))
    upload = Upload.objects.get()
    assert upload.post is None and not Post.objects.exists()
    assert page.input_value("#id_body") == f"Before.\n\n![]({upload.url})After."
    assert "Uploaded" in page.inner_text(".escribe-status")


def test_a_pasted_image_is_uploaded_and_a_refused_one_says_why(new_post_page):
    page = new_post_page
    drop(page, image_bytes(), name="screenshot.png", kind="paste")
    expect(page.locator("#id_body")).to_have_value(re.compile(r"^!\[\]\(/media/uploads/.+\.png\)$"))
    drop(page, b"<svg onload=alert(1)>", name="drawing.png")
    expect(page.locator(".escribe-status")).to_contain_text("Not uploaded: SVG images are not accepted")
    assert Upload.objects.count() == 1


def test_the_preview_beside_the_body_follows_the_text(new_post_page):
    page = new_post_page
    page.fill("#id_title", "Harbour")
    page.locator("#id_body").press_sequentially("A *quiet* morning")
    page.frame_locator("iframe.escribe-preview").locator("main em").wait_for()
    assert "A quiet morning" in preview_text(page)
    save_screenshot(page, "admin-post-editor-1280", full_page=False)
    page.locator("#id_body").press_sequentially(" at sea")
    expect(page.frame_locator("iframe.escribe-preview").locator("main")).to_contain_text("A quiet morning at sea")
    # Debounced: one request after a burst of typing, not one per key (24 keys were pressed).
    assert int(page.get_attribute("iframe.escribe-preview", "data-rendered")) <= 4


def test_the_post_editor_has_no_serious_axe_violations(new_post_page):
    page = new_post_page
    page.frame_locator("iframe.escribe-preview").locator("main").wait_for()
    page.evaluate(axe_source())
    # Everything but two parts of Django's own form this change leaves alone, where axe finds
    # inputs named by a title only: the date and time pair, and the uploads inline's table.
    violations = page.evaluate(
        "tags => axe.run({exclude: [['.field-published_at'], ['.inline-group']]},"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}).then(results => results.violations)",
        AXE_TAGS,
    )
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, report(serious)


def test_without_javascript_the_plain_form_still_saves_a_post(browser, live_server):
    make_author()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")
    page.goto(live_server.url + "/admin/blog/post/add/")
    assert page.locator("iframe.escribe-preview").count() == 0
    page.fill("#id_title", "Plain")
    page.fill("#id_slug", "plain")
    page.fill("#id_body", "Saved without a script.")
    page.click("input[name=_save]")
    assert Post.objects.get().body == "Saved without a script."
    context.close()
