"""WordPress's shortcode and block-comment syntax, read in one pass whatever the text holds.

Regular expressions that look for a shortcode's closing tag from each
opening one take time in the square of the text on a post of openings
that never close ("[code]" 30,000 times); these read each tag once.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_PRE_OPEN = re.compile(r"<pre\b", re.IGNORECASE)
_PRE_CLOSE = re.compile(r"</pre>", re.IGNORECASE)


@dataclass(frozen=True)
class Shortcode:
    name: str  # in lower case
    attrs: str  # as written, between the name and the "]"
    content: str | None  # between the opening and closing tags; None when it has no closing tag
    source: str  # the whole shortcode as written


def attributes(text):
    """A shortcode's attributes by lower-case name; a value with no name ([youtube=URL], [embed URL]) under ""."""
    # findall gives "" for the alternatives that did not match: exactly one of them holds the value.
    found = {name.lower(): "".join(values) for name, *values in ATTRIBUTE.findall(text)}
    bare = text.strip()
    if bare.startswith(("=", "http://", "https://")) or (bare and "=" not in bare.split()[0]):
        found[""] = bare.removeprefix("=").split()[0]
    return found


def replace(text: str, names: str, replacement: Callable[[Shortcode], str], *, closed: bool) -> str:
    """text with each shortcode called one of `names` (a regex alternation) replaced by replacement(shortcode).

    closed=True: [code]...[/code], the content runs to the next closing tag of
    its name; one never closed is left as it is. closed=False: [video ...]
    alone, or [video]...[/video] when its closing tag comes before another
    [video.
    """
    return replace_tags(text, re.compile(rf"\[(/?)({names})\b([^\[\]]*)\]", re.IGNORECASE), replacement, closed=closed)


def replace_tags(text, tag: re.Pattern, replacement, *, closed):
    """replace() for any tag syntax: tag's groups are the closing mark ("/" or ""), the name and the attributes."""
    tags = list(tag.finditer(text))
    # For each tag: the index of the next closing tag, and of the next opening one, of its name.
    next_close, next_open, seen_close, seen_open = [None] * len(tags), [None] * len(tags), {}, {}
    for index in range(len(tags) - 1, -1, -1):
        name = tags[index].group(2).lower()
        next_close[index], next_open[index] = seen_close.get(name), seen_open.get(name)
        (seen_close if tags[index].group(1) else seen_open)[name] = index
    parts, position = [], 0
    for index, found in enumerate(tags):
        if found.group(1) or found.start() < position:
            continue
        closing = next_close[index]
        if closing is not None and not closed and next_open[index] is not None and next_open[index] < closing:
            closing = None
        if closing is None and closed:
            continue
        end = tags[closing].end() if closing is not None else found.end()
        content = text[found.end() : tags[closing].start()] if closing is not None else None
        shortcode = Shortcode(found.group(2).lower(), found.group(3) or "", content, text[found.start() : end])
        parts += [text[position : found.start()], replacement(shortcode)]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def split_pre(text: str) -> list[str]:
    """text as [outside, <pre>...</pre>, outside, ...], like re.split with a group: outside parts at even indexes.

    A <pre> never closed is not one (nor is it to wpautop).
    """
    parts, position = [], 0
    closings = [closing.end() for closing in _PRE_CLOSE.finditer(text)]
    next_closing = 0
    for opening in _PRE_OPEN.finditer(text):
        if opening.start() < position:
            continue
        while next_closing < len(closings) and closings[next_closing] - len("</pre>") < opening.end():
            next_closing += 1
        if next_closing == len(closings):
            break
        parts += [text[position : opening.start()], text[opening.start() : closings[next_closing]]]
        position = closings[next_closing]
    parts.append(text[position:])
    return parts
