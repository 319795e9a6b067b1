"""Revisions in a real browser: restoring works with JavaScript off, and axe finds nothing serious on their pages."""

import pytest
from playwright.sync_api import expect

from blog.models import Page, Post
from tests.support.accessibility import SERIOUS, axe_findings
from tests.support.browser import log_in, save_screenshot
from tests.support.factories import make_author, make_blurb, make_post, make_tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def edited(live_server):
    """A post edited once in the admin: its History holds the text before and after."""
    make_author()
    post = make_post(title="Before", body="line one\nline <two>\n", tags=[make_tag("Travel")])
    page = Page.objects.create(title="Before", slug="before", body="line one\nline <two>\n")
    blurb = make_blurb(title="Before", body="line one\nline <two>\n")
    return {"url": live_server.url, "post": post, "page": page, "blurb": blurb}


def authors_page(context, url):
    page = context.new_page()
    log_in(page, url, "author", "correct horse battery staple")
    return page


def edit_and_open_the_first_version(page, url, model, document):
    page.goto(f"{url}/admin/blog/{model}/{document.pk}/change/")
    page.fill("#id_title", "After")
    page.fill("#id_body", "line one\nline three\n")
    if model == "post":
        page.fill("#id_tag_names", "Python")
    page.click("input[name=_save]")
    page.goto(f"{url}/admin/blog/{model}/{document.pk}/history/")
    page.click("#content-revisions tbody tr:last-child a")


def test_a_revision_is_restored_with_javascript_off(browser, edited):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = authors_page(context, edited["url"])
    edit_and_open_the_first_version(page, edited["url"], "post", edited["post"])
    assert page.locator(".revision-diff ins").inner_text() == "line <two>"
    save_screenshot(page, "admin-revision-1280")
    page.click("input[value='Restore this version']")
    expect(page.locator(".messagelist")).to_contain_text("Restored the version of")
    post = Post.objects.get(pk=edited["post"].pk)
    assert (post.title, [tag.name for tag in post.tags.all()]) == ("Before", ["Travel"])
    context.close()


@pytest.mark.parametrize("model", ["post", "page", "blurb"])
def test_revision_pages_have_no_serious_axe_violations(browser, edited, model):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = authors_page(context, edited["url"])
    document = edited[model]

    def visits():
        edit_and_open_the_first_version(page, edited["url"], model, document)
        yield "revision"
        page.go_back()
        yield "history"

    findings = axe_findings(page, visits(), impacts=SERIOUS)
    context.close()
    assert not findings, findings
