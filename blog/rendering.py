"""Markdown to HTML: the one renderer for posts, summaries and blurbs.

This is the only module that imports `markdown` and `pygments`. It imports no
models: `render()` is a pure function of its input, run once when the author
saves, never on a request.
"""

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass, field

import markdown
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.toc import TocExtension
from markdown.extensions.toc import slugify as toc_slugify
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
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

# Limits that keep one save from holding a worker for minutes (timings in
# tests/test_rendering.py). Python-Markdown's
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


# How wide a post's images are shown (the text's measure, 42rem in site.css):
# browsers pick from srcset before any CSS is loaded.
IMAGE_SIZES = "(min-width: 42rem) 42rem, 100vw"


@dataclass
class Rendered:
    html: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImageSource:
    """What the caller knows about an uploaded image: its size and the copies a browser may pick from.

    srcset: (url, width) in the image's own format, the original included;
    webp_srcset: the WebP copies, offered first in a <picture> (empty when the original is WebP).
    """

    width: int
    height: int
    srcset: tuple[tuple[str, int], ...] = ()
    webp_srcset: tuple[tuple[str, int], ...] = ()


def render_markdown(source: str, id_prefix: str = "", images: Mapping[str, ImageSource] | None = None) -> str:
    """Markdown source -> HTML (see render() for the details)."""
    return render(source, id_prefix, images).html


def render(source: str, id_prefix: str = "", images: Mapping[str, ImageSource] | None = None) -> Rendered:
    """Render Markdown to HTML, reporting anything that could not be honoured.

    id_prefix is put in front of heading anchors and footnote ids, so that
    several posts on one page never share an id. images maps the URLs of
    uploaded images to what is known of them: those get width and height,
    srcset, lazy loading and a WebP <source>; other images are left as written.
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
    md.preprocessors.register(_PathologyGuard(md, warnings), "escribe_guard", 24)
    if images:
        # After "inline" (20), which makes the <img> elements.
        md.treeprocessors.register(_ResponsiveImages(md, images), "escribe_images", 15)
    source = source or ""
    if len(source) > MAX_SOURCE_CHARS:
        return Rendered(
            html=_as_text(source),
            warnings=[
                f"The text is {len(source):,} characters, more than the {MAX_SOURCE_CHARS:,} that are rendered: "
                "it is shown as plain text. Split it into several posts."
            ],
        )
    try:
        text = md.convert(source)
    except RecursionError:
        # A last resort behind _PathologyGuard: the worker lives and the author is told.
        return Rendered(
            html=_as_text(source),
            warnings=["The text is nested too deeply to render: it is shown as plain text."],
        )
    return Rendered(html=text, warnings=warnings)


def _as_text(text):
    return f'<pre class="unrendered">{html.escape(text)}</pre>'


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


class _PathologyGuard(Preprocessor):
    """Shows as escaped text the blocks that would make the renderer hang or recurse too deeply."""

    def __init__(self, md, warnings):
        super().__init__(md)
        self.warnings = warnings

    def run(self, lines):
        out, block, spent, refused = [], [], 0, 0
        for line in [*lines, ""]:
            if BLOCK_START.match(line) and block:
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


class _ResponsiveImages(Treeprocessor):
    """<img> of uploaded images -> sized, lazily loaded, with srcset, inside a <picture> when WebP copies exist."""

    def __init__(self, md, images):
        super().__init__(md)
        self.images = images

    def run(self, root):
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                source = self.images.get(child.get("src", "")) if child.tag == "img" else None
                if source is not None:
                    parent[index] = self._responsive(child, source)

    def _responsive(self, img, source):
        img.set("width", str(source.width))
        img.set("height", str(source.height))
        img.set("loading", "lazy")
        img.set("decoding", "async")
        if len(source.srcset) > 1:
            img.set("srcset", _srcset(source.srcset))
            img.set("sizes", IMAGE_SIZES)
        if not source.webp_srcset:
            return img
        picture = etree.Element("picture")
        etree.SubElement(
            picture, "source", {"type": "image/webp", "srcset": _srcset(source.webp_srcset), "sizes": IMAGE_SIZES}
        )
        # The text after the image belongs after the picture.
        picture.tail, img.tail = img.tail, None
        picture.append(img)
        return picture


def _srcset(candidates):
    return ", ".join(f"{url} {width}w" for url, width in candidates)


def _nesting(block):
    deepest = 0
    for line in block:
        quotes = NESTING_MARKS.match(line)
        marks = quotes.group().count(">") if quotes else 0
        rest = line[quotes.end() :] if quotes else line
        indent = len(rest) - len(rest.lstrip(" \t"))
        deepest = max(deepest, marks + len(rest[:indent].expandtabs(4)) // 4)
    return deepest


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

    def unique_ref(self, reference, found=False):
        # Python-Markdown's version tries fnref2, fnref3... in turn (2,000
        # references to one footnote took 3 s, 4,000 took 15 s), and behind a
        # prefix it made fnref22 where the backlink says fnref3. The n-th
        # reference is fnref<n>, as the backlinks expect.
        if not found:
            return reference
        count = self.found_refs[reference] = self.found_refs.get(reference, 0) + 1
        if count == 1:
            return reference
        head, rest = reference.split(self.get_separator(), 1)
        return f"{head}{count}{self.get_separator()}{rest}"
