"""WordPress's post HTML and shortcodes as the engine's source; comments' little HTML as plain text."""

import html
import re

from django.utils.html import strip_tags

from moving.fences import fence_for

BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->[ \t]*\n?", re.DOTALL)
CODE_SHORTCODE = re.compile(r"\[(code|sourcecode)\b([^\]]*)\](.*?)\[/\1\]", re.DOTALL | re.IGNORECASE)
CAPTION_SHORTCODE = re.compile(r"\[caption\b([^\]]*)\](.*?)\[/caption\]", re.DOTALL | re.IGNORECASE)
ATTRIBUTE = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
CAPTIONED_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.DOTALL | re.IGNORECASE)
LANGUAGE = re.compile(r"^[\w#+.-]+$")
FILENAME = re.compile(r"^[^`\n]+$")
CSS_CLASS = re.compile(r"^[\w-]+$")
OTHER_SHORTCODES = re.compile(r"\[(gallery|embed|audio|video|playlist|youtube)\b", re.IGNORECASE)
EXTRA_BLANK_LINES = re.compile(r"\n{3,}")


def convert(content):
    """(source, notes): a WordPress post's HTML as the engine's source, and what could not be converted.

    HTML stays HTML (the Markdown renderer passes it through, <pre> included);
    block-editor comments go; [code] and [sourcecode] become fences with
    their language and title, [caption] a <figure>.
    """
    text = BLOCK_COMMENT.sub("", content.replace("\r\n", "\n"))
    text = CODE_SHORTCODE.sub(_fence, text)
    text = CAPTION_SHORTCODE.sub(_figure, text)
    notes = sorted({f"[{name.lower()}] shortcode left as text" for name in OTHER_SHORTCODES.findall(text)})
    return EXTRA_BLANK_LINES.sub("\n\n", text).strip() + "\n", notes


def _attributes(text):
    return {name.lower(): next(v for v in values if v is not None) for name, *values in ATTRIBUTE.findall(text)}


def _fence(match):
    attributes = _attributes(match.group(2))
    language = attributes.get("language") or attributes.get("lang") or ""
    title = " ".join(attributes.get("title", "").split())
    # The classic editor stores the code's < and & as entities; in a fence they would show as written.
    code = html.unescape(match.group(3)).strip("\n")
    fence = fence_for(code)
    opening = fence + (language if LANGUAGE.match(language) else "")
    if title and FILENAME.match(title) and LANGUAGE.match(language):
        opening += f" {title}"
    return f"\n\n{opening}\n{code}\n{fence}\n\n"


def _figure(match):
    attributes = _attributes(match.group(1))
    image = CAPTIONED_IMAGE.match(match.group(2))
    if image is None:
        return match.group(2)
    caption = image.group(2).strip() or html.escape(attributes.get("caption", ""))
    align = attributes.get("align", "")
    classes = "wp-caption" + (f" {align}" if CSS_CLASS.match(align) else "")
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'\n\n<figure class="{classes}">{image.group(1).strip()}{figcaption}</figure>\n\n'


def comment_text(content):
    """A WordPress comment (a little HTML) as the plain text the engine keeps: tags go, entities are read."""
    return html.unescape(strip_tags(content.replace("\r\n", "\n"))).strip()
