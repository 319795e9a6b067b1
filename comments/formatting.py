"""A commenter's plain text as HTML: the one place it is escaped and linked.

Run when a comment is saved, like the Markdown renderer for posts, so pages
and feeds serve the stored result.
"""

import re

from django.utils.html import urlize

_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)


def comment_html(text: str) -> str:
    """Escaped text, links clickable with rel="nofollow ugc", paragraphs and line breaks kept."""
    html = urlize(text.replace("\r\n", "\n").replace("\r", "\n").strip(), nofollow=True, autoescape=True)
    html = html.replace('rel="nofollow"', 'rel="nofollow ugc"')
    paragraphs = (part.replace("\n", "<br>") for part in _PARAGRAPH_BREAK.split(html))
    return "".join(f"<p>{part}</p>" for part in paragraphs if part)


def safe_website(url: str) -> str:
    """The commenter's website only if it is http(s); anything else is dropped."""
    return url if url and _WEB_ADDRESS.match(url) else ""
