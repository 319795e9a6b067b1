"""The design of a writer's blog: a readable measure, a visible focus ring, a print stylesheet."""

import re

import pytest

from tests.support.browser import save_screenshot
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_blurb, make_post, make_tag
from tests.support.public_pages import BODY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARAGRAPH = (
    "Writing every day is less about discipline than about lowering the cost of starting: "
    "a blank file, a title, one sentence that says what the post is for. "
) * 8


@pytest.fixture
def post_url(live_server):
    make_blurb(title="About Me")
    post = make_post(title="A post to read", body=PARAGRAPH + "\n\n" + BODY, tags=[make_tag("Writing")])
    make_comment(post, status="approved", author_url="https://a.example/", body="See https://example.com/x")
    return live_server.url + post.get_absolute_url()


def rgb(css_color):
    return [int(part) for part in re.findall(r"\d+", css_color)[:3]]


def contrast(first, second):
    """WCAG contrast ratio of two sRGB colours."""

    def luminance(color):
        channels = [c / 255 for c in color]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_body_text_runs_65_to_75_characters_a_line_on_a_desktop(browser, post_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(post_url)
    # Characters on each line of the first paragraph, found by where each character sits.
    lines = page.evaluate(
        """() => {
            const text = document.querySelector('.post-body > p').firstChild, range = document.createRange();
            const lines = [];
            let start = 0, top = null;
            for (let i = 0; i < text.length; i++) {
                range.setStart(text, i);
                range.setEnd(text, i + 1);
                const y = range.getBoundingClientRect().top;
                if (top !== null && y > top + 5) { lines.push(i - start); start = i; }
                top = y;
            }
            return lines;
        }"""
    )
    page.close()
    assert len(lines) > 5 and all(65 <= count <= 75 for count in lines), lines


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_focusable_element_shows_a_ring_that_contrasts_with_the_page(browser, post_url, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(post_url)
    background = rgb(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    seen, problems = [], []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const e = document.activeElement, s = getComputedStyle(e);
                return {what: e.outerHTML.slice(0, 80), style: s.outlineStyle,
                        width: parseFloat(s.outlineWidth), color: s.outlineColor};
            }"""
        )
        if focused["what"] in seen[:1] or focused["what"].startswith("<body"):
            break  # past the last element
        seen.append(focused["what"])
        if focused["what"].startswith("<pre"):
            save_screenshot(page, f"design-focus-ring-{scheme}", full_page=False)
        ratio = contrast(rgb(focused["color"]), background)
        if focused["style"] == "none" or focused["width"] < 2 or ratio < 3:
            problems.append(f"{focused['what']}: {focused['style']} {focused['width']}px, contrast {ratio:.1f}")
    # The skip link, the header, the code blocks, the comment form and the sidebar were all visited.
    assert len(seen) > 20 and any("<pre" in what for what in seen) and any("<textarea" in what for what in seen)
    context.close()
    assert problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_printed_post_is_black_on_white_without_sidebar_form_or_navigation(browser, post_url, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 800, "height": 1100})
    page = context.new_page()
    page.goto(post_url)
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """selectors => selectors.map(s => [s, [...document.querySelectorAll(s)].every(e => !e.offsetParent)])""",
        [".sidebar", ".comment-form", ".site-header nav", ".search-form", ".skip-link", ".post-nav"],
    )
    assert [selector for selector, invisible in hidden if not invisible] == []
    assert rgb(page.evaluate("getComputedStyle(document.body).color")) == [0, 0, 0]
    assert rgb(page.evaluate("getComputedStyle(document.body).backgroundColor")) == [255, 255, 255]
    # A link on paper says where it goes.
    after = page.evaluate(
        "getComputedStyle(document.querySelector(\".post-body a[href='/archive/']\"), '::after').content"
    )
    assert after == '" (/archive/)"'
    # Code wraps on paper instead of being cut at the margin.
    cut = page.evaluate(
        "[...document.querySelectorAll('.post-body pre')].filter(e => e.scrollWidth > e.clientWidth).length"
    )
    assert cut == 0
    save_screenshot(page, f"design-print-{scheme}")
    context.close()
