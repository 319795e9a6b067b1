"""Markdown to HTML: the one renderer for posts, summaries and blurbs.

This is the only module that imports `markdown` and `pygments`. It imports no
models: `render()` is a pure function of its input, run once when the author
saves, never on a request.
"""

import html
import re
from dataclasses import dataclass, field

import markdown
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.toc import TocExtension
from markdown.extensions.toc import slugify as toc_slugify
from markdown.preprocessors import Preprocessor
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

PYGMENTS_CSS_CLASS = "highlight"

# A fence opens with ``` or ~~~ (three or more), then an optional language,
# then an optional file name shown as the block's caption:  ```python models.py
FENCE_RE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w#+.-]+)?(?:[ \t]+(?P<filename>[^`\n]+?))?[ \t]*\n"
    r"(?P<code>.*?)(?<=\n)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
OPEN_FENCE_RE = re.compile(r"^(`{3,}|~{3,})", re.MULTILINE)


@dataclass
class Rendered:
    html: str
    warnings: list[str] = field(default_factory=list)


def render_markdown(source: str, id_prefix: str = "") -> str:
    """Markdown source -> HTML (see render() for the details)."""
    return render(source, id_prefix).html


def render(source: str, id_prefix: str = "") -> Rendered:
    """Render Markdown to HTML, reporting anything that could not be honoured.

    id_prefix is put in front of heading anchors and footnote ids, so that
    several posts on one page never share an id.
    """
    warnings: list[str] = []
    md = markdown.Markdown(
        extensions=[
            "tables",
            "sane_lists",
            "smarty",
            _PrefixedFootnotes(prefix=id_prefix, BACKLINK_TITLE="Back to the text"),
            TocExtension(
                permalink="#",
                permalink_title="Link to this section",
                slugify=_prefixed_slugify(id_prefix),
            ),
        ],
        output_format="html",
    )
    md.preprocessors.register(_CodeFencePreprocessor(md, warnings), "escribe_fences", 25)
    text = md.convert(source or "")
    return Rendered(html=text, warnings=warnings)


def highlight_code(code: str, language: str | None) -> tuple[str, str | None]:
    """Highlight code with Pygments CSS classes; returns (html, warning)."""
    warning = None
    lexer = None
    if language:
        try:
            lexer = get_lexer_by_name(language, stripnl=False, ensurenl=True)
        except ClassNotFound:
            warning = f"Unknown language {language!r} in a code fence: shown as plain text."
    if lexer is None:
        lexer = TextLexer(stripnl=False, ensurenl=True)
    formatter = HtmlFormatter(cssclass=PYGMENTS_CSS_CLASS, wrapcode=True)
    return highlight(code, lexer, formatter), warning


def pygments_css(style: str) -> str:
    """The stylesheet for one Pygments style, scoped to our CSS class."""
    return HtmlFormatter(style=style, cssclass=PYGMENTS_CSS_CLASS).get_style_defs(f".{PYGMENTS_CSS_CLASS}")


class _CodeFencePreprocessor(Preprocessor):
    """Fenced code blocks with a language and an optional file name."""

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
        filename = (match.group("filename") or "").strip()
        code_html, warning = highlight_code(match.group("code"), language)
        if warning:
            self.warnings.append(warning)
        if language and not warning:
            code_html = code_html.replace(
                f'<div class="{PYGMENTS_CSS_CLASS}">',
                f'<div class="{PYGMENTS_CSS_CLASS}" data-lang="{html.escape(language)}">',
                1,
            )
        if filename:
            code_html = (
                '<figure class="code-file">'
                f"<figcaption><code>{html.escape(filename)}</code></figcaption>"
                f"{code_html}</figure>"
            )
        return f"\n\n{self.md.htmlStash.store(code_html)}\n\n"


def _prefixed_slugify(prefix):
    def slugify(value, separator):
        slug = toc_slugify(value, separator)
        return f"{prefix}-{slug}" if prefix else slug

    return slugify


class _PrefixedFootnotes(FootnoteExtension):
    def __init__(self, prefix="", **kwargs):
        self.id_prefix = f"{prefix}-" if prefix else ""
        super().__init__(**kwargs)

    def makeFootnoteId(self, id):
        return f"{self.id_prefix}{super().makeFootnoteId(id)}"

    def makeFootnoteRefId(self, id, found=False):
        return self.unique_ref(f"{self.id_prefix}fnref{self.get_separator()}{id}", found)
