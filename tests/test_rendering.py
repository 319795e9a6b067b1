import pytest

from blog.rendering import render, render_markdown

CASES = [
    # (name, markdown, fragments that must appear, fragments that must not)
    (
        "language fence",
        "```python\ndef f():\n    return 1\n```\n",
        ['<div class="highlight" data-lang="python">', '<span class="k">def</span>'],
        ["```"],
    ),
    (
        "fence with file name",
        "```python models.py\nclass Post: pass\n```\n",
        [
            '<figure class="code-file">',
            "<figcaption><code>models.py</code></figcaption>",
            '<span class="k">class</span>',
        ],
        ["models.py\nclass"],
    ),
    (
        "unknown language",
        "```nosuchlanguage\nx <y> & z\n```\n",
        ['<div class="highlight">', "x &lt;y&gt; &amp; z"],
        ["<y>", "data-lang"],
    ),
    (
        "no language",
        "```\nplain <b>text</b>\n```\n",
        ['<div class="highlight">', "plain &lt;b&gt;text&lt;/b&gt;"],
        ["<b>"],
    ),
    (
        "script inside a code block stays escaped",
        "```html\n<script>alert('x')</script>\n```\n",
        ["&lt;", "script", "alert"],
        ["<script>"],
    ),
    (
        "table",
        "| Name | Size |\n|------|-----:|\n| a | 1 |\n",
        ["<table>", "<th>Name</th>", '<td style="text-align: right;">1</td>'],
        ["|------|"],
    ),
    (
        "footnote",
        "Claim.[^1]\n\n[^1]: Source.\n",
        ['<sup id="p-fnref:1"><a class="footnote-ref" href="#p-fn:1">1</a></sup>', '<li id="p-fn:1">', "Source."],
        ["[^1]"],
    ),
    (
        "heading anchor",
        "## Why SQLite?\n",
        ['<h2 id="p-why-sqlite">', 'href="#p-why-sqlite"', 'class="headerlink"'],
        [],
    ),
]


@pytest.mark.parametrize(("name", "source", "present", "absent"), CASES, ids=[c[0] for c in CASES])
def test_rendering(name, source, present, absent):
    html = render_markdown(source, id_prefix="p")
    for fragment in present:
        assert fragment in html, f"{name}: {fragment!r} missing from {html!r}"
    for fragment in absent:
        assert fragment not in html, f"{name}: {fragment!r} should not be in {html!r}"


def test_unknown_language_is_reported_not_raised():
    result = render("```klingon\nQapla'\n```\n")
    assert result.warnings == ["Unknown language 'klingon' in a code fence: shown as plain text."]
    assert "Qapla" in result.html


def test_known_language_gives_no_warning():
    assert render("```sql\nSELECT 1;\n```\n").warnings == []


def test_unclosed_fence_is_reported():
    result = render("```python\nprint(1)\n")
    assert any("never closed" in warning for warning in result.warnings)


def test_ids_differ_between_posts_on_one_page():
    first = render_markdown("## Intro\n\nA[^1]\n\n[^1]: n", id_prefix="first")
    second = render_markdown("## Intro\n\nA[^1]\n\n[^1]: n", id_prefix="second")
    assert 'id="first-intro"' in first and 'id="second-intro"' in second
    assert 'id="first-fn:1"' in first and 'id="second-fn:1"' in second


def test_code_inside_fence_is_not_treated_as_markdown():
    html = render_markdown("```\n# not a heading\n[^1]\n```\n")
    assert "<h1" not in html
    assert "# not a heading" in html


def test_empty_source_renders_empty():
    assert render_markdown("") == ""
