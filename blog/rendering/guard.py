"""The pathological-input guard: the limits that keep one hostile or broken text from holding a worker.

render() and render_comment() both put PathologyGuard in front of Python-Markdown, and show as
escaped text (as_text) what it must not be given.
"""

import html
import re

from markdown.preprocessors import Preprocessor

# Limits that keep one save from holding a worker for minutes (timings in
# tests/blog/test_rendering.py). Python-Markdown's
# inline patterns rescan a block once per opening [ < ` * _ that has no match:
# 10,000 "[" in one paragraph took 14 s, 10,000 "![" 40 s, and deep nesting
# raises RecursionError. Text past a limit is shown escaped, with a warning.
MAX_SOURCE_CHARS = 200_000
MAX_OPENERS_PER_BLOCK = 500
# Sum over blocks of openers squared: the quadratic part of the work (~1 s).
OPENER_BUDGET = 1_500_000
MAX_NESTING = 50
OPENERS = re.compile(r"[\[<`*_]")
# A line that starts a block of its own: inline patterns never span it.
BLOCK_START = re.compile(r"^[ \t]*(?:$|[-*+][ \t]|\d{1,9}[.)][ \t]|>|#)")
NESTING_MARKS = re.compile(r"^(?:[ \t]*>)+")
NEWLINE = "\n"


def as_text(text):
    return f'<pre class="unrendered">{html.escape(text)}</pre>'


class PathologyGuard(Preprocessor):
    """Shows as escaped text the blocks that would make the renderer hang or recurse too deeply."""

    # Where inline patterns stop: the work of one block grows with the square of its openers.
    block_start = BLOCK_START

    def __init__(self, md, warnings):
        super().__init__(md)
        self.warnings = warnings

    def run(self, lines):
        out, block, spent, refused = [], [], 0, 0
        for line in [*lines, ""]:
            if self.block_start.match(line) and block:
                openers = sum(len(OPENERS.findall(part)) for part in block)
                cost = openers * openers
                too_heavy = openers > MAX_OPENERS_PER_BLOCK or spent + cost > OPENER_BUDGET
                if (openers and too_heavy) or _nesting(block) > MAX_NESTING:
                    refused += 1
                    placeholder = self.md.htmlStash.store(f"<p>{html.escape(NEWLINE.join(block))}</p>")
                    block = ["", placeholder, ""]
                else:
                    spent += cost
                out.extend(block)
                block = []
            block.append(line)
        if refused:
            self.warnings.append(
                f"Shown as plain text: {refused} block{'s' if refused > 1 else ''} nested more than {MAX_NESTING} "
                f"deep or with more than {MAX_OPENERS_PER_BLOCK} of the characters [ < ` * _ (or too many in all). "
                "Put code in a fenced block, or split long paragraphs."
            )
        return out


def _nesting(block):
    deepest = 0
    for line in block:
        quotes = NESTING_MARKS.match(line)
        marks = quotes.group().count(">") if quotes else 0
        rest = line[quotes.end() :] if quotes else line
        indent = len(rest) - len(rest.lstrip(" \t"))
        deepest = max(deepest, marks + len(rest[:indent].expandtabs(4)) // 4)
    return deepest
