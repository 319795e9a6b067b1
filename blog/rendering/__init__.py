"""Markdown to HTML: the one renderer for posts, summaries, blurbs and readers' comments.

This package is the only code that imports `markdown` and `pygments`. It
imports no models: its output is a pure function of its input, made once when
the author (or commenter) saves, never on a request. posts.py renders posts,
comments.py the commenters' subset, highlight.py the code fences (Pygments),
guard.py the limits that keep a hostile text from holding a worker. The names
below are the ones callers, and migrations, import from `blog.rendering`.
"""

from blog.rendering.comments import COMMENT_LINK_REL, comment_link_target, render_comment
from blog.rendering.guard import MAX_NESTING, MAX_OPENERS_PER_BLOCK, MAX_SOURCE_CHARS
from blog.rendering.highlight import PYGMENTS_CSS_CLASS, highlight_code, pygments_css
from blog.rendering.posts import ImageSource, Rendered, render

__all__ = [
    "COMMENT_LINK_REL",
    "MAX_NESTING",
    "MAX_OPENERS_PER_BLOCK",
    "MAX_SOURCE_CHARS",
    "PYGMENTS_CSS_CLASS",
    "ImageSource",
    "Rendered",
    "comment_link_target",
    "highlight_code",
    "pygments_css",
    "render",
    "render_comment",
]
