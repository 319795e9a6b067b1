"""The Markdown commenters may use (blog.rendering.render_comment): code, emphasis, links, nothing else."""

import time

import markdown
import pytest

from blog import rendering
from blog.rendering import render, render_comment
from tests.support.parsed_html import Parsed


def test_plain_text_keeps_its_paragraphs_and_line_breaks():
    assert render_comment("Line one\nline two\n\nAnother paragraph") == (
        "<p>Line one<br>\nline two</p>\n<p>Another paragraph</p>"
    )


def test_inline_code_is_escaped():
    html = render_comment("Use `<b>` and `a && b`")
    assert html == "<p>Use <code>&lt;b&gt;</code> and <code>a &amp;&amp; b</code></p>"


def test_a_fence_is_highlighted_exactly_as_in_a_post():
    fence = "```python\ndef f(x):\n    return x < 1\n```"
    html = render_comment(fence)
    assert '<div class="highlight" data-lang="python">' in html
    assert '<span class="k">def</span>' in html
    assert html == render(fence).html


def test_a_fence_without_a_language_is_escaped_plain_code():
    html = render_comment("```\n<em>not emphasis</em> *nor this*\n```")
    assert "&lt;em&gt;not emphasis&lt;/em&gt; *nor this*" in html
    assert Parsed(html).names() == {"div", "pre", "span", "code"}


def test_code_that_closes_its_block_stays_inside_it():
    html = render_comment("```html\n</code></pre></div><script>alert(1)</script>\n```\nafter")
    assert "<script" not in html
    parsed = Parsed(html)
    assert "script" not in parsed.names()
    assert "".join(parsed.text).count("</code></pre></div><script>alert(1)</script>") == 1


def test_emphasis_and_strong():
    assert render_comment("*this* and **that**, _too_ but snake_case_stays") == (
        "<p><em>this</em> and <strong>that</strong>, <em>too</em> but snake_case_stays</p>"
    )


def test_links_get_nofollow_ugc_and_nothing_else():
    html = render_comment('[Django](https://www.djangoproject.com/ "The web framework") and [me](mailto:a@example.com)')
    assert Parsed(html).links() == [
        {"href": "https://www.djangoproject.com/", "rel": "nofollow ugc"},
        {"href": "mailto:a@example.com", "rel": "nofollow ugc"},
    ]


@pytest.mark.parametrize(
    ("text", "href", "label"),
    [
        ("see https://example.com/page.", "https://example.com/page", "https://example.com/page"),
        ("(https://example.com/a)", "https://example.com/a", "https://example.com/a"),
        ("https://en.wikipedia.org/wiki/Python_(language), yes", "https://en.wikipedia.org/wiki/Python_(language)",
         "https://en.wikipedia.org/wiki/Python_(language)"),
        ("www.example.com is mine", "http://www.example.com", "www.example.com"),
        ("<https://example.com/x>", "https://example.com/x", "https://example.com/x"),
        ("http://example.com/?a=1&b=2", "http://example.com/?a=1&b=2", "http://example.com/?a=1&b=2"),
    ],
)  # fmt: skip
def test_bare_web_addresses_become_links(text, href, label):
    html = render_comment(text)
    assert Parsed(html).links() == [{"href": href, "rel": "nofollow ugc"}]
    assert f">{label}</a>" in html.replace("&amp;", "&")


def test_addresses_in_code_and_inside_link_text_are_not_linked_again():
    html = render_comment("`https://example.com/` and [see https://a.example/](https://b.example/)")
    assert Parsed(html).links() == [{"href": "https://b.example/", "rel": "nofollow ugc"}]
    assert "<code>https://example.com/</code>" in html


def test_a_code_caption_link_in_a_comment_obeys_the_commenters_rules():
    """Octopress's caption link (```lang title url text) is rendered apart from the comment's links."""
    allowed = Parsed(render_comment("```ruby Prime http://a.example/ Source\nx\n```")).links()
    assert allowed == [{"href": "http://a.example/", "rel": "nofollow ugc"}]
    refused = render_comment("```ruby Prime javascript:alert(1) Source\nx\n```")
    assert Parsed(refused).links() == []


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](java&#115;cript:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](&#x20;javascript:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](vbscript:msgbox)",
        "[x](/admin/)",
        "[x](//evil.example/)",
        "[x](<javascript:alert(1)>)",
        "<ftp://files.example/x>",
        "[x](file:///etc/passwd)",
    ],
)
def test_links_to_anything_but_http_https_and_mailto_keep_only_their_text(text):
    html = render_comment(text + " tail")
    parsed = Parsed(html)
    assert parsed.links() == []
    assert "".join(parsed.text).strip().endswith("tail")


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("[a *b* `c`](javascript:x) tail", "<p>a <em>b</em> <code>c</code> tail</p>"),
        ("*x* [a](data:,y) *z*", "<p><em>x</em> a <em>z</em></p>"),
        ("[a](vbscript:x)", "<p>a</p>"),
        ("[](javascript:x)after", "<p>after</p>"),
    ],
)
def test_a_refused_link_leaves_its_text_and_markup_in_order(text, html):
    assert render_comment(text) == html


