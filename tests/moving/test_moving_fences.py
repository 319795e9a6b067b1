"""moving.fences.fence_for: one rule for the fences both importers write, checked through the renderer."""

import html
import re

import pytest

from blog.rendering import render
from moving.fences import fence_for
from moving.markdown.code_blocks import convert_code_blocks
from moving.wordpress.markup import convert

CODE = {
    "plain": ("print('hi')\n", "```"),
    "a run mid-line closes nothing": ("say ```hi``` and ````this````\n", "```"),
    "three backticks on a line": ("```\nnot the end\n", "````"),
    "four backticks on a line": ("````python\n```\n", "`````"),
    "an indented run": ("x\n    ``````\ny\n", "```````"),
    "a tab before a run": ("\t````\n", "`````"),
    "tildes": ("~~~\n~~~~~~\n", "```"),
}


@pytest.mark.parametrize("code, fence", CODE.values(), ids=CODE.keys())
def test_the_fence_is_longer_than_any_run_that_starts_a_line(code, fence):
    assert fence_for(code) == fence


def _shown_code(rendered):
    """The text of the one highlighted code block in rendered HTML."""
    inner = re.search(r"<code>(.*)</code></pre>", rendered, re.DOTALL).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "", inner))


@pytest.mark.parametrize("code", [code for code, _fence in CODE.values()], ids=CODE.keys())
def test_code_in_the_fence_renders_exactly_as_written(code):
    fence = fence_for(code)
    # Python-Markdown turns tabs into spaces everywhere, code included.
    assert _shown_code(render(f"{fence}\n{code}{fence}\n\nAfter.").html) == code.expandtabs(4)


def test_wordpress_code_shortcodes_use_it():
    source, _notes = convert("[code]```\nx\n```[/code]")
    assert source == "````\n```\nx\n```\n````\n"


def test_octopress_code_blocks_use_it():
    converted, _notes = convert_code_blocks("{% codeblock %}\n  ```\n{% endcodeblock %}\n")
    assert converted == "````\n  ```\n````\n"
