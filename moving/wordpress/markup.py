"""WordPress's post HTML and shortcodes as the engine's source; comments' little HTML as plain text."""

import html
import re
from collections import Counter

from django.utils.html import strip_tags

from moving.fences import fence_for
from moving.imported_html import neutralise
from moving.wordpress import embeds, shortcodes
from moving.wordpress.autop import autop

BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->[ \t]*\n?", re.DOTALL)
CAPTIONED_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.DOTALL | re.IGNORECASE)
LANGUAGE = re.compile(r"^[\w#+.-]+$")
FILENAME = re.compile(r"^[^`\n]+$")
CSS_CLASS = re.compile(r"^[\w-]+$")
# Shortcodes embeds.py could not turn into anything (a [video] without an address, say).
OTHER_SHORTCODES = re.compile(r"\[(gallery|embed|audio|video|playlist|youtube|wpvideo)\b", re.IGNORECASE)
EXTRA_BLANK_LINES = re.compile(r"\n{3,}")
# What a comment's Markdown would take for an escape, emphasis, code or a link; and web addresses, kept as they are.
MARKDOWN_ACTIVE = re.compile(r"[\\*_`\[]")
WEB_ADDRESS = re.compile(r"((?:https?://|www\.)\S+)", re.IGNORECASE)
HELD = re.compile(r"(?:<p>)?<pre wp-escribe-held-(\d+)></pre>(?:</p>)?")


def convert(content, attachments=None, old_url="", post_id=0):
    """(source, notes): a WordPress post's HTML as the engine's source, and what was changed or not converted.

    The source reads as WordPress showed it: HTML stays HTML (the Markdown
    renderer passes HTML blocks through, so backslashes, * and _ are
    kept), a classic-editor post gets wpautop's paragraphs and <br />
    (block-editor posts have theirs), block-editor comments go, [code] and
    [sourcecode] become fences with their language and title, [caption] a
    <figure>, embeds links or players (moving/wordpress/embeds.py: a
    [gallery] shows the images of `attachments`, a mapping of attachment id
    to embeds.Attachment, or those attached to post_id when it names none,
    else a note linking to old_url), and what cannot
    work under the site's CSP is dropped (moving/imported_html.py).
    """
    held = []

    def hold(block):
        # Kept out of wpautop, which leaves a <pre> as it is, and put back after it.
        held.append(block)
        return f"\n\n<pre wp-escribe-held-{len(held) - 1}></pre>\n\n"

    text = content.replace("\r\n", "\n").replace("\r", "\n")
    block_editor = "<!-- wp:" in text
    text, notes = embeds.embed_blocks(text, hold)
    text = BLOCK_COMMENT.sub("", text)
    text = shortcodes.replace(text, "code|sourcecode", lambda code: hold(_fence(code)), closed=True)
    text = shortcodes.replace(text, "caption", lambda code: _figure(code, hold), closed=True)
    text, embed_notes = embeds.embeds(text, hold, attachments, old_url, post_id)
    notes += embed_notes
    outside_pre = "".join(shortcodes.split_pre(text)[::2])
    notes += sorted({f"[{name.lower()}] shortcode left as text" for name in OTHER_SHORTCODES.findall(outside_pre)})
    if not block_editor:
        text = autop(text)
    text = HELD.sub(lambda match: f"\n\n{held[int(match.group(1))]}\n\n", text)
    text, html_notes = neutralise(EXTRA_BLANK_LINES.sub("\n\n", text).strip() + "\n")
    # One line per kind of change: a page of eleven galleries is one note.
    counted = Counter(notes + html_notes)
    notes = [note if count == 1 else f"{note} ({count} times)" for note, count in counted.items()]
    return EXTRA_BLANK_LINES.sub("\n\n", text), notes


def _fence(shortcode):
    attributes = shortcodes.attributes(shortcode.attrs)
    language = attributes.get("language") or attributes.get("lang") or ""
    title = " ".join(attributes.get("title", "").split())
    # The classic editor stores the code's < and & as entities; in a fence they would show as written.
    code = html.unescape(shortcode.content).strip("\n")
    fence = fence_for(code)
    opening = fence + (language if LANGUAGE.match(language) else "")
    if title and FILENAME.match(title) and LANGUAGE.match(language):
        opening += f" {title}"
    return f"{opening}\n{code}\n{fence}"


def _figure(shortcode, hold):
    attributes = shortcodes.attributes(shortcode.attrs)
    image = CAPTIONED_IMAGE.match(shortcode.content)
    if image is None:
        return shortcode.content
    caption = image.group(2).strip() or html.escape(attributes.get("caption", ""))
    align = attributes.get("align", "")
    classes = "wp-caption" + (f" {align}" if CSS_CLASS.match(align) else "")
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return hold(f'<figure class="{classes}">{image.group(1).strip()}{figcaption}</figure>')


def comment_text(content):
    """A WordPress comment (a little HTML) as the plain text the engine keeps: tags go, entities are read.

    WordPress showed a comment's \\ * _ ` [ as typed; the engine reads a
    comment as a little Markdown, so they are escaped (¯\\_(ツ)_/¯ stays
    whole), except inside web addresses, which the engine links as written.
    """
    text = html.unescape(strip_tags(content.replace("\r\n", "\n"))).strip()
    parts = WEB_ADDRESS.split(text)
    parts[::2] = [MARKDOWN_ACTIVE.sub(r"\\\g<0>", part) for part in parts[::2]]
    return "".join(parts)
