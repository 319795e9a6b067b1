"""The trash in a real browser: the author deletes a post, readers get 410 Gone, the trash restores it or deletes it.

Screenshots of each step go to artefacts/screenshots/trash-*.png.
"""

import pytest
from playwright.sync_api import expect

from blog.models import Page, Post
from comments.models import Comment
from tests.support.accessibility import SERIOUS, axe_findings, axe_source, axe_violations, report
from tests.support.browser import log_in, save_screenshot
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_author, make_post, make_tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
POSTS = "/admin/blog/post/"


@pytest.fixture
def blog(live_server):
    make_author()
    post = make_post(title="Zanzibar days", body="Spice and *dhows*.", tags=[make_tag("Travel"), make_tag("Boats")])
    make_comment(post, status="approved", author_name="Grace", body="I went there in 2009.")
    kept = make_post(title="Still here")
    return {"url": live_server.url, "post": post, "kept": kept}


@pytest.fixture
def author_page(browser, blog):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, blog["url"], "author", "correct horse battery staple")
    yield page
    context.close()


@pytest.fixture
def reader_page(browser):
    # JavaScript on, for axe (with it off, axe's promise never settles); the public pages run none anyway.
    context = browser.new_context(viewport=DESKTOP)
    yield context.new_page()
    context.close()


def open_the_trash(page, url):
    """From the posts' list, as the author finds it: the list hides the trash, its filter shows it."""
    page.goto(url + POSTS)
    page.click("#changelist-filter a:text-is('In the trash')")
    page.wait_for_url("**/?trash=yes")


def act_on(page, post, action):
    page.check(f"#result_list input[name=_selected_action][value='{post.pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def test_a_deleted_post_answers_410_until_the_author_restores_it_from_the_trash(author_page, reader_page, blog):
    page, reader, url, post = author_page, reader_page, blog["url"], blog["post"]

    # The post's own Delete link asks first, saying where the post goes.
    page.goto(f"{url}{POSTS}{post.pk}/change/")
    page.click("a.deletelink")
    expect(page.locator("#content")).to_contain_text("410 Gone")
    save_screenshot(page, "trash-1-confirm")
    page.click("input[value='Yes, move it to the trash']")
    expect(page.locator(".messagelist")).to_contain_text("“Zanzibar days” moved to the trash.")
    assert page.locator("#result_list tbody th a").all_inner_texts() == [blog["kept"].title]

    open_the_trash(page, url)
    expect(page.locator("#result_list tbody th a")).to_have_text(["Zanzibar days"])
    save_screenshot(page, "trash-2-list")

    # Removed on purpose: 410, a page that says so, as accessible as any other public page.
    response = reader.goto(url + post.get_absolute_url())
    assert response.status == 410
    assert reader.locator("h1").inner_text() == "This post was removed"
    violations = axe_violations(reader, axe_source())
    assert not violations, report(violations)
    save_screenshot(reader, "trash-3-gone")

    act_on(page, post, "restore_from_trash")
    expect(page.locator(".messagelist")).to_contain_text("1 post restored.")
    assert page.locator("#result_list").count() == 0  # the trash is empty again
    save_screenshot(page, "trash-4-restored")

    # Back as it was: published, with its tags and its comment.
    assert reader.goto(url + post.get_absolute_url()).status == 200
    assert reader.locator(".post-tags a").all_inner_texts() == ["Boats", "Travel"]
    expect(reader.locator(".comment-list")).to_contain_text("I went there in 2009.")
    save_screenshot(reader, "trash-5-back")
    assert Post.objects.get(pk=post.pk).status == Post.Status.PUBLISHED


def test_delete_for_good_from_the_trash_takes_the_post_and_its_comments(author_page, reader_page, blog):
    page, url, post, kept = author_page, blog["url"], blog["post"], blog["kept"]
    post.move_to_trash()

    open_the_trash(page, url)
    act_on(page, post, "delete_selected")
    # Django's own confirmation, listing what goes with the post.
    expect(page.locator("#content")).to_contain_text("Grace")
    save_screenshot(page, "trash-6-delete-for-good")
    page.click("input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text("Successfully deleted 1 post.")

    assert not Post.objects.filter(pk=post.pk).exists() and not Comment.objects.filter(post_id=post.pk).exists()
    assert Post.objects.filter(pk=kept.pk).exists()
    assert reader_page.goto(url + post.get_absolute_url()).status == 404


def test_the_trash_lists_have_no_serious_axe_violations(browser, live_server):
    make_author()
    make_post(title="Kept")
    make_post(title="Thrown away").move_to_trash()
    Page.objects.create(title="Old page", slug="old-page", body="Gone.").move_to_trash()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")

    def visits():
        for model, title in [("post", "Thrown away"), ("page", "Old page")]:
            page.goto(f"{live_server.url}/admin/blog/{model}/?trash=yes")
            assert page.locator("#result_list").inner_text().count(title) == 1
            yield f"{model} trash"

    findings = axe_findings(page, visits(), impacts=SERIOUS)
    context.close()
    assert not findings, findings
