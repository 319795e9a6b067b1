"""The HTML in imported posts, as far as it can work here: what the site's CSP stops or what sends readers away goes.

Both importers pass every body through neutralise(). Scripts and event
handlers could never run under the site's Content-Security-Policy
(script-src 'none'), frames and plugins could not load (default-src 'self',
object-src 'none'), a <meta http-equiv="refresh"> would send readers to
another site (a CSP does not cover navigation), a <base> would move every
relative link and a <form> would post a reader's input elsewhere. Each is
dropped or turned into a link, and listed, so the author can review it.
Everything else is kept byte for byte, and so is code: Markdown's fences,
indented blocks and code spans show <script> as text, so they are left alone.
"""

import html
import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import urlsplit

# Attributes whose value a browser loads or follows as an address.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "cite"}
# After the characters a browser ignores in an address: its scheme.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20]")
_RUNNING_SCHEMES = ("javascript:", "vbscript:")
# Elements dropped whole, their content with them (an <iframe>'s is fallback text; a browser shows it never).
_DROPPED_WHOLE = {"script", "iframe", "object", "form"}
_MEDIA = {"video", "audio"}
_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)", re.IGNORECASE)
_SENTINEL = "-->]]>>"
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INDENTED = re.compile(r"^(?: {4}|\t)")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]")
_MARKDOWN_SCRIPT_LINK = re.compile(
    r"!?\[(?P<text>[^\[\]\n]{0,1000})\]\(\s*<?(?P<url>(?:javascript|vbscript):(?:[^()\n]|\([^()\n]*\))*)\)"
    r"|^ {0,3}\[[^\[\]\n]{1,1000}\]:[ \t]*<?(?P<ref>(?:javascript|vbscript):.*)$",
    re.IGNORECASE | re.MULTILINE,
)
# A code span may run over lines, but not over one that starts with a tag: the renderer takes such a line
# out as an HTML block before it looks for code spans, so what it holds is shown as HTML.
_CODE_SPAN = re.compile(r"(?<![\\`])(`+)(?!`)((?:(?!\n[ \t]*<).)+?)(?<!`)\1(?!`)", re.DOTALL)
# Known oEmbed providers by host: the provider's name and what a link to it leads to.
_PROVIDERS = [
    (r"(?:www\.|m\.)?(?:youtube\.com|youtu\.be|youtube-nocookie\.com)", "YouTube", "video"),
    (r"(?:www\.|player\.)?vimeo\.com", "Vimeo", "video"),
    (r"(?:www\.)?dailymotion\.com|dai\.ly", "Dailymotion", "video"),
    (r"(?:www\.|embed\.)?ted\.com", "TED", "talk"),
    (r"video\.wordpress\.com|videopress\.com", "VideoPress", "video"),
    (r"wordpress\.tv", "WordPress.tv", "video"),
    (r"(?:www\.)?tiktok\.com", "TikTok", "video"),
    (r"(?:www\.|w\.)?soundcloud\.com", "SoundCloud", "audio"),
    (r"(?:open\.)?spotify\.com", "Spotify", "audio"),
    (r"(?:www\.)?mixcloud\.com", "Mixcloud", "audio"),
    (r"(?:www\.)?(?:twitter\.com|x\.com)", "X (Twitter)", "post"),
    (r"(?:www\.)?facebook\.com", "Facebook", "post"),
    (r"(?:www\.)?instagram\.com", "Instagram", "post"),
    (r"(?:www\.)?flickr\.com|flic\.kr", "Flickr", "photo"),
    (r"(?:www\.)?slideshare\.net", "SlideShare", "presentation"),
    (r"speakerdeck\.com", "Speaker Deck", "presentation"),
]
_YOUTUBE_PLAYER = re.compile(r"/(?:embed|v)/([\w-]{6,})")


def provider(url: str) -> tuple[str, str] | None:
    """(name, what a link to it leads to) of a known oEmbed provider's address: ("YouTube", "video"); else None."""
    host = (urlsplit(url).hostname or "").lower()
    return next(((name, thing) for pattern, name, thing in _PROVIDERS if re.fullmatch(pattern, host)), None)


def link_label(url: str) -> str:
    """What a link to an embedded address says it leads to: "YouTube video", "Embedded content"."""
    known = provider(url)
    return f"{known[0]} {known[1]}" if known else "Embedded content"


def page_url(url: str) -> str:
    """The page a player's address belongs to: YouTube's /embed/ID and /v/ID become its watch page."""
    parts = urlsplit(url)
    player = _YOUTUBE_PLAYER.match(parts.path)
    if (provider(url) or ("",))[0] == "YouTube" and player:
        return f"https://www.youtube.com/watch?v={player.group(1)}"
    if (parts.hostname or "") == "player.vimeo.com" and parts.path.startswith("/video/"):
        return f"https://vimeo.com/{parts.path.removeprefix('/video/')}"
    return url


