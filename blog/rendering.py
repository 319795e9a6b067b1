"""Markdown to HTML: the one renderer for posts, summaries, blurbs and readers' comments.

This is the only module that imports `markdown` and `pygments`. It imports no
models: `render()` is a pure function of its input, run once when the author
saves, never on a request.
"""

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.etree import ElementTree

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


# How wide a post's images are shown, at most: the text column (site.css's
# --measure, 55ch of the body font) measured 630 px (39.4rem) in Chromium;
# 42rem leaves room for a wider system serif. Browsers pick from srcset before
# any CSS is loaded, so this is stated here rather than read from the CSS.
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
    md.treeprocessors.register(_FocusableTables(md), "escribe_tables", 0)
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


class _CodeFencePreprocessor(Preprocessor):
    """Fenced code blocks with a language and an optional file name.

    In a comment (commenter=True) the caption's link obeys the commenters'
    rules: http, https or mailto only, rel="nofollow ugc"; the fence's HTML is
    stashed, so the comment's link check never sees it.
    """

    def __init__(self, md, warnings, *, commenter=False):
        super().__init__(md)
        self.warnings = warnings
        self.commenter = commenter

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
                link = self._caption_link(info.link_url, info.link_text)
                caption = f"{caption} {link}" if caption else link
            code_html = f'<figure class="code-file"><figcaption>{caption}</figcaption>{code_html}</figure>'
        return f"\n\n{self.md.htmlStash.store(code_html)}\n\n"

    def _caption_link(self, url, text):
        if not self.commenter:
            return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'
        target = comment_link_target(url)
        if target is None:
            return html.escape(f"{text} ({url})" if text else url)
        return f'<a href="{html.escape(target)}" rel="{COMMENT_LINK_REL}">{html.escape(text)}</a>'


class _FocusableTables(Treeprocessor):
    """Tables take keyboard focus: a wide one scrolls sideways on a phone (site.css), like a code block."""

    def run(self, root):
        for table in root.iter("table"):
            table.set("tabindex", "0")


