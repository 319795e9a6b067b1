"""WordPress's embeds as what a reader can use here without another site's scripts: links, players, galleries.

An oEmbed address on a line of its own, the block editor's embed blocks and
the [embed], [youtube], [wpvideo], [video], [audio] and [gallery]
shortcodes. Each function returns (text, notes), one note per embed, for
the import's report; the HTML it makes is final (the caller keeps it out of
wpautop).
"""

import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from moving.imported_html import embed_link, link_label, page_url, provider, web_address
from moving.wordpress import shortcodes


@dataclass(frozen=True)
class Attachment:
    """An imported WordPress attachment, as a gallery shows it: its address here, alt text and caption."""

    url: str
    alt: str = ""
    caption: str = ""
    parent: int = 0  # the post it was attached to: a [gallery] without ids shows its post's


# A block's comment: <!-- wp:embed {"url": ...} --> or <!-- /wp:core-embed/youtube -->; its settings hold no ">".
EMBED_BLOCK = re.compile(r"<!--\s*(/?)wp:((?:core-)?embed(?:/[\w-]+)?)\s*(\{[^>]*?\})?\s*/?-->")
FIGCAPTION = re.compile(r"<figcaption[^>]*>(.*?)</figcaption>", re.DOTALL | re.IGNORECASE)
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+")
# WordPress's autoembed(): an address alone on its line, or alone in a paragraph.
URL_LINE = re.compile(r"^([ \t]*)(https?://[^\s<>\"]+)[ \t]*$|(<p(?: [^>]*)?>\s*)(https?://[^\s<>\"]+)(\s*</p>)", re.M)
SHORTCODES = "embed|youtube|wpvideo|video|audio|gallery"
VIDEO_FORMATS = ("src", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mov")
AUDIO_FORMATS = ("src", "mp3", "ogg", "oga", "wav", "m4a", "wma", "flac")
VIDEOPRESS_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
YOUTUBE_ID = re.compile(r"^[\w-]{6,20}$")


def _link_block(url, notes, title="", kind="", caption=""):
    # Read from HTML: an address's & is written &amp; there.
    url = page_url(html.unescape(url))
    kind = kind or link_label(url)
    name = provider(url)[0] if provider(url) else "" if kind == "Embedded content" else kind
    notes.append(f"{name} embed turned into a link: {url}".lstrip())
    link = embed_link(url, title, kind)
    if caption:
        return f'<figure class="embed">{link}<figcaption>{caption}</figcaption></figure>'
    return f'<p class="embed">{link}</p>'


def embed_blocks(text: str, hold: Callable[[str], str]) -> tuple[str, list[str]]:
    """The block editor's embed blocks (<!-- wp:embed {"url": ...} --> around a figure) as links."""
    notes = []

    def replace(block):
        if block.content is None:
            return block.source
        try:
            settings = json.loads(block.attrs or "{}")
        except (ValueError, RecursionError):
            settings = {}
        if not isinstance(settings, dict):
            settings = {}
        url = settings.get("url")
        url = web_address(url if isinstance(url, str) else "") or next(iter(URL_IN_TEXT.findall(block.content)), "")
        if not web_address(url):
            notes.append("embed block without an address left out")
            return ""
        caption = FIGCAPTION.search(block.content)
        kind = "" if provider(url) or settings.get("type") != "video" else "Video"
        return hold(_link_block(url, notes, kind=kind, caption=caption.group(1).strip() if caption else ""))

    return shortcodes.replace_tags(text, EMBED_BLOCK, replace, closed=True), notes


def embeds(
    text: str, hold: Callable[[str], str], attachments: Mapping | None = None, old_url: str = "", post_id: int = 0
):
    """(text, notes): shortcodes and oEmbed addresses on their own lines as links, players and galleries.

    attachments maps WordPress attachment ids to Attachment: a [gallery]
    shows those it finds; without them it is a note with a link to the old
    post (old_url); one without ids shows, as WordPress did, the images
    attached to its post (post_id). <pre> is left as it is.
    """
    notes = []
    parts = shortcodes.split_pre(text)
    for index in range(0, len(parts), 2):
        part = shortcodes.replace(
            parts[index],
            SHORTCODES,
            lambda code: _shortcode(code, hold, attachments, old_url, notes, post_id),
            closed=False,
        )
        parts[index] = URL_LINE.sub(lambda match: _url_line(match, hold, notes), part)
    return "".join(parts), notes


def _url_line(match, hold, notes):
    url = match.group(2) or match.group(4)
    if provider(url) is None:
        return match.group()
    return hold(_link_block(url, notes))


def _shortcode(code, hold, attachments, old_url, notes, post_id):
    name = code.name
    attributes = shortcodes.attributes(code.attrs)
    content = (code.content or "").strip()
    if name == "gallery":
        return hold(_gallery(attributes, attachments, old_url, notes, post_id))
    if name == "wpvideo":
        video_id = attributes.get("", "")
        if not VIDEOPRESS_ID.match(video_id):
            return code.source
        return hold(_link_block(f"https://videopress.com/v/{video_id}", notes, kind="VideoPress video"))
    if name in ("video", "audio"):
        formats = VIDEO_FORMATS if name == "video" else AUDIO_FORMATS
        url = next((attributes[key] for key in formats if attributes.get(key)), "") or attributes.get("") or content
        url = html.unescape(url)
        return hold(_media(name, url, notes)) if web_address(url) or url.startswith("/") else code.source
    url = content or attributes.get("", "") or attributes.get("url", "")
    if name == "youtube" and YOUTUBE_ID.match(url):
        url = f"https://www.youtube.com/watch?v={url}"
    if name == "youtube":
        # Jetpack's [youtube=URL&w=640&h=385]: the player's size is not part of the video's address.
        url = re.sub(r"&(?:amp;)?(?:w|h|fs|hd|rel|showinfo)=[^&]*", "", url)
    if not web_address(url):
        return code.source
    return hold(_link_block(url, notes, kind="YouTube video" if name == "youtube" else ""))


def _media(kind, url, notes):
    """[video]/[audio]: a player when the file is on this site (the CSP's media-src is 'self'), else a link."""
    label = f"{kind.capitalize()}: {html.escape(PurePosixPath(urlsplit(url).path).name or url)}"
    if url.startswith("/") and not url.startswith("//"):
        notes.append(f"[{kind}] turned into a <{kind}> player: {url}")
        player = f'<{kind} controls preload="metadata" src="{html.escape(url)}"></{kind}>'
        return f'<figure class="{kind}">{player}<a href="{html.escape(url)}">{label}</a></figure>'
    notes.append(f"[{kind}] turned into a link (another site's {kind} cannot play here): {url}")
    return f'<p class="{kind}"><a href="{html.escape(url)}">{label}</a></p>'


def _gallery(attributes, attachments, old_url, notes, post_id):
    ids = [int(part) for part in re.findall(r"\d{1,19}", attributes.get("ids", "") or attributes.get("include", ""))]
    if not ids and post_id and attachments:
        ids = sorted(number for number, attachment in attachments.items() if attachment.parent == post_id)
    found = [(number, attachments[number]) for number in ids if attachments and number in attachments]
    missing = [number for number in ids if not attachments or number not in attachments]
    if found:
        items = "".join(_gallery_item(attachment) for _number, attachment in found)
        notes.append(f"[gallery] of {len(found)} image{'s' if len(found) > 1 else ''} turned into a list")
        if missing:
            notes.append(f"[gallery]: not imported, so left out: attachment {', '.join(map(str, missing))}")
        return f'<ul class="gallery">{items}</ul>'
    which = f" (WordPress attachments {', '.join(map(str, ids))})" if ids else ""
    link = f' <a href="{html.escape(old_url)}">See it on the old blog.</a>' if web_address(old_url) else ""
    notes.append(f"[gallery]{which} left as a note: its images were not imported")
    return f'<p class="gallery-note">A gallery of images was here{which}; its images were not imported.{link}</p>'


def _gallery_item(attachment):
    url = html.escape(attachment.url)
    # The image is the link's only content: without alt text the link would have no name.
    alt = attachment.alt or attachment.caption or PurePosixPath(urlsplit(attachment.url).path).name
    caption = f"<figcaption>{html.escape(attachment.caption)}</figcaption>" if attachment.caption else ""
    return f'<li><figure><a href="{url}"><img src="{url}" alt="{html.escape(alt)}"></a>{caption}</figure></li>'
