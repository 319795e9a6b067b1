"""Autosave in a real browser (static/js/admin-autosave.js): text kept, offered again, loaded back; leaving warns.
Posts, and a page: the same script sends a page's own fields to the page's endpoint."""

import pytest
from playwright.sync_api import expect

from blog.models import Autosave, Page, Post
from tests.support.accessibility import SERIOUS, axe_findings
from tests.support.browser import log_in, save_screenshot
from tests.support.factories import make_author, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]


@pytest.fixture
def author_page(browser, live_server, settings):
    settings.AUTOSAVE_SECONDS = 1  # the page's interval, from the setting: 30 s would make a slow test
    make_author()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")
    page.dialogs = []

    def answer(dialog):
        page.dialogs.append(dialog.type)
        dialog.accept()  # leave the page, as the author who answers "Leave" does

    page.on("dialog", answer)
    yield page
    context.close()


def type_at_end(page, text):
    body = page.locator("#id_body")
    body.focus()
    body.press("Control+End")
    body.press_sequentially(text)


def autosaves_sent(page):
    sent = []
    page.on("request", lambda request: sent.append(request) if request.url.endswith("/autosave/") else None)
    return sent


def test_typed_text_is_autosaved_offered_again_and_loaded_back_into_the_form(author_page, live_server):
    page = author_page
    post = make_post(title="Harbour", body="Saved text.")
    change = f"{live_server.url}/admin/blog/post/{post.pk}/change/"
    page.goto(change)
    sent = autosaves_sent(page)
    type_at_end(page, " Typed after.")
    expect(page.locator(".escribe-autosave-status")).to_contain_text("Autosaved")
    assert Autosave.objects.get().body == "Saved text. Typed after."
    assert Post.objects.get(pk=post.pk).body == "Saved text."
    # Nothing typed since: the next ticks send nothing.
    page.wait_for_timeout(2500)
    assert len(sent) == 1

    page.goto(change)
    notice = page.locator(".escribe-autosave-notice")
    expect(notice).to_contain_text("newer than the saved version")
    assert page.input_value("#id_body") == "Saved text."
    save_screenshot(page, "admin-post-autosave-offered-1280", full_page=False)
    notice.get_by_role("link", name="load it into the form").click()
    expect(page.locator("#id_body")).to_have_value("Saved text. Typed after.")
    assert Post.objects.get(pk=post.pk).body == "Saved text."

    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("Harbour")
    assert Post.objects.get(pk=post.pk).body == "Saved text. Typed after."
    assert not Autosave.objects.exists()
    assert page.locator(".escribe-autosave-notice").count() == 0


def test_a_new_post_never_saved_is_autosaved_and_offered_on_the_add_page(author_page, live_server):
    page = author_page
    page.goto(live_server.url + "/admin/blog/post/add/")
    page.fill("#id_title", "Unsaved thoughts")
    type_at_end(page, "Half a post.")
    expect(page.locator(".escribe-autosave-status")).to_contain_text("Autosaved")
    assert not Post.objects.exists()

    page.goto(live_server.url + "/admin/blog/post/add/")
    page.get_by_role("link", name="load it into this form").click()
    expect(page.locator("#id_body")).to_have_value("Half a post.")
    assert page.input_value("#id_title") == "Unsaved thoughts"
    page.click("input[name=_save]")
    assert Post.objects.get().body == "Half a post."
    assert not Autosave.objects.exists()


def test_leaving_with_unsaved_changes_asks_first_and_saving_does_not(author_page, live_server):
    page = author_page
    post = make_post(body="Saved text.")
    change = f"{live_server.url}/admin/blog/post/{post.pk}/change/"
    page.goto(change)
    page.goto(live_server.url + "/admin/")  # nothing changed: nothing to ask
    assert page.dialogs == []

    page.goto(change)
    type_at_end(page, " More.")
    page.goto(live_server.url + "/admin/")
    assert page.dialogs == ["beforeunload"]

    page.goto(change)
    type_at_end(page, " Kept.")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_be_visible()
    assert page.dialogs == ["beforeunload"]
    assert Post.objects.get(pk=post.pk).body == "Saved text. Kept."


def test_the_post_page_with_an_autosave_offered_has_no_serious_axe_violations(author_page, live_server):
    page = author_page
    post = make_post(body="Saved text.")
    change = f"{live_server.url}/admin/blog/post/{post.pk}/change/"
    page.goto(change)
    type_at_end(page, " Typed.")
    expect(page.locator(".escribe-autosave-status")).to_contain_text("Autosaved")

    def visits():
        page.goto(change)
        expect(page.locator(".escribe-autosave-notice")).to_be_visible()
        yield "the post with an autosave offered"
        page.get_by_role("link", name="compare it with the saved version").click()
        expect(page.locator("#autosave-body ins")).to_contain_text("Typed.")
        yield "the autosave compared with the saved version"

    findings = axe_findings(page, visits(), impacts=SERIOUS)
    assert not findings, findings


def test_a_pages_typed_text_is_autosaved_offered_again_and_loaded_back(author_page, live_server):
    page = author_page
    about = Page.objects.create(title="About", slug="about", body="Saved text.", status=Page.Status.PUBLISHED)
    change = f"{live_server.url}/admin/blog/page/{about.pk}/change/"
    page.goto(change)
    type_at_end(page, " Typed after.")
    expect(page.locator(".escribe-autosave-status")).to_contain_text("Autosaved")
    kept = Autosave.objects.get()
    assert (kept.kind, kept.page, kept.body) == ("page", about, "Saved text. Typed after.")
    assert Page.objects.get(pk=about.pk).body == "Saved text."

    page.goto(change)
    notice = page.locator(".escribe-autosave-notice")
    expect(notice).to_contain_text("newer than the saved version")
    assert page.input_value("#id_body") == "Saved text."
    notice.get_by_role("link", name="load it into the form").click()
    expect(page.locator("#id_body")).to_have_value("Saved text. Typed after.")
    assert Page.objects.get(pk=about.pk).body == "Saved text."

    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("About")
    assert Page.objects.get(pk=about.pk).body == "Saved text. Typed after."
    assert not Autosave.objects.exists()
