"""The editor's script in a real browser on posts, pages and blurbs: images dropped while unsaved, the live preview."""

import re

import pytest
from playwright.sync_api import expect

from blog.models import Blurb, Page, Post, Upload
from tests.support.accessibility import SERIOUS, axe_findings
from tests.support.browser import log_in, save_screenshot
from tests.support.editor import drop, preview_text
from tests.support.factories import make_author, make_blurb, make_post
from tests.support.images import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]


@pytest.fixture
def authors_page(browser, live_server):
    make_author()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")
    yield page
    context.close()


@pytest.fixture
def new_post_page(authors_page, live_server):
    authors_page.goto(live_server.url + "/admin/blog/post/add/")
    return authors_page


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


def test_an_image_dropped_on_an_unsaved_page_lands_at_the_cursor_and_in_the_preview(authors_page, live_server):
    page = authors_page
    page.goto(live_server.url + "/admin/blog/page/add/")
    page.fill("#id_title", "Uses")
    page.locator("#id_body").press_sequentially("My *desk*.")
    frame = page.frame_locator("iframe.escribe-preview")
    expect(frame.locator("main .standalone-page em")).to_have_text("desk")
    drop(page, image_bytes())
    expect(page.locator("#id_body")).to_have_value(re.compile(r"^My \*desk\*\.!\[\]\(/media/uploads/.+\.png\)$"))
    upload = Upload.objects.get()
    assert upload.post is None and not Page.objects.exists()
    # The preview follows the inserted Markdown: the image as readers will get it (its copies, its size).
    expect(frame.locator(f"main .standalone-page img[src='{upload.url}']")).to_have_count(1)
    save_screenshot(page, "admin-page-editor-1280", full_page=False)


def test_the_preview_beside_a_saved_blurb_is_the_sidebar_blurb_and_follows_the_text(authors_page, live_server):
    page = authors_page
    blurb = make_blurb(title="Colophon", body="Set in a serif.")
    page.goto(f"{live_server.url}/admin/blog/blurb/{blurb.pk}/change/")
    frame = page.frame_locator("iframe.escribe-preview")
    expect(frame.locator(".sidebar .blurb")).to_contain_text("Set in a serif.")
    page.locator("#id_body").press_sequentially(" *Iowan*, mostly.")
    expect(frame.locator(".sidebar .blurb em")).to_have_text("Iowan")
    # The frame opens on the sidebar (below the content at its width), not on the site's header.
    assert page.frame_locator("iframe.escribe-preview").locator("html").evaluate("html => scrollY") > 0
    assert Blurb.objects.get().body == "Set in a serif."  # nothing saved while previewing


def editor_visits(page, base_url):
    """The add and change forms of a post, a page and a blurb, each with its preview drawn."""
    post = make_post(title="Saved post")
    saved = Page.objects.create(title="Saved page", slug="saved", body="Words.")
    blurb = make_blurb(title="Saved blurb")
    for model, pk in [("post", post.pk), ("page", saved.pk), ("blurb", blurb.pk)]:
        for action, path in [("add", "add/"), ("change", f"{pk}/change/")]:
            page.goto(f"{base_url}/admin/blog/{model}/{path}")
            page.frame_locator("iframe.escribe-preview").locator("main").wait_for()
            yield f"{model} {action} form"


def test_the_editor_forms_have_no_serious_axe_violations(authors_page, live_server):
    # All of each form: the date and time pair, the uploads inline and the breadcrumbs included.
    findings = axe_findings(authors_page, editor_visits(authors_page, live_server.url), impacts=SERIOUS)
    assert not findings, findings


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


def test_without_javascript_a_page_previews_in_a_new_tab_and_saves(browser, live_server):
    make_author()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")
    page.goto(live_server.url + "/admin/blog/page/add/")
    assert page.locator("iframe.escribe-preview").count() == 0
    page.fill("#id_title", "Plain")
    page.fill("#id_slug", "plain")
    page.fill("#id_body", "Saved *without* a script.")
    with context.expect_page() as opened:
        page.click("button[formtarget=_blank]")
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator(".standalone-page em").inner_text() == "without"
    assert not Page.objects.exists()
    page.click("input[name=_save]")
    assert Page.objects.get().body == "Saved *without* a script."
    context.close()
