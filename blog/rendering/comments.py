"""Markdown to HTML for readers' comments: render_comment(), the small part of Markdown commenters may use.

Its links go only where comment_link_target() allows, with rel="nofollow ugc".
"""

import html
import re
from xml.etree import ElementTree

import markdown
from markdown.treeprocessors import Treeprocessor

from blog.rendering.guard import MAX_SOURCE_CHARS, PathologyGuard, as_text
from blog.rendering.highlight import CodeFencePreprocessor

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
        return as_text(source)
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
    md.preprocessors.register(_CommentCodeFences(md, warnings), "escribe_fences", 25)
    md.preprocessors.register(_CommentPathologyGuard(md, warnings), "escribe_guard", 24)
    # After the inline patterns (20) have made the links, before the escapes are undone (0).
    md.treeprocessors.register(_CommentLinks(md), "escribe_comment_links", 15)
    try:
        return md.convert(source)
    except RecursionError:
        return as_text(source)


class _CommentCodeFences(CodeFencePreprocessor):
    """The fences of posts, with a caption link that obeys the commenters' rules.

    http, https or mailto only, rel="nofollow ugc"; the fence's HTML is
    stashed, so the comment's link check never sees it.
    """

    def caption_link(self, url, text):
        target = comment_link_target(url)
        if target is None:
            return html.escape(f"{text} ({url})" if text else url)
        return f'<a href="{html.escape(target)}" rel="{COMMENT_LINK_REL}">{html.escape(text)}</a>'


class _CommentPathologyGuard(PathologyGuard):
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
