import re
import time

import markdown
import pytest

from blog.rendering import render

CASES = [
    # (name, markdown, fragments that must appear, fragments that must not)
    (
        "language fence",
        "```python\ndef f():\n    return 1\n```\n",
        [
            '<div class="highlight" data-lang="python">',
            '<span class="k">def</span>',
            '<pre tabindex="0" role="group" aria-label="Python code">',
        ],
        ["```"],
    ),
    (
        "fence with file name",
        "```python models.py\nclass Post: pass\n```\n",
        [
            '<figure class="code-file">',
            "<figcaption><code>models.py</code></figcaption>",
            '<span class="k">class</span>',
            '<pre tabindex="0" role="group" aria-label="models.py">',
        ],
        ["models.py\nclass"],
    ),
    (
        "unknown language",
        "```nosuchlanguage\nx <y> & z\n```\n",
        ['<div class="highlight">', "x &lt;y&gt; &amp; z", '<pre tabindex="0" role="group" aria-label="Code">'],
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
        ['<table tabindex="0">', "<th>Name</th>", '<td style="text-align: right;">1</td>'],
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
    html = render(source, id_prefix="p").html
    for fragment in present:
        assert fragment in html, f"{name}: {fragment!r} missing from {html!r}"
    for fragment in absent:
        assert fragment not in html, f"{name}: {fragment!r} should not be in {html!r}"


def test_a_file_name_that_looks_like_markup_names_its_code_block_as_text():
    html = render('```python "><b>x.py\npass\n```\n').html
    assert 'aria-label="&quot;&gt;&lt;b&gt;x.py"' in html
    assert "<b>" not in html


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
    first = render("## Intro\n\nA[^1]\n\n[^1]: n", id_prefix="first").html
    second = render("## Intro\n\nA[^1]\n\n[^1]: n", id_prefix="second").html
    assert 'id="first-intro"' in first and 'id="second-intro"' in second
    assert 'id="first-fn:1"' in first and 'id="second-fn:1"' in second


def test_code_inside_fence_is_not_treated_as_markdown():
    html = render("```\n# not a heading\n[^1]\n```\n").html
    assert "<h1" not in html
    assert "# not a heading" in html


def test_empty_source_renders_empty():
    assert render("").html == ""


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


class TestFenceOptions:
    """Octopress's, Jekyll's and Hugo's fence options are honoured or warned about, never shown as the caption."""

    CODE = "a = 1\nb = 2\nc = 3\nd = 4\n"

    def fence(self, info):
        return render(f"```python {info}\n{self.CODE}```\n")

    @staticmethod
    def numbers(html):
        return [int(n) for n in re.findall(r'<span class="linenos">\s*(\d+)</span>', html)]

    @staticmethod
    def marked(html):
        """The code lines inside <span class="hll">, as 'b = 2' etc."""
        lines = re.findall(r'<span class="hll">(.*?)\n</span>', html)
        return [re.sub(r'<span class="linenos">\s*\d+</span>|<[^>]+>', "", line).strip() for line in lines]

    @pytest.mark.parametrize(
        "info", ["linenos", "linenos=table", "linenos=inline", "linenos=true", "{linenos=table}", "{linenos}"]
    )
    def test_line_numbers(self, info):
        rendered = self.fence(info)
        assert self.numbers(rendered.html) == [1, 2, 3, 4]
        assert "figcaption" not in rendered.html and rendered.warnings == []

    @pytest.mark.parametrize("info", ["linenos=false", "linenos:false"])
    def test_line_numbers_turned_off(self, info):
        rendered = self.fence(info)
        assert self.numbers(rendered.html) == [] and "figcaption" not in rendered.html and rendered.warnings == []

    @pytest.mark.parametrize("info", ["linenos linenostart=10", "linenos start:10", "{linenos=table,linenostart=10}"])
    def test_the_first_line_number(self, info):
        assert self.numbers(self.fence(info).html) == [10, 11, 12, 13]

    @pytest.mark.parametrize(
        "info",
        ['hl_lines="2 3"', "hl_lines=2-3", 'hl_lines=[2,"3"]', "mark:2-3", '{hl_lines=[2,"3-3"]}', "mark:2,3"],
    )
    def test_marked_lines(self, info):
        rendered = self.fence(info)
        assert self.marked(rendered.html) == ["b = 2", "c = 3"]
        assert "figcaption" not in rendered.html and rendered.warnings == []

    def test_marked_lines_beyond_the_block_are_left_out_quickly(self):
        started = time.perf_counter()
        rendered = self.fence("hl_lines=[" + ",".join(["1-999999999"] * 10_000) + "]")
        assert self.marked(rendered.html) == ["a = 1", "b = 2", "c = 3", "d = 4"]
        assert time.perf_counter() - started < 2

    @pytest.mark.parametrize(
        "info", ['title:"Hello world"', 'title="Hello world"', "title:'Hello world'", '{title="Hello world"}']
    )
    def test_a_title_is_the_caption(self, info):
        rendered = self.fence(info)
        assert "<figcaption><code>Hello world</code></figcaption>" in rendered.html
        assert rendered.warnings == []

    def test_caption_and_options_together(self):
        rendered = self.fence('models.py linenos hl_lines="4"')
        assert "<figcaption><code>models.py</code></figcaption>" in rendered.html
        assert self.numbers(rendered.html) == [1, 2, 3, 4] and self.marked(rendered.html) == ["d = 4"]

    def test_octopress_title_url_and_link_text(self):
        rendered = self.fence("Discover if a number is prime https://example.com/primes?a=1&b=2 Source Article")
        assert (
            '<figcaption><code>Discover if a number is prime</code> <a href="https://example.com/primes?a=1&amp;b=2">'
            "Source Article</a></figcaption>"
        ) in rendered.html

    def test_an_octopress_url_without_link_text_is_a_link(self):
        rendered = self.fence("https://example.com/x.py")
        assert '<figcaption><a href="https://example.com/x.py">link</a></figcaption>' in rendered.html

    @pytest.mark.parametrize(
        ("info", "option"),
        [
            ("foo=bar", "foo=bar"),
            ("{linenos=table,style=monokai}", "style=monokai"),
            ("models.py anchorlinenos=1", None),
        ],
    )
    def test_an_unknown_option_is_a_warning_not_the_caption(self, info, option):
        rendered = self.fence(info)
        assert any("unknown and was ignored" in warning for warning in rendered.warnings), rendered.warnings
        if option:
            assert option not in rendered.html and "figcaption" not in rendered.html
        else:
            assert "<figcaption><code>models.py</code></figcaption>" in rendered.html

    @pytest.mark.parametrize("info", ["hl_lines=two", "linenos=sometimes", "linenostart=x"])
    def test_a_bad_value_is_a_warning(self, info):
        rendered = self.fence(info)
        assert len(rendered.warnings) == 1 and info.split("=")[0] in rendered.warnings[0]
        assert "figcaption" not in rendered.html

    def test_a_windows_path_is_still_a_caption(self):
        assert "<figcaption><code>C:\\code\\x.py</code></figcaption>" in self.fence("C:\\code\\x.py").html


@pytest.mark.django_db
def test_the_migration_renders_every_post_and_blurb_again_keeping_their_dates():
    import importlib
    from pathlib import Path

    from django.apps import apps

    import blog.migrations
    from blog.models import Blurb, Post
    from tests.support.factories import make_blurb, make_post

    # The coordinator may renumber migrations: found by name, not number.
    name = next(Path(blog.migrations.__file__).parent.glob("*_rerender_posts_and_blurbs.py")).stem
    migration = importlib.import_module(f"blog.migrations.{name}")
    with_options = make_post(body="```python linenos\nx = 1\n```\n", summary="```python hl_lines=1\ny\n```\n")
    plain = make_post(body="```python\nx = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    blurb = make_blurb(body="~~~sh title:Install\npip install\n~~~\n")
    stale = "<p>as the old renderer left it</p>"
    Post.objects.update(body_html=stale, summary_html=stale)
    Blurb.objects.update(body_html=stale)
    before = Post.objects.get(pk=with_options.pk).updated_at

    migration.rerender(apps, None)

    again = Post.objects.get(pk=with_options.pk)
    assert '<span class="linenos">1</span>' in again.body_html and '<span class="hll">' in again.summary_html
    assert again.updated_at == before
    # Code blocks and tables take keyboard focus now: every post is rendered again.
    plain_html = Post.objects.get(pk=plain.pk).body_html
    assert '<pre tabindex="0" role="group" aria-label="Python code">' in plain_html
    assert '<table tabindex="0"' in plain_html
    assert "<figcaption><code>Install</code></figcaption>" in Blurb.objects.get(pk=blurb.pk).body_html


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
