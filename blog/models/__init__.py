"""The blog's models, one module per concern; every name is importable from `blog.models`.

documents.py holds what posts, pages and blurbs share (a Markdown body rendered
on save, the draft/published Status); posts.py, tags.py, archive.py (the
per-month counts), blurbs.py, pages.py, redirects.py, search.py (the index's
rows), uploads.py and autosave.py the rest.
"""

# Not sorted: Django lists models in the order they are defined (a restore's preview, dumpdata), and this
# is the order they had in one models.py.
# isort: off
from blog.models.documents import MarkdownDocument, Status
from blog.models.posts import POST_YEARS, Post, PostQuerySet
from blog.models.tags import (
    SLUG_MAX,
    PostTag,
    Tag,
    TagQuerySet,
    scheduled_posts_per_tag,
    parse_tag_names,
    tag_slug,
    unique_tag_slug,
)
from blog.models.archive import ArchiveMonth, ArchiveMonthQuerySet, month_bounds, month_of
from blog.models.blurbs import Blurb, BlurbQuerySet
from blog.models.pages import RESERVED_PAGE_SLUGS, Page, PageQuerySet
from blog.models.redirects import Redirect, RedirectQuerySet
from blog.models.search import SearchEntry
from blog.models.uploads import Upload, UploadQuerySet
from blog.models.autosave import AUTOSAVE_MAX_CHARS, AUTOSAVED_FIELDS, Autosave, AutosaveQuerySet
# isort: on

__all__ = [
    "AUTOSAVE_MAX_CHARS",
    "AUTOSAVED_FIELDS",
    "POST_YEARS",
    "RESERVED_PAGE_SLUGS",
    "SLUG_MAX",
    "ArchiveMonth",
    "ArchiveMonthQuerySet",
    "Autosave",
    "AutosaveQuerySet",
    "Blurb",
    "BlurbQuerySet",
    "MarkdownDocument",
    "Page",
    "PageQuerySet",
    "Post",
    "PostQuerySet",
    "PostTag",
    "Redirect",
    "RedirectQuerySet",
    "SearchEntry",
    "Status",
    "Tag",
    "TagQuerySet",
    "Upload",
    "UploadQuerySet",
    "month_bounds",
    "month_of",
    "scheduled_posts_per_tag",
    "parse_tag_names",
    "tag_slug",
    "unique_tag_slug",
]
