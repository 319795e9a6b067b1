"""Pygments highlighting: the only code that imports pygments, and the code fences it colours.

Posts and comments share one fence syntax (blog/fences.py) and one look.
"""

import html
import re

from markdown.preprocessors import Preprocessor
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from blog.fences import parse_info

PYGMENTS_CSS_CLASS = "highlight"

# A fence opens with ``` or ~~~ (three or more), then an optional language,
# then an optional caption and options (blog/fences.py):  ```python models.py hl_lines="2 3"
FENCE_RE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w#+.-]+)?(?:[ \t]+(?P<filename>[^`\n]+?))?[ \t]*\n"
    r"(?P<code>.*?)(?<=\n)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
OPEN_FENCE_RE = re.compile(r"^(`{3,}|~{3,})", re.MULTILINE)


def highlight_code(
    code: str,
    language: str | None,
    *,
    label: str = "",
    linenos: bool = False,
    linenostart: int = 1,
    hl_lines: tuple | list = (),
) -> tuple[str, str | None]:
    """Highlight code with Pygments CSS classes; returns (html, warning).

    label names the block for assistive technology (a file name); without one
    the language names it ("Python code"). Line numbers are inline spans
    (site.css keeps them out of a copy): one <pre> either way, so every code
    block scrolls and is styled alike.
    """
    warning = None
    lexer = None
    if language:
        try:
            lexer = get_lexer_by_name(language, stripnl=False, ensurenl=True)
        except ClassNotFound:
            warning = f"Unknown language {language!r} in a code fence: shown as plain text."
    if lexer is None:
        lexer = TextLexer(stripnl=False, ensurenl=True)
        label = label or "Code"
    formatter = HtmlFormatter(
        cssclass=PYGMENTS_CSS_CLASS,
        wrapcode=True,
        linenos="inline" if linenos else False,
        linenostart=linenostart,
        hl_lines=list(hl_lines),
    )
    code_html = highlight(code, lexer, formatter)
    # A long line makes the <pre> scroll sideways, which keyboard users can
    # only do once it takes focus; a focusable element needs a name, and a
    # plain <pre> may not carry one, so it is a named group (not a region:
    # a page of posts would hold many landmarks with the same name).
    label = label or f"{lexer.name} code"
    return code_html.replace("<pre>", f'<pre tabindex="0" role="group" aria-label="{html.escape(label)}">', 1), warning


def pygments_css(style: str) -> str:
    """The stylesheet for one Pygments style, scoped to our CSS class."""
    return HtmlFormatter(style=style, cssclass=PYGMENTS_CSS_CLASS).get_style_defs(f".{PYGMENTS_CSS_CLASS}")


class CodeFencePreprocessor(Preprocessor):
    """Fenced code blocks with a language and an optional file name.

    Comments use a subclass whose caption_link() obeys the commenters' rules.
    """

    def __init__(self, md, warnings):
        super().__init__(md)
        self.warnings = warnings

    def run(self, lines):
        text = "\n".join(lines)
        text = FENCE_RE.sub(self._replace, text)
        if OPEN_FENCE_RE.search(text):
            self.warnings.append("A code fence is opened but never closed: its lines are shown as text.")
        return text.split("\n")

    def _replace(self, match):
        language = match.group("lang")
        info = parse_info(match.group("filename") or "")
        self.warnings.extend(info.warnings)
        code = match.group("code")
        code_html, warning = highlight_code(
            code,
            language,
            label=info.caption,
            linenos=info.linenos,
            linenostart=info.linenostart,
            hl_lines=info.marked_lines(code.count("\n")),
        )
        if warning:
            self.warnings.append(warning)
        if language and not warning:
            code_html = code_html.replace(
                f'<div class="{PYGMENTS_CSS_CLASS}">',
                f'<div class="{PYGMENTS_CSS_CLASS}" data-lang="{html.escape(language)}">',
                1,
            )
        if info.caption or info.link_url:
            caption = f"<code>{html.escape(info.caption)}</code>" if info.caption else ""
            if info.link_url:
                link = self.caption_link(info.link_url, info.link_text)
                caption = f"{caption} {link}" if caption else link
            code_html = f'<figure class="code-file"><figcaption>{caption}</figcaption>{code_html}</figure>'
        return f"\n\n{self.md.htmlStash.store(code_html)}\n\n"

    def caption_link(self, url, text):
        return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'