def test_a_double_encoded_entity_cannot_turn_into_a_scheme_in_the_browser():
    html = render_comment("[x](https://example.com/&amp;#58;x) [y](https://example.com/?q=&quot;onmouseover=&quot;)")
    links = Parsed(html).links()
    assert links == [
        {"href": "https://example.com/&#58;x", "rel": "nofollow ugc"},
        {"href": 'https://example.com/?q="onmouseover="', "rel": "nofollow ugc"},
    ]


@pytest.mark.parametrize(
    "text",
    [
        '[x](https://example.com/" onmouseover="alert(1))',
        "[x](https://example.com/' onmouseover='alert(1))",
        '[x](https://example.com/ "a title" onmouseover="alert(1)")',
        '[x](https://example.com/ "t\\" onmouseover=\\"alert(1)")',
        '<https://example.com/"onmouseover="alert(1)>',
        'https://example.com/"onmouseover="alert(1)',
    ],
)
def test_quotes_in_a_link_never_make_an_attribute(text):
    for tag, attrs in Parsed(render_comment(text)).tags:
        assert set(attrs) <= {"href", "rel"}, (tag, attrs)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("<b>bold</b> <a href='https://x.example/'>x</a>", "<b>bold</b> <a href='https://x.example/'>x</a>"),
        ("<div>\nblock\n</div>", "<div>\nblock\n</div>"),
        ("<!-- hidden -->", "<!-- hidden -->"),
        ("![alt](https://x.example/i.png)", "![alt](https://x.example/i.png)"),
        ("# Heading", "# Heading"),
        ("Title\n=====", "Title\n=====",),
        ("- one\n- two", "- one\n- two"),
        ("1. one\n2. two", "1. one\n2. two"),
        ("> quoted", "> quoted"),
        ("---", "---"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "| a | b |\n|---|---|\n| 1 | 2 |"),
        ("Note[^1]\n\n[^1]: the note", "Note[^1][^1]: the note"),
        ("[ref][1]\n\n[1]: https://x.example/", "[ref][1][1]: https://x.example/"),
        ("    indented", "indented"),
        ("a@example.com", "a@example.com"),
    ],
)  # fmt: skip
def test_every_other_construct_is_shown_as_text(text, shown):
    parsed = Parsed(render_comment(text))
    assert parsed.names() <= {"p", "br", "a"}, parsed.tags
    assert all(attrs["href"].startswith("http") for attrs in parsed.links())
    assert "".join(parsed.text).replace("\n", "") == shown.replace("\n", "")


def test_the_renderer_output_for_a_comment_differs_from_a_post():
    # The same source: a post gets its heading and list, a comment the text.
    source = "# Title\n\n- item"
    assert "<h1" in render(source).html and "<ul>" in render(source).html
    assert render_comment(source) == "<p># Title</p>\n<p>- item</p>"


@pytest.mark.parametrize("unit", ["[", "![", "> ", "*", "_", "`", "<a ", "[x](", "- [\n", "*a\n", "www.", "<http://"])
def test_pathological_comments_are_capped_rather_than_hanging(unit):
    started = time.perf_counter()
    html = render_comment(unit * 20_000 + "x" + "]" * 10_000)
    assert time.perf_counter() - started < 2
    assert html.startswith("<p>") or html.startswith('<pre class="unrendered">')


def test_one_paragraph_of_many_lines_counts_as_one_block_for_the_caps():
    # In a post "- [" lines are list items, each its own block; in a comment they are one paragraph.
    text = "- [a\n" * (rendering.MAX_OPENERS_PER_BLOCK + 1)
    html = render_comment(text)
    assert "<br>" not in html and html.startswith("<p>- [a\n- [a")  # shown as text, not rendered


def test_text_past_the_size_limit_is_shown_as_escaped_text():
    html = render_comment("<b>" + "x" * rendering.MAX_SOURCE_CHARS)
    assert html.startswith('<pre class="unrendered">&lt;b&gt;xxx')


def test_a_new_markdown_construct_is_refused_until_reviewed(monkeypatch):
    build = markdown.core.build_inlinepatterns

    def with_one_more(md, **kwargs):
        patterns = build(md, **kwargs)
        patterns.register(markdown.inlinepatterns.SimpleTagInlineProcessor(r"(~~)(.+?)~~", "del"), "strike", 65)
        return patterns

    monkeypatch.setattr(markdown.core, "build_inlinepatterns", with_one_more)
    with pytest.raises(RuntimeError, match="review what render_comment"):
        render_comment("~~gone~~")
