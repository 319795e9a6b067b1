"""Full-text search, the same on every database: what is indexed, what a query means, how hits are shown.

Imports no app's models and touches no database. The app that owns an index
turns its HTML into text with `html_to_text()`, parses the reader's query with
`parse()`, hands the database `fts5_expression()` (SQLite) or the folded terms
(PostgreSQL, whose index holds `fold()`ed text), and shows what the database
marked with `marked_html()`.

The reader's text never reaches a query language as it was typed: every word
is quoted, and only our own forms mean something (`"a phrase"`, a trailing
`*` for a prefix, `tag:name`). Anything else (`AND`, `NEAR(`, a lone `"`) is
words or nothing.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils.html import escape
from django.utils.safestring import mark_safe

MAX_TERMS = 12
MIN_PREFIX = 2  # a one-letter prefix would match most of the index
# Private-use characters the database puts around a hit; removed from indexed
# text so that only the database's marks are ever read as marks.
MARK_START, MARK_END, FRAGMENTS = "\ue000", "\ue001", "\ue002"
_NOT_WORD = re.compile(r"[^\w\s]|_")
_NOT_TEXT = str.maketrans({MARK_START: " ", MARK_END: " ", FRAGMENTS: " ", "\x00": " "})

WORD = re.compile(r"\w+")
_TOKEN = re.compile(r'(?i)tag:"(?P<tagq>[^"]*)"?|tag:(?P<tag>\S+)|"(?P<phrase>[^"]*)"?|(?P<word>\S+)')


def fold(text):
    """Text as the index compares it: case folded, no diacritics, in any script (`Überraschung` -> `uberraschung`).

    Done character by character (case folding and compatibility decomposition
    are), so restore_folded() can map a folded fragment back to the original.
    Whatever is not part of a word becomes a space (marks of scripts that
    write vowels with them stay): the index splits words where the query
    parser does, on both databases. PostgreSQL's own parser would keep
    `node.js` or `a_b` as one word, and read `<script>` as a tag and leave it
    out of its headlines.
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return _NOT_WORD.sub(_space_unless_mark, kept)


def _space_unless_mark(match):
    char = match.group()
    return char if unicodedata.category(char).startswith("M") else " "


@functools.lru_cache(maxsize=4096)
def _fold_char(char):
    return fold(char)


def restore_folded(fragment, original, folded):
    """`fragment`, a piece of `folded` (= fold(original)) with marks in it, written with `original`'s characters.

    PostgreSQL's index holds folded text, so its headline is folded; the reader
    should see the post's own spelling. None when the fragment is not found.
    """
    plain = fragment.replace(MARK_START, "").replace(MARK_END, "")
    at = folded.find(plain)
    if at < 0 or not plain:
        return None
    # Where each folded character came from in the original (ASCII folds one to one).
    if original.isascii():
        origin = range(len(original))
    else:
        origin = []
        for index, char in enumerate(original):
            origin.extend([index] * len(_fold_char(char)))
    if len(origin) != len(folded):
        return None
    pieces, position = [], at  # position: in folded
    for part in re.split(f"([{MARK_START}{MARK_END}])", fragment):
        if part in (MARK_START, MARK_END):
            pieces.append(part)
            continue
        if part:
            start, end = origin[position], origin[position + len(part) - 1] + 1
            pieces.append(original[start:end])
            position += len(part)
    return "".join(pieces)


def marked_html(text):
    """HTML for text the database marked: everything escaped, each hit in <mark>, fragments joined by an ellipsis."""
    out = []
    for fragment in text.split(FRAGMENTS):
        parts = re.split(f"{MARK_START}(.*?){MARK_END}", fragment, flags=re.S)
        html_parts = []
        for index, part in enumerate(parts):
            part = escape(part.replace(MARK_START, "").replace(MARK_END, ""))
            html_parts.append(f"<mark>{part}</mark>" if index % 2 and part else part)
        out.append("".join(html_parts).strip())
    return mark_safe(" … ".join(piece for piece in out if piece))


class _TextParser(HTMLParser):
    # Block elements separate words; inline ones (em, code, Pygments' spans) do not.
    BLOCKS = {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }  # fmt: skip
    SKIPPED = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")
        # A heading's own permalink ("#") is not part of the text.
        classes = (dict(attrs).get("class") or "").split()
        if tag in self.SKIPPED or (tag == "a" and "headerlink" in classes):
            self.skipping.append(tag)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup):
    """The words of rendered HTML, without its markup, for the index."""
    parser = _TextParser()
    parser.feed(markup or "")
    parser.close()
    return plain_text("".join(parser.parts))


def plain_text(text):
    """Text as it is indexed: no search marks, no NUL, runs of blank lines squeezed."""
    return re.sub(r"\s*\n\s*", "\n", text.translate(_NOT_TEXT)).strip()


@dataclass
class Term:
    """Words that must follow each other (one word is a one-word phrase); `prefix`: the last is a prefix."""

    words: tuple
    prefix: bool = False


@dataclass
class Query:
    """A reader's query as we understood it; `notes` say what was left out and why, for the reader."""

    terms: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.terms or self.tags)


def parse(text):
    """The reader's query: words, "quoted phrases", prefixes (`djan*`) and `tag:name` filters; never raises."""
    query = Query()
    dropped = False
    for match in _TOKEN.finditer(text):
        tag = match["tagq"] if match["tagq"] is not None else match["tag"]
        if tag is not None:
            if tag.strip():
                query.tags.append(tag.strip())
            continue
        chunk = match["phrase"] if match["phrase"] is not None else match["word"]
        words = tuple(WORD.findall(chunk))
        if not folded_words(Term(words)):  # nothing left to look for once folded
            continue
        prefix = match["word"] is not None and chunk.endswith("*") and chunk.rstrip("*")[-1:].isalnum()
        if prefix and len(words[-1]) < MIN_PREFIX:
            query.notes.append(f"“{chunk}” is too short to search for everything starting with it.")
            prefix = False
        if len(query.terms) >= MAX_TERMS:
            dropped = True
            continue
        query.terms.append(Term(words, prefix))
    if dropped:
        query.notes.append(f"Only the first {MAX_TERMS} words or phrases were searched for.")
    return query


def folded_words(term):
    """The term's words as the index holds them (fold()ed), each of word characters only."""
    return [word for original in term.words for word in WORD.findall(fold(original))]


def fts5_expression(query, tag_column=None, expansions=None):
    """An FTS5 MATCH expression for an index of folded text: each term quoted, all required; prefixes `"djan"*`.

    With `tag_column`, each tag: filter's words must be in that column too: a
    coarse filter (`tag:c++` looks for the word `c`) that lets the index skip
    most posts without the tag; the caller still checks the tag itself.
    `expansions` ({term's number: [words]}) spells out a prefix as the index's
    words that start with it.
    """
    parts = []
    for number, term in enumerate(query.terms):
        if expansions and expansions.get(number):
            parts.append("(" + " OR ".join('"' + word.replace('"', '""') + '"' for word in expansions[number]) + ")")
            continue
        # \w characters only, in double quotes: FTS5 reads them as a string, never as its syntax.
        parts.append('"' + " ".join(folded_words(term)) + '"' + ("*" if term.prefix else ""))
    for tag in query.tags if tag_column else ():
        words = WORD.findall(fold(tag))
        if words:
            parts.append(f'{tag_column} : "' + " ".join(words) + '"')
    return " ".join(parts)
