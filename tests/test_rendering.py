import time

import markdown
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


class TestPathologicalMarkdownIsCapped:
    """Inputs measured at 14-40 s or a RecursionError before the caps; each must finish fast and say why."""

    BOUND = 2.0  # seconds; the caps aim at well under one

    def render_timed(self, source):
        started = time.perf_counter()
        result = render(source, id_prefix="p")
        elapsed = time.perf_counter() - started
        assert elapsed < self.BOUND, f"took {elapsed:.1f} s"
        return result

    @pytest.mark.parametrize(
        "source",
        [
            pytest.param("[" * 10_000 + "x", id="10k-open-brackets"),
            pytest.param("![" * 10_000, id="10k-image-openers"),
            pytest.param("[x](" * 10_000, id="10k-unclosed-links"),
            pytest.param("<a " * 10_000, id="10k-unclosed-tags"),
            pytest.param("_" * 10_000 + "x" + "_" * 10_000, id="20k-underscores-recursion"),
            pytest.param("*a" * 25_000, id="25k-stars"),
        ],
    )
    def test_a_paragraph_with_too_many_openers_is_shown_as_text(self, source):
        result = self.render_timed(source)
        assert any("Shown as plain text: 1 block" in warning for warning in result.warnings)
        assert "<a " not in result.html

    def test_many_heavy_paragraphs_share_one_budget(self):
        result = self.render_timed("\n\n".join(["[" * 450 + "x"] * 30))
        assert any("Shown as plain text" in warning for warning in result.warnings)

    @pytest.mark.parametrize(
        "source",
        [
            pytest.param("".join("    " * depth + "- x\n" for depth in range(300)), id="list-300-deep"),
            pytest.param("".join("> " * depth + "- x\n" for depth in range(300)), id="quoted-list-300-deep"),
        ],
    )
    def test_nesting_deeper_than_the_cap_is_shown_as_text(self, source):
        result = self.render_timed(source)
        assert any("nested more than 50" in warning for warning in result.warnings)

    def test_nesting_a_person_writes_is_rendered(self):
        result = self.render_timed("".join("    " * depth + "- x\n" for depth in range(10)))
        assert result.warnings == []
        assert result.html.count("<ul>") == 10

    def test_a_source_longer_than_the_cap_is_shown_as_text(self):
        source = "word <b>bold</b> " * 15_000
        result = self.render_timed(source)
        assert result.warnings and "more than the 200,000 that are rendered" in result.warnings[0]
        assert "<b>" not in result.html and "&lt;b&gt;" in result.html

    def test_recursion_deep_inside_markdown_is_reported_not_raised(self, monkeypatch):
        def recurse(self, source):
            raise RecursionError("maximum recursion depth exceeded")

        monkeypatch.setattr(markdown.Markdown, "convert", recurse)
        result = render("> <x>")
        assert result.warnings == ["The text is nested too deeply to render: it is shown as plain text."]
        assert result.html == '<pre class="unrendered">&gt; &lt;x&gt;</pre>'

    def test_thousands_of_references_to_one_footnote_are_fast(self):
        result = self.render_timed("\n\n".join(["a [^1] b [^1]"] * 1000) + "\n\n[^1]: x\n")
        assert 'id="p-fnref2000:1"' in result.html

    def test_every_footnote_reference_has_the_id_its_backlink_names(self):
        html = render("a[^1] b[^1] c[^1]\n\n[^1]: x\n", id_prefix="p").html
        for n in ("", "2", "3"):
            assert f'id="p-fnref{n}:1"' in html
            assert f'href="#p-fnref{n}:1"' in html


class TestUploadedImages:
    """The caller says what it knows of uploaded images; the renderer imports no models."""

    def images(self):
        from blog.rendering import ImageSource

        return {
            "/media/a.jpg": ImageSource(
                width=2000,
                height=1000,
                srcset=(("/media/a-800w.jpg", 800), ("/media/a.jpg", 2000)),
                webp_srcset=(("/media/a-800w.webp", 800), ("/media/a-2000w.webp", 2000)),
            ),
            "/media/small.gif": ImageSource(width=40, height=20, srcset=(("/media/small.gif", 40),)),
        }

    def test_an_uploaded_image_gets_a_webp_source_srcset_size_and_lazy_loading(self):
        html = render("Text ![A cat](/media/a.jpg) more.", images=self.images()).html
        assert html.startswith("<p>Text <picture><source ")
        assert 'type="image/webp"' in html
        assert 'srcset="/media/a-800w.webp 800w, /media/a-2000w.webp 2000w"' in html
        assert 'srcset="/media/a-800w.jpg 800w, /media/a.jpg 2000w"' in html
        assert 'width="2000"' in html and 'height="1000"' in html
        assert 'loading="lazy"' in html and 'decoding="async"' in html
        assert html.count('sizes="') == 2
        assert html.endswith("</picture> more.</p>")

    def test_an_image_with_one_size_and_no_webp_is_a_plain_sized_img(self):
        html = render("![dot](/media/small.gif)", images=self.images()).html
        assert "<picture>" not in html and "srcset" not in html
        assert '<img alt="dot" decoding="async" height="20" loading="lazy" src="/media/small.gif" width="40">' in html

    def test_images_the_caller_does_not_name_are_left_alone(self):
        html = render("![x](/media/other.jpg) ![y](https://example.com/a.jpg)", images=self.images()).html
        assert "loading" not in html and "<picture>" not in html
        assert render("![x](/media/a.jpg)").html == '<p><img alt="x" src="/media/a.jpg"></p>'

    def test_a_linked_image_stays_inside_its_link(self):
        html = render("[![A cat](/media/a.jpg)](https://example.com/)", images=self.images()).html
        assert html.startswith('<p><a href="https://example.com/"><picture>')
        assert html.endswith("</picture></a></p>")
