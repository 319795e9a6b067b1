"""What a post's rendered HTML says to readers elsewhere: reading time, a plain-text description,
its first image, the HTML lists show under its title; and the same HTML with every link absolute, for feed readers.

Pure functions of the stored HTML (no models, no Markdown), run when a post is
saved or a feed is built. They read HTML with the standard library's parser,
never with regular expressions: attribute order, quoting and entities vary.
"""

import html
import math
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import urljoin

# Silent reading of prose, words per minute (the usual figure for adults reading English on screen).
WORDS_PER_MINUTE = 230
# Code is read token by token and reread: a word of code counts as two of prose.
CODE_WORD_WEIGHT = 2
DESCRIPTION_CHARS = 200
# A longer image address (or a data: URI) is no address for a link preview (og:image, JSON-LD).
MAX_IMAGE_URL = 500
# Attributes that hold one URL; srcset holds several, each with its width or density.
URL_ATTRIBUTES = {"href", "src", "poster", "cite"}
# Elements whose text is not prose: footnote back-links and captions are read, scripts are not.
SKIPPED = {"script", "style", "template"}


class _TextReader(HTMLParser):
    """Counts prose and code words, collects the first paragraph's text and HTML and the first image's src."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.prose_words = self.code_words = 0
        self.first_paragraph = None
        self.first_paragraph_html = ""
        self.first_image = None
        self._code_depth = self._skip_depth = self._note_depth = 0
        self._paragraph = None  # text of the top-level <p> being read
        self._paragraph_html = []  # and its markup, footnote references left out

    def _copy(self, markup):
        if self._paragraph is not None and not self._note_depth:
            self._paragraph_html.append(markup)

    def handle_startendtag(self, tag, attrs):
        # <img ... />: copied as written, with no end tag to follow.
        self._copy(self.get_starttag_text())
        if tag == "img" and self.first_image is None:
            self.first_image = dict(attrs).get("src") or None

    def handle_starttag(self, tag, attrs):
        if tag != "sup":
            self._copy(self.get_starttag_text())
        if tag in SKIPPED:
            self._skip_depth += 1
        elif tag == "pre":
            self._code_depth += 1
        elif tag == "sup":
            self._note_depth += 1
        elif tag == "p" and self.first_paragraph is None and self._paragraph is None:
            self._paragraph = []
            self._paragraph_html = [self.get_starttag_text()]
        elif tag == "img" and self.first_image is None:
            self.first_image = dict(attrs).get("src") or None

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "pre":
            self._code_depth = max(0, self._code_depth - 1)
        elif tag == "sup":
            self._note_depth = max(0, self._note_depth - 1)
        elif tag == "p" and self._paragraph is not None:
            text = " ".join("".join(self._paragraph).split())
            # A paragraph of nothing but an image says nothing: wait for words.
            self.first_paragraph = text or None
            self.first_paragraph_html = "".join(self._paragraph_html) + "</p>" if text else ""
            self._paragraph = None
        if tag != "sup":
            self._copy(f"</{tag}>")

    def handle_data(self, data):
        if self._skip_depth:
            return
        words = len(data.split())
        if self._code_depth:
            self.code_words += words
        else:
            self.prose_words += words
            self._copy(html.escape(data, quote=False))
            # A footnote's number would read as part of the sentence: "A claim.1"
            if self._paragraph is not None and not self._note_depth:
                self._paragraph.append(data)


def _read(fragment):
    reader = _TextReader()
    reader.feed(fragment or "")
    reader.close()
    return reader


class PostDescription(NamedTuple):
    reading_minutes: int
    excerpt: str
    lead_image: str


def describe(body_html, summary_html=""):
    """What sharing and lists show of a post (Post.describe(), the 0007 migration), reading its body once.

    The excerpt is the summary's first paragraph, else the body's; the lead
    image is the body's first, unless it is no address for a link preview.
    """
    body = _read(body_html)
    image = body.first_image or ""
    if len(image) > MAX_IMAGE_URL or image.startswith("data:"):
        image = ""
    excerpt = description(summary_html) or _cut(body.first_paragraph or "", DESCRIPTION_CHARS)
    return PostDescription(_minutes(body), excerpt, image)


def list_html(body_html, summary_html=""):
    """What lists show under a post's title (Post.describe(), the 0013 migration): the summary, else the body's
    first paragraph with words, as the renderer wrote it, its footnote references left out (their notes are not there).
    """
    return summary_html or _read(body_html).first_paragraph_html


def reading_minutes(fragment):
    """Whole minutes to read the HTML (at least 1): prose at WORDS_PER_MINUTE, code words counted double."""
    return _minutes(_read(fragment))


def _minutes(reader):
    words = reader.prose_words + CODE_WORD_WEIGHT * reader.code_words
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def description(fragment, limit=DESCRIPTION_CHARS):
    """The first paragraph as one line of plain text, cut at a word boundary within `limit` characters ("" if none)."""
    return _cut(_read(fragment).first_paragraph or "", limit)


def _cut(text, limit):
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-–—")
    return f"{cut}…"


class _LinkRewriter(HTMLParser):
    """Copies HTML through unchanged except URL attributes, which become absolute against `base`."""

    def __init__(self, base):
        super().__init__(convert_charrefs=False)
        self.base = base
        self.out = []

    def _tag(self, tag, attrs, closing):
        changed = False
        written = []
        for name, value in attrs:
            if value is not None and name in URL_ATTRIBUTES:
                new = urljoin(self.base, value.strip())
            elif value is not None and name == "srcset":
                new = ", ".join(_absolute_candidate(self.base, part) for part in value.split(",") if part.strip())
            else:
                new = value
            changed = changed or new != value
            written.append(name if new is None else f'{name}="{html.escape(new, quote=True)}"')
        if not changed:
            self.out.append(self.get_starttag_text())
            return
        self.out.append(f"<{' '.join([tag, *written])}{' /' if closing else ''}>")

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs, closing=False)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs, closing=True)

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.out.append(f"<![{data}]>")


def _absolute_candidate(base, candidate):
    url, _, descriptor = candidate.strip().partition(" ")
    return f"{urljoin(base, url)} {descriptor.strip()}".strip()


def absolutize(fragment, base):
    """The HTML with every href, src and srcset absolute: `#fn:1` -> base#fn:1, `/tag/x/` -> site + /tag/x/.

    `base` is the absolute URL of the page the HTML belongs to, so fragments
    (footnotes, heading anchors) point into that page from a feed reader.
    """
    if not fragment:
        return fragment
    rewriter = _LinkRewriter(base)
    rewriter.feed(fragment)
    rewriter.close()
    return "".join(rewriter.out)
