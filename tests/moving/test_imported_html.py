"""moving.imported_html.neutralise: what cannot work under the site's CSP leaves imported posts, and is listed."""

from io import StringIO

import pytest
from django.core.management import call_command

from blog.models import Blurb, Page, Post
from blog.rendering import render
from moving.imported_html import neutralise
from tests.support.markdown_folders import write

pytestmark = pytest.mark.django_db

# What a reader's browser is given, and what it is given instead.
NEUTRALISED = {
    "script": ("<p>Hi<script>steal(document.cookie)</script> there</p>", "<p>Hi there</p>", "<script> dropped"),
    "script in svg": ('<svg><script href="x.js"/></svg>', "<svg></svg>", "<script> dropped"),
    "meta refresh": (
        '<meta http-equiv="refresh" content="0; url=https://elsewhere.example/">\n<p>Moved.</p>',
        "\n<p>Moved.</p>",
        '<meta http-equiv="refresh"> dropped',
    ),
    "event attribute": (
        '<img src="/a.png" alt="A" onerror="steal()">',
        '<img src="/a.png" alt="A">',
        "onerror attribute dropped from <img>",
    ),
    "javascript: href": (
        '<a href=" jav&#x09;ascript:steal()" title="t">x</a>',
        '<a title="t">x</a>',
        "href='javascript:steal()' dropped from <a>",
    ),
    "vbscript: src": ('<img src="VBScript:x" alt="">', '<img alt="">', "src='VBScript:x' dropped from <img>"),
    "iframe": (
        '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="A song">fallback</iframe>',
        '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">YouTube video: A song</a>',
        "YouTube embed (<iframe>) turned into a link: https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    "iframe without an address": ("<p>a<iframe srcdoc='x'></iframe>b</p>", "<p>ab</p>", "<iframe> dropped"),
    "object with param and embed": (
        '<object width="425"><param name="movie" value="http://www.youtube.com/v/dQw4w9WgXcQ&hl=en"></param>'
        '<embed src="http://www.youtube.com/v/dQw4w9WgXcQ&hl=en" type="application/x-shockwave-flash"></embed>'
        "</object>",
        '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">YouTube video: '
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ</a>",
        "YouTube embed (<object>) turned into a link",
    ),
    "embed": (
        '<embed src="https://old.example/movie.swf">',
        '<a href="https://old.example/movie.swf">Embedded content: https://old.example/movie.swf</a>',
        "<embed> turned into a link",
    ),
    "base": ('<base href="https://elsewhere.example/"><a href="x">x</a>', '<a href="x">x</a>', "<base> dropped"),
    "form": (
        '<form action="https://elsewhere.example/"><label>Q <input name="q"></label></form>After',
        "After",
        "<form> dropped, fields and all: it could not send to https://elsewhere.example/",
    ),
    "video from another site": (
        '<figure><video controls src="https://old.example/wp-content/uploads/a.mp4"></video></figure>',
        '<figure><a href="https://old.example/wp-content/uploads/a.mp4">Video: a.mp4</a></figure>',
        "<video> from another site turned into a link (it cannot play here): https://old.example/wp-content/",
    ),
    "audio source from another site": (
        '<audio controls><source src="//cdn.example/a.ogg" onerror="x()">Fallback</audio>',
        '<a href="https://cdn.example/a.ogg">Audio: a.ogg</a>',
        "<audio> from another site turned into a link",
    ),
    "Markdown link to javascript:": ("[click](javascript:steal(1)) me", "click me", "Markdown link to 'javascript"),
    "Markdown reference to javascript:": ("[x][r]\n\n[r]: javascript:steal()\n", "[x][r]\n\n\n", "Markdown link"),
    "never-closed script": ("Before <script>steal()\n\nAfter", "Before ", "<script> never closed"),
}


@pytest.mark.parametrize("source, kept, note", NEUTRALISED.values(), ids=NEUTRALISED.keys())
def test_what_cannot_work_here_is_dropped_or_linked_and_noted(source, kept, note):
    result, notes = neutralise(source)
    assert result == kept
    assert any(note in line for line in notes), notes


CODE = {
    "code span": "Write `<script>alert(1)</script>` to test.\n",
    "fence": '```html\n<meta http-equiv="refresh" content="0">\n<a href="javascript:x()" onclick="y()">\n```\n',
    "tilde fence": "~~~\n<iframe src=https://a.example/></iframe>\n~~~\n",
    "indented block": "Example:\n\n    <form action=/x><script>x()</script></form>\n\nDone.\n",
    "long fence around a short one": "````\n```\n<base href=/>\n```\n````\n",
    "double-backtick span": "Use ``<a onclick=`x`>`` here.\n",
    "plain text": "Nothing < here > at all & no tags.\n",
    "video on this site": '<video controls src="/media/uploads/a.mp4"><track kind="captions" src="/a.vtt"></video>\n',
    "ordinary HTML": '<p class="note">Kept <em>as</em> <a href="https://a.example/">written</a>.</p>\n',
}


@pytest.mark.parametrize("source", CODE.values(), ids=CODE.keys())
def test_code_and_harmless_html_are_kept_byte_for_byte(source):
    assert neutralise(source) == (source, [])


def test_html_in_a_list_item_is_not_taken_for_an_indented_code_block():
    result, notes = neutralise("- item\n\n    <p onclick='x()'>more</p>\n")
    assert result == "- item\n\n    <p>more</p>\n" and notes


def test_a_fence_never_closed_is_text_to_the_renderer_so_its_html_is_neutralised():
    result, _notes = neutralise("```\n<script>x()</script>\n")
    assert result == "```\n\n"


# Code to a reader's eye that the renderer shows as HTML: each held a <script> that reached the page.
NOT_CODE_TO_THE_RENDERER = {
    "fence never closed, a later fence with an info string": "```\n<script>x()</script>\n```python\n",
    "backticks around a line that starts with a tag": "a ```\n<script>x()</script>\n``` b\n",
}


@pytest.mark.parametrize("source", NOT_CODE_TO_THE_RENDERER.values(), ids=NOT_CODE_TO_THE_RENDERER.keys())
def test_what_the_renderer_shows_as_html_is_neutralised_though_it_looks_like_code(source):
    result, notes = neutralise(source)
    assert "<script" not in render(result).html
    assert notes == ["<script> dropped: scripts do not run here"]


def test_an_attribute_rewritten_keeps_the_others_escaped():
    result, _notes = neutralise("""<a href='/a?x=1&amp;y="2"' onclick="x()" download>a</a>""")
    assert result == '<a href="/a?x=1&amp;y=&quot;2&quot;" download>a</a>'


def test_the_markdown_import_neutralises_posts_summaries_pages_and_blurbs_and_lists_each(tmp_path):
    write(tmp_path, "blog.yaml", "tags: []\n")
    write(tmp_path, "2020-01-02-moved.md", (
        '---\ntitle: Moved\nslug: moved\ndate: 2020-01-02T10:00:00Z\nsummary: "<b onmouseover=\'x()\'>Hi</b>"\n---\n'
        '<meta http-equiv="refresh" content="0; url=https://elsewhere.example/">\n\nText with `<script>` in code.\n'
    ))  # fmt: skip
    write(tmp_path, "pages/01-about.md", "---\ntitle: About\nslug: about\nposition: 1\n---\n<script>x()</script>Me.\n")
    write(
        tmp_path, "blurbs/01-me.md", "---\ntitle: Me\nposition: 1\n---\n<iframe src='https://vimeo.com/1'></iframe>\n"
    )
    err = StringIO()
    call_command("import_markdown", str(tmp_path), stdout=StringIO(), stderr=err)
    post = Post.objects.get(slug="moved")
    assert post.body == "\n\nText with `<script>` in code.\n"
    assert "refresh" not in post.body_html and "<code>&lt;script&gt;</code>" in post.body_html
    assert post.summary == "<b>Hi</b>"
    assert Page.objects.get(slug="about").body == "Me.\n"
    assert Blurb.objects.get(title="Me").body == '<a href="https://vimeo.com/1">Vimeo video: https://vimeo.com/1</a>\n'
    report = err.getvalue()
    assert '2020-01-02-moved.md: <meta http-equiv="refresh"> dropped' in report
    assert "2020-01-02-moved.md: onmouseover attribute dropped from <b>" in report
    assert "01-about.md: <script> dropped" in report
    assert "01-me.md: Vimeo embed (<iframe>) turned into a link: https://vimeo.com/1" in report
    # A second run finds the same text: nothing changes.
    out = StringIO()
    call_command("import_markdown", str(tmp_path), stdout=out, stderr=StringIO())
    assert "0 created, 0 updated" in out.getvalue()
