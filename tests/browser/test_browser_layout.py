"""Layout in a real browser: long words wrap, tag-cloud links are targets a finger can hit."""

import pytest

from blog.models import Page as StandalonePage
from tests.support.browser import save_screenshot
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_blurb, make_post, make_tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One word as authors and readers paste them: a path and a URL, with no space to break at.
LONG_PATH = "/usr/local/lib/python3.11/site-packages/django/contrib/admin/templates/admin/edit_inline/tabular.html"
# Within every field's limit (a comment's address: 200), as PostgreSQL holds them.
LONG_URL = "https://example.com/" + "a-very-long-path-segment/" * 5 + "?query=" + "x" * 40
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture
def long_words(live_server):
    tag = make_tag("Supercalifragilisticexpialidocious" + "Antidisestablishmentarian")
    make_blurb(title="About_" + "x" * 80, body=f"My dotfiles: {LONG_URL}")
    post = make_post(title=LONG_PATH, body=f"See {LONG_PATH} and `{LONG_URL}`, or {LONG_URL}.", tags=[tag])
    make_comment(post, status="approved", author_name="Bartholomew" * 8, body=f"Also {LONG_URL}", author_url=LONG_URL)
    StandalonePage.objects.create(
        title=LONG_URL, slug="long", body=f"# {LONG_PATH}\n\n{LONG_URL}", status=StandalonePage.Status.PUBLISHED
    )
    paths = ["/", post.get_absolute_url(), tag.get_absolute_url(), "/tags/", "/archive/", "/search/?q=usr", "/long/"]
    return {"url": live_server.url, "paths": paths}


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_a_title_or_word_of_one_long_word_wraps_instead_of_widening_the_page(browser, long_words, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    wide = {}
    for path in long_words["paths"]:
        response = page.goto(long_words["url"] + path)
        assert response.status == 200, path
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide[path] = scroll_width
            save_screenshot(page, f"long-words-{width}-{path}")
    context.close()
    assert wide == {}, f"pages wider than the {width}px screen: {wide}"


@pytest.fixture
def tag_cloud(live_server):
    # Counts 1 to 32 spread the tags over all six weights; "C" is the narrowest name.
    posts = [make_post() for _ in range(32)]
    for n, name in enumerate(["C", "Go", "Vim", "SQLite", "Python", "Django"]):
        make_tag(name).posts.set(posts[: 2**n])
    return live_server.url


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("path", ["/", "/tags/"], ids=["sidebar", "tag-list"])
def test_every_tag_cloud_link_is_a_24px_target(browser, tag_cloud, width, path):
    """WCAG 2.2's target size (2.5.8): a finger needs 24 x 24 CSS pixels, the smallest weight included."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(tag_cloud + path)
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.tag-cloud a')].map(a => {
            const box = a.getBoundingClientRect();
            return [a.textContent, a.parentElement.className, box.width, box.height];
        })"""
    )
    context.close()
    assert {weight for _, weight, _, _ in boxes} == {f"weight-{n}" for n in range(1, 7)}
    small = [box for box in boxes if box[2] < 24 or box[3] < 24]
    assert small == [], f"tag-cloud links smaller than 24 x 24 px: {small}"
