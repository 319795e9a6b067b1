"""The README's and docs' screenshots, taken of the demo blog (`make screenshots` copies them into docs/)."""

from io import StringIO

import pytest
from django.core.management import call_command

from blog.models import Post
from tests.support.browser import log_in, save_screenshot
from tests.support.editor import preview
from tests.support.factories import make_author

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The front page in the light scheme; a demo post with a table, code and a
# footnote in the dark one, so the README shows both.
PAGES = [("front", "/", "light"), ("post", "/post/sqlite-in-production-a-year-of-notes/", "dark")]
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    # A phone's pixel density, so the picture in the README is sharp.
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2},
}


@pytest.mark.parametrize("device", DEVICES)
def test_readme_screenshots_of_the_demo_blog(browser, live_server, device):
    call_command("seed_demo", stdout=StringIO())
    for name, path, scheme in PAGES:
        context = browser.new_context(java_script_enabled=False, color_scheme=scheme, **DEVICES[device])
        page = context.new_page()
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        # The picture shows the page as designed: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"]
        saved = save_screenshot(page, f"readme-{name}-{device}", full_page=False)
        assert saved.stat().st_size < 400_000, f"{saved} is too large for the README"
        context.close()


def test_writing_screenshot_of_the_post_editor_beside_its_preview(browser, live_server):
    """docs/WRITING.md's picture: a demo post open in the admin, the preview beside its body."""
    call_command("seed_demo", stdout=StringIO())
    make_author()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server.url, "author", "correct horse battery staple")
    post = Post.objects.get(slug="full-text-search-with-sqlite-fts5")
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    preview(page).locator("h1").wait_for()
    page.click("#toggle-nav-sidebar")  # the admin's menu folded away: room for the text and its preview
    page.evaluate("window.scrollTo(0, 0)")
    saved = save_screenshot(page, "readme-editor-desktop", full_page=False)
    assert saved.stat().st_size < 400_000, f"{saved} is too large for the docs"
    context.close()