class _PathologyGuard(Preprocessor):
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
        picture = ElementTree.Element("picture")
        ElementTree.SubElement(
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


# Readers' comments get a small part of Markdown: inline code, fenced code,
# emphasis and links. Everything else (raw HTML, images, headings, lists,
# tables, footnotes) stays the text the commenter typed, escaped.
COMMENT_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
COMMENT_LINK_REL = "nofollow ugc"
# Python-Markdown's parts that comments do without, by their registered names.
_COMMENT_UNUSED_PREPROCESSORS = ("html_block",)
_COMMENT_UNUSED_BLOCKS = ("indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist", "quote", "reference")
_COMMENT_UNUSED_INLINES = (
    "reference",
    "image_link",
    "image_reference",
    "short_reference",
    "short_image_ref",
    "automail",
    "html",
)
# What is left: blank lines and paragraphs; code spans, backslash escapes,
# links, <http://...> autolinks, line breaks, entities, emphasis. Counted,
# so that a new Python-Markdown that adds a construct fails loudly instead
# of letting it through to commenters.
_COMMENT_BLOCKS = 2
_COMMENT_INLINES = 8
# A web address typed as text; the end is trimmed of the punctuation around it.
BARE_URL = re.compile(r"(?<![\w@/.:-])(?:https?://|www\.)[^\s<>\"'`\x02\x03]+", re.IGNORECASE)
_URL_TRAILING = ".,:;!?'\")]}*_"
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
# Browsers drop tabs and line breaks anywhere in a URL, and control characters and spaces around it.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_URL_EDGES = "".join(chr(code) for code in range(0x21))


def render_comment(source: str) -> str:
    """A commenter's text -> HTML: code (Pygments, as in posts), emphasis, links with rel="nofollow ugc".

    Links go only to http, https and mailto addresses (others keep their
    text, unlinked); line breaks are kept; anything else is shown as typed.
    The same limits as render() keep a hostile comment from holding a worker.
    """
    source = source or ""
    if len(source) > MAX_SOURCE_CHARS:
        return _as_text(source)
    md = markdown.Markdown(extensions=["nl2br"], output_format="html")
    for registry, names in (
        (md.preprocessors, _COMMENT_UNUSED_PREPROCESSORS),
        (md.parser.blockprocessors, _COMMENT_UNUSED_BLOCKS),
        (md.inlinePatterns, _COMMENT_UNUSED_INLINES),
    ):
        for name in names:
            registry.deregister(name)
    if len(md.parser.blockprocessors) != _COMMENT_BLOCKS or len(md.inlinePatterns) != _COMMENT_INLINES:
        raise RuntimeError("Python-Markdown's parts changed: review what render_comment() lets commenters use.")
    warnings: list[str] = []  # nobody to tell: the commenter's text is shown as far as it renders
    md.preprocessors.register(_CodeFencePreprocessor(md, warnings, commenter=True), "escribe_fences", 25)
    md.preprocessors.register(_CommentPathologyGuard(md, warnings), "escribe_guard", 24)
    # After the inline patterns (20) have made the links, before the escapes are undone (0).
    md.treeprocessors.register(_CommentLinks(md), "escribe_comment_links", 15)
    try:
        return md.convert(source)
    except RecursionError:
        return _as_text(source)


class _CommentPathologyGuard(_PathologyGuard):
    # Without lists, quotes or headings, only a blank line ends a paragraph.
    block_start = re.compile(r"^[ \t]*$")


def comment_link_target(href: str) -> str | None:
    """The address a browser would follow for href, if it is http, https or mailto; otherwise None."""
    seen = _URL_IGNORED.sub("", html.unescape(href)).strip(_URL_EDGES)
    scheme = _SCHEME.match(seen)
    if scheme is None or scheme.group(1).lower() not in COMMENT_LINK_SCHEMES:
        return None
    return seen


class _CommentLinks(Treeprocessor):
    """Links bare web addresses; keeps only allowed link targets, each with rel="nofollow ugc" and nothing else."""

    def run(self, root):
        self._linkify(root, inside_link=False)
        parents = {child: parent for parent in root.iter() for child in parent}
        for link in [element for element in root.iter("a")]:
            target = comment_link_target(link.get("href", ""))
            if target is None:
                _unwrap(link, parents[link])
            else:
                link.attrib.clear()
                # The serializer keeps anything that looks like an entity: escaping every & makes
                # the browser read exactly the address checked above.
                link.set("href", target.replace("&", "&amp;"))
                link.set("rel", COMMENT_LINK_REL)

    def _linkify(self, element, inside_link):
        inside_link = inside_link or element.tag in ("a", "code", "pre")
        for index, child in reversed(list(enumerate(element))):
            self._linkify(child, inside_link)
            if not inside_link and child.tail:
                child.tail, links = _split_urls(child.tail)
                element[index + 1 : index + 1] = links
        if not inside_link and element.text:
            element.text, links = _split_urls(element.text)
            element[0:0] = links


def _split_urls(text):
    """(text before the first address, [<a> elements, each with the text after it as its tail])."""
    pieces = []
    position = 0
    head = None
    for match in BARE_URL.finditer(text):
        url = match.group()
        while url and url[-1] in _URL_TRAILING:
            closing = {")": "(", "]": "[", "}": "{"}.get(url[-1])
            if closing and url.count(closing) >= url.count(url[-1]):
                break  # part of the address, as in Wikipedia's (disambiguation) pages
            url = url[:-1]
        if not url or url.lower() in ("http://", "https://", "www."):
            continue
        if head is None:
            head = text[: match.start()]
        else:
            pieces[-1].tail = text[position : match.start()]
        link = ElementTree.Element("a", href=url if "://" in url else f"http://{url}")
        link.text = url
        pieces.append(link)
        position = match.start() + len(url)
    if head is None:
        return text, []
    pieces[-1].tail = text[position:]
    return head, pieces


def _unwrap(element, parent):
    """Replace element by its text and children in parent."""
    index = list(parent).index(element)
    children = list(element)
    parent.remove(element)
    parent[index:index] = children
    _append_text(parent, index - 1, element.text)
    _append_text(parent, index - 1 + len(children), element.tail)


def _append_text(parent, position, text):
    """Add text after parent's child at position (-1: at the start of parent)."""
    if not text:
        return
    if position < 0:
        parent.text = (parent.text or "") + text
    else:
        parent[position].tail = (parent[position].tail or "") + text
