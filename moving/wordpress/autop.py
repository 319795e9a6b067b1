"""WordPress's wpautop(): how a classic-editor post's line breaks and blank lines became <br /> and <p>.

A port of wp-includes/formatting.php's wpautop() with $br = true, step for
step, so an imported post has the paragraphs and line breaks its readers
saw. <pre> is left as it is, as WordPress does. The block editor's content
already has its <p> and is never passed through it (nor is it in WordPress).
"""

import re

ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|"
    r"blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|"
    r"figure|figcaption|details|menu|summary)"
)
# PHP's \s is ASCII whitespace: a no-break space (U+00A0) is text, not a line's end.
_A = re.ASCII
_HTML_PART = re.compile(r"(<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[^>]*>?)", re.DOTALL)
_NEWLINE_KEEPERS = re.compile(r"<(script|style|svg|math).*?</\1>", re.DOTALL)


def _sub(pattern, replacement, text, flags=0):
    return re.sub(pattern, replacement, text, flags=flags | _A)


def _newlines_in_tags(text):
    """Newlines inside tags and comments (an attribute over two lines) as placeholders, as wp_replace_in_html_tags."""
    parts = _HTML_PART.split(text)
    for index in range(1, len(parts), 2):
        parts[index] = parts[index].replace("\n", " <!-- wpnl --> ")
    return "".join(parts)


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
        text = _sub(r"\s*<option", "<option", text)
        text = _sub(r"</option>\s*", "</option>", text)
    if "</object>" in text:
        text = _sub(r"(<object[^>]*>)\s*", r"\1", text)
        text = _sub(r"\s*</object>", "</object>", text)
        text = _sub(r"\s*(</?(?:param|embed)[^>]*>)\s*", r"\1", text)
    if "<source" in text or "<track" in text:
        text = _sub(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*", r"\1", text)
        text = _sub(r"\s*([<\[]/(?:audio|video)[>\]])", r"\1", text)
        text = _sub(r"\s*(<(?:source|track)[^>]*>)\s*", r"\1", text)
    if "<figcaption" in text:
        text = _sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
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
    text = _NEWLINE_KEEPERS.sub(lambda match: match.group().replace("\n", "<WPPreserveNewline />"), text)
    text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
    text = _sub(r"(?<!<br />)\s*\n", "<br />\n", text)
    text = text.replace("<WPPreserveNewline />", "\n")
    text = _sub(rf"(</?{ALLBLOCKS}[^>]*>)\s*<br />", r"\1", text)
    text = _sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = _sub(r"\n</p>$", "</p>", text)
    for name, original in pre_tags.items():
        text = text.replace(name, original)
    if "<!-- wpnl -->" in text:
        text = text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")
    return text