def web_address(url: str) -> str | None:
    """url as a browser reads it, if it is an http(s) address (scheme-relative ones read as https)."""
    url = _IGNORED_IN_URL.sub("", url or "")
    if url.startswith("//"):
        url = f"https:{url}"
    return url if urlsplit(url).scheme.lower() in ("http", "https") else None


def embed_link(url: str, title: str = "", kind: str = "") -> str:
    """A link a reader can follow instead of an embedded player: "YouTube video: <title or address>"."""
    kind = kind or link_label(url)
    return f'<a href="{html.escape(url)}">{html.escape(kind)}: {html.escape(title or url)}</a>'


def neutralise(source: str) -> tuple[str, list[str]]:
    """(source, notes): Markdown or HTML source without what cannot work here, and what was done, one note each.

    Unchanged, byte for byte, when there is nothing to do.
    """
    if "<" not in source and not _MARKDOWN_SCRIPT_LINK.search(source):
        return source, []
    # html.parser stops at a construct it cannot finish, then retries at each later "<", and raises on a
    # marked section it does not know: on 66,000 "<a " it took nine minutes, on "<![if--" it crashed.
    # A browser drops the unknown marked section as a bogus comment; the sentinel finishes any comment,
    # CDATA section or tag left open, as the rest of the page would, so each is read once.
    masked = _MARKED_SECTION.sub(lambda match: " " + match.group()[1:], _mask_code(source))
    finder = _Finder(masked + _SENTINEL)
    finder.feed(finder.text)
    finder.close()
    edits = finder.edits
    for link in _MARKDOWN_SCRIPT_LINK.finditer(finder.text):
        # [text](javascript:...) keeps its text; a reference definition [id]: javascript:... goes.
        edits.append((*link.span(), source[link.start("text") : link.end("text")] if link["text"] else ""))
        url = (link["url"] or link["ref"]).strip()[:60]
        finder.notes.append(f"Markdown link to {url!r} unlinked: scripts do not run here")
    kept = []
    for edit in sorted(edits, key=lambda edit: (edit[0], -edit[1])):
        # An edit inside one already made (an attribute of a <source> in a <video> turned into a link) is moot.
        if not kept or edit[0] >= kept[-1][1]:
            kept.append(edit)
    for start, end, replacement in reversed(kept):
        end = min(end, len(source))
        source = source[:start] + replacement + source[end:]
    return source, finder.notes


def _running(url):
    return _IGNORED_IN_URL.sub("", url or "").lower().startswith(_RUNNING_SCHEMES)


