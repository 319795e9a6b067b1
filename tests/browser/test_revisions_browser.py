"""Revisions in a real browser: restoring works with JavaScript off, and axe finds nothing serious on their pages."""

import pytest

from blog.models import Post
from tests.support.accessibility import axe_source, axe_violations, report
from tests.support.browser import log_in, save_screenshot
from tests.support.factories import make_author, make_post, make_tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def edited(live_server):
    """A post edited once in the admin: its History holds the text before and after."""
    make_author()
    post = make_post(title="Before", body="line one\nline <two>\n", tags=[make_tag("Travel")])
    return {"url": live_server.url, "post": post}


def authors_page(context, url):
    page = context.new_page()
    log_in(page, url, "author", "correct horse battery staple")
    return page


def edit_and_open_the_first_version(page, url, post):
    page.goto(f"{url}/admin/blog/post/{post.pk}/change/")
    page.fill("#id_title", "After")
    page.fill("#id_body", "line one\nline three\n")
    page.fill("#id_tag_names", "Python")
    page.click("input[name=_save]")
    page.goto(f"{url}/admin/blog/post/{post.pk}/history/")
    page.click("#content-revisions tbody tr:last-child a")


def test_a_revision_is_restored_with_javascript_off(browser, edited):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = authors_page(context, edited["url"])
    edit_and_open_the_first_version(page, edited["url"], edited["post"])
    assert page.locator(".revision-diff ins").inner_text() == "line <two>"
    save_screenshot(page, "admin-revision-1280")
    page.click("input[value='Restore this version']")
    assert "Restored the version of" in page.locator(".messagelist").inner_text()
    post = Post.objects.get(pk=edited["post"].pk)
    assert (post.title, [tag.name for tag in post.tags.all()]) == ("Before", ["Travel"])
    context.close()


def test_revision_pages_have_no_serious_axe_violations(browser, edited):
    source = axe_source()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = authors_page(context, edited["url"])
    edit_and_open_the_first_version(page, edited["url"], edited["post"])
    found = {}
    for name in ["revision", "history"]:
        serious = [v for v in axe_violations(page, source) if v["impact"] in ("serious", "critical")]
        if serious:
            found[name] = report(serious)
        page.go_back()
    context.close()
    assert not found, found
