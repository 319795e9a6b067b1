"""Markdown to HTML for posts, summaries, pages and blurbs: render(), run once when the author saves.

It imports no models: render() is a pure function of its input, never run on a request.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.etree import ElementTree

import markdown
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.toc import TocExtension
from markdown.extensions.toc import slugify as toc_slugify
from markdown.treeprocessors import Treeprocessor

from blog.rendering.guard import MAX_SOURCE_CHARS, PathologyGuard, as_text
from blog.rendering.highlight import CodeFencePreprocessor

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
    md.preprocessors.register(CodeFencePreprocessor(md, warnings), "escribe_fences", 25)
    md.preprocessors.register(PathologyGuard(md, warnings), "escribe_guard", 24)
    md.treeprocessors.register(_FocusableTables(md), "escribe_tables", 0)
    if images:
        # After "inline" (20), which makes the <img> elements.
        md.treeprocessors.register(_ResponsiveImages(md, images), "escribe_images", 15)
    source = source or ""
    if len(source) > MAX_SOURCE_CHARS:
        return Rendered(
            html=as_text(source),
            warnings=[
                f"The text is {len(source):,} characters, more than the {MAX_SOURCE_CHARS:,} that are rendered: "
                "it is shown as plain text. Split it into several posts."
            ],
        )
    try:
        text = md.convert(source)
    except RecursionError:
        # A last resort behind PathologyGuard: the worker lives and the author is told.
        return Rendered(
            html=as_text(source),
            warnings=["The text is nested too deeply to render: it is shown as plain text."],
        )
    return Rendered(html=text, warnings=warnings)


class _FocusableTables(Treeprocessor):
    """Tables take keyboard focus: a wide one scrolls sideways on a phone (site.css), like a code block."""

    def run(self, root):
        for table in root.iter("table"):
            table.set("tabindex", "0")


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
