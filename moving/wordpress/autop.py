"""WordPress's wpautop(): how a classic-editor post's line breaks and blank lines became <br /> and <p>.

A port of wp-includes/formatting.php's wpautop() with $br = true, step for
step, so an imported post has the paragraphs and line breaks its readers
saw. <pre> is left as it is, as WordPress does. The block editor's content
already has its <p> and is never passed through it (nor is it in WordPress).
"""

import re

from moving.wordpress import shortcodes

ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|"
    r"blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|"
    r"figure|figcaption|details|menu|summary)"
)
# PHP's \s is ASCII whitespace: a no-break space (U+00A0) is text, not a line's end.
_A = re.ASCII
# Where a run of whitespace starts. "\s*<x" tried at every space of a long run that no <x follows took
# seconds (a quadratic search); a match can only start where the run does, so the others are skipped.
_RUN = r"(?<!\s)"
_WHITESPACE = re.compile(r"\s+", _A)
# Elements whose newlines stay newlines: <script ...> to the next </script>, read in one pass.
_NEWLINE_KEEPERS = re.compile(r"<(/?)(script|style|svg|math)([^>]*)>")
_PRE_PLACEHOLDER = re.compile(r"<pre wp-pre-tag-\d+></pre>")


def _sub(pattern, replacement, text, flags=0):
    return re.sub(pattern, replacement, text, flags=flags | _A)


def _newlines_in_tags(text):
    """Newlines inside tags and comments (an attribute over two lines) as placeholders, as wp_replace_in_html_tags.

    WordPress's wp_html_split(): a comment or CDATA section runs to its end or
    the end of the text, a tag to the next ">". Read in one pass.
    """
    parts, position = [], 0
    comments_end = cdata_end = True
    while (start := text.find("<", position)) >= 0:
        parts.append(text[position:start])
        end = -1
        for opening, closing, more in (("<!--", "-->", comments_end), ("<![CDATA[", "]]>", cdata_end)):
            if text.startswith(opening, start):
                end = text.find(closing, start + len(opening)) if more else -1
                end = len(text) if end < 0 else end + len(closing)
                # None closes later either: the next one runs to the end without a search.
                comments_end = comments_end and not (opening == "<!--" and end == len(text))
                cdata_end = cdata_end and not (opening == "<![CDATA[" and end == len(text))
        if end < 0:
            end = text.find(">", start + 1)
            end = len(text) if end < 0 else end + 1
        parts.append(text[start:end].replace("\n", " <!-- wpnl --> "))
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _line_breaks(text):
    """WordPress's preg_replace('|(?<!<br />)\\s*\\n|', "<br />\\n"), one run of whitespace at a time.

    The pattern tried at each space of a long run took seconds; its match
    starts where the run does (one later after a <br />) and ends at the
    run's last newline.
    """
    parts, position = [], 0
    for run in _WHITESPACE.finditer(text):
        last = run.group().rfind("\n")
        if last < 0:
            continue
        start = run.start() + text.endswith("<br />", 0, run.start())
        end = run.start() + last + 1
        if start < end:
            parts += [text[position:start], "<br />\n"]
            position = end
    parts.append(text[position:])
    return "".join(parts)


def _keep_newlines(element):
    return element.source.replace("\n", "<WPPreserveNewline />")


def autop(text: str) -> str:
    """text with its blank lines as paragraphs and its single line breaks as <br />, as WordPress showed it."""
    if not text.strip():
        return ""
    pre_tags = {}
    text += "\n"
    if "<pre" in text:
        parts = text.split("</pre>")
        last = parts.pop()
        text = ""
        for number, part in enumerate(parts):
            start = part.find("<pre")
            if start == -1:
                text += part
                continue
            name = f"<pre wp-pre-tag-{number}></pre>"
            pre_tags[name] = part[start:] + "</pre>"
            text += part[:start] + name
        text += last
    text = _sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = _sub(rf"(<{ALLBLOCKS}[\s/>])", r"\n\n\1", text)
    text = _sub(rf"(</{ALLBLOCKS}>)", r"\1\n\n", text)
    text = _sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _newlines_in_tags(text)
    if "<option" in text:
        text = _sub(rf"{_RUN}\s*<option", "<option", text)
        text = _sub(r"</option>\s*", "</option>", text)
    if "</object>" in text:
        text = _sub(r"(<object[^>]*>)\s*", r"\1", text)
        text = _sub(rf"{_RUN}\s*</object>", "</object>", text)
        text = _sub(rf"{_RUN}\s*(</?(?:param|embed)[^>]*>)\s*", r"\1", text)
    if "<source" in text or "<track" in text:
        text = _sub(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*", r"\1", text)
        text = _sub(rf"{_RUN}\s*([<\[]/(?:audio|video)[>\]])", r"\1", text)
        text = _sub(rf"{_RUN}\s*(<(?:source|track)[^>]*>)\s*", r"\1", text)
    if "<figcaption" in text:
        text = _sub(rf"{_RUN}\s*(<figcaption[^>]*>)", r"\1", text)
        text = _sub(r"</figcaption>\s*", "</figcaption>", text)
    text = _sub(r"\n\n+", "\n\n", text)
    paragraphs = [paragraph for paragraph in re.split(r"\n\s*\n", text, flags=_A) if paragraph]
    text = "".join(f"<p>{paragraph.strip(chr(10))}</p>\n" for paragraph in paragraphs)
    text = _sub(r"<p>\s*</p>", "", text)
    text = _sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = _sub(rf"<p>\s*(</?{ALLBLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = _sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = _sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _sub(rf"<p>\s*(</?{ALLBLOCKS}[^>]*>)", r"\1", text)
    text = _sub(rf"(</?{ALLBLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = shortcodes.replace_tags(text, _NEWLINE_KEEPERS, _keep_newlines, closed=True)
    text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
    text = _line_breaks(text)
    text = text.replace("<WPPreserveNewline />", "\n")
    text = _sub(rf"(</?{ALLBLOCKS}[^>]*>)\s*<br />", r"\1", text)
    text = _sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = _sub(r"\n</p>$", "</p>", text)
    # One pass: a replace() per <pre> took seconds on a post of thousands.
    text = _PRE_PLACEHOLDER.sub(lambda match: pre_tags.get(match.group(), match.group()), text)
    if "<!-- wpnl -->" in text:
        text = text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")
    return text