class _Finder(HTMLParser):
    """Finds what to drop or rewrite in `text` (code already masked): edits (start, end, replacement) and notes."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.text = text
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.edits, self.notes = [], []
        # The element being dropped whole: (tag, where it starts, its attributes, nesting depth, addresses inside).
        self.dropping = None
        # The <video> and <audio> elements open here: (tag, where it starts, its addresses, those of its <source>s).
        self.media = []

    def where(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, self.get_starttag_text())
        if tag in _DROPPED_WHOLE:
            self.handle_endtag(tag)

    def _start(self, tag, attrs, text):
        start = self.where()
        end = start + len(text)
        attributes = dict(attrs)
        if self.dropping is not None:
            if tag == self.dropping["tag"]:
                self.dropping["depth"] += 1
            self.dropping["urls"] += [attributes.get("src"), attributes.get("data")]
            if tag == "param" and (attributes.get("name") or "").lower() in ("movie", "src", "url"):
                self.dropping["urls"].append(attributes.get("value"))
            return
        if tag in _DROPPED_WHOLE:
            self.dropping = {"tag": tag, "start": start, "attrs": attributes, "depth": 1, "urls": []}
            self.dropping["urls"] += [attributes.get("src"), attributes.get("data")]
        elif tag == "embed":
            self.edits.append((start, end, self._link_for("embed", attributes, [attributes.get("src")])))
        elif tag == "meta" and "http-equiv" in attributes:
            self.edits.append((start, end, ""))
            self.notes.append(f'<meta http-equiv="{attributes["http-equiv"]}"> dropped: it would act on the page')
        elif tag == "base":
            self.edits.append((start, end, ""))
            self.notes.append("<base> dropped: it would move every relative link of the page")
        else:
            if tag in _MEDIA:
                self.media.append({"tag": tag, "start": start, "urls": [attributes.get("src")]})
            elif tag == "source" and self.media:
                self.media[-1]["urls"].append(attributes.get("src"))
            self._clean_attributes(tag, attrs, start, end, text)

    def _clean_attributes(self, tag, attrs, start, end, text):
        kept = []
        for name, value in attrs:
            if name.startswith("on"):
                self.notes.append(f"{name} attribute dropped from <{tag}>: scripts do not run here")
            elif name in URL_ATTRIBUTES and _running(value):
                seen = _IGNORED_IN_URL.sub("", value)[:60]
                self.notes.append(f"{name}={seen!r} dropped from <{tag}>: scripts do not run here")
            else:
                kept.append((name, value))
        if len(kept) == len(attrs):
            return
        written = "".join(f" {name}" if value is None else f' {name}="{html.escape(value)}"' for name, value in kept)
        closing = " />" if text.endswith("/>") else ">"
        self.edits.append((start, end, f"<{tag}{written}{closing}"))

    def handle_endtag(self, tag):
        start = self.where()
        end = self.text.find(">", start) + 1 or len(self.text)
        if self.dropping is not None:
            if tag == self.dropping["tag"]:
                self.dropping["depth"] -= 1
                if self.dropping["depth"] == 0:
                    self._drop(end)
            return
        if tag in _MEDIA and self.media and self.media[-1]["tag"] == tag:
            self._media(self.media.pop(), end)

    def close(self):
        super().close()
        if self.dropping is not None:
            # Never closed: a browser takes the rest of the page as its content, and shows none of it.
            self.notes.append(f"<{self.dropping['tag']}> never closed: the text after it was not shown either")
            self._drop(len(self.text))

    def _drop(self, end):
        dropping, self.dropping = self.dropping, None
        if dropping["tag"] == "script":
            self.edits.append((dropping["start"], end, ""))
            self.notes.append("<script> dropped: scripts do not run here")
            return
        if dropping["tag"] == "form":
            # The CSP's form-action 'self' stops it sending anywhere else, and nothing here answers it.
            self.edits.append((dropping["start"], end, ""))
            action = dropping["attrs"].get("action") or "this page"
            self.notes.append(f"<form> dropped, fields and all: it could not send to {action[:80]} from here")
            return
        link = self._link_for(dropping["tag"], dropping["attrs"], dropping["urls"])
        self.edits.append((dropping["start"], end, link))

    def _media(self, media, end):
        """A <video> or <audio> playing another site's file: a link to it (the CSP's media-src is 'self')."""
        urls = [url for url in media["urls"] if url]
        elsewhere = next((web_address(url) for url in urls if web_address(url)), None)
        if elsewhere is None:
            return
        name = PurePosixPath(urlsplit(elsewhere).path).name or elsewhere
        label = f"{media['tag'].capitalize()}: {name}"
        self.edits.append((media["start"], end, f'<a href="{html.escape(elsewhere)}">{html.escape(label)}</a>'))
        self.notes.append(f"<{media['tag']}> from another site turned into a link (it cannot play here): {elsewhere}")

    def _link_for(self, tag, attributes, urls):
        """A link to the first web address of an embedded frame or plugin (none: it goes), and the note."""
        url = next((web_address(url) for url in urls if url and web_address(url)), None)
        if url is None:
            self.notes.append(f"<{tag}> dropped: it cannot load here, and it names no address to link to")
            return ""
        url = page_url(url)
        known = provider(url)
        self.notes.append(
            f"{known[0] + ' embed (' if known else ''}<{tag}>{')' if known else ''} turned into a link: {url}"
        )
        return embed_link(url, attributes.get("title") or "")


def _mask_code(text):
    """text with Markdown's code (fences, indented blocks, code spans) blanked out, every offset kept.

    Not moving.fences.Fences, which says where another engine saw code: this says where E-Scribe's own
    renderer (Python-Markdown) will, and errs towards "not code" so that more is checked.
    """
    chars = list(text)
    lines = text.split("\n")
    position, fence, fence_start, previous_blank, in_list = 0, None, 0, True, False
    masked_lines = []
    for line in lines:
        span = (position, position + len(line))
        position += len(line) + 1
        if fence is not None:
            masked_lines.append(span)
            if re.fullmatch(rf"[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*", line):
                fence = None
            continue
        opening = _FENCE_OPEN.match(line)
        if opening:
            fence, fence_start = opening.group(1), span[0]
            masked_lines.append(span)
            continue
        if not line.strip():
            previous_blank = True
            continue
        if _INDENTED.match(line) and previous_blank and not in_list:
            masked_lines.append(span)
            continue
        if not _INDENTED.match(line):
            in_list = bool(_LIST_ITEM.match(line))
        previous_blank = False
    if fence is not None:
        # Never closed: the renderer shows those lines as text, HTML and all. Where it opened is remembered,
        # not looked for: a later line like "```python" inside it is not where it opened.
        masked_lines = [span for span in masked_lines if span[0] < fence_start]
    for start, end in masked_lines:
        chars[start:end] = " " * (end - start)
    unmasked = "".join(chars)
    for match in _CODE_SPAN.finditer(unmasked):
        start, end = match.span()
        chars[start:end] = [" " if char != "\n" else "\n" for char in match.group()]
    return "".join(chars)
