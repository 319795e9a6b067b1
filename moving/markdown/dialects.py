"""Other engines' post files (Jekyll, Octopress, Hugo) read into E-Scribe's PostFile.

Their front matter is YAML between '---' lines or TOML between '+++' lines;
their bodies are Markdown with code blocks of their own. Read leniently,
into the same PostFile, with notes on what was ignored or left as text.
"""

import re
import tomllib
from contextlib import suppress
from datetime import date, datetime, time
from pathlib import Path

from django.utils.text import slugify

from blog.frontmatter import FrontMatterError, PostFile, loads, read_flag
from moving.markdown.code_blocks import convert_code_blocks

_TOML_FRONT_MATTER_RE = re.compile(r"\+\+\+[ \t]*\n(?P<toml>(?:.*?\n)??)\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
# Jekyll's and Octopress's _posts/YYYY-MM-DD-slug.md(own)
_DATED_NAME_RE = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>.+)")
# Dates as Jekyll writes them ("2013-01-05 10:00:00 -0500"); ISO 8601 forms go through fromisoformat().
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S.%f %z")
_OTHER_FIELDS = {
    "title": ("title",),
    "slug": ("slug", "url", "permalink"),
    "date": ("date", "publishDate"),
    "updated": ("lastmod", "last_modified_at", "updated", "modified"),
    "tags": ("tags", "categories", "category"),
    "summary": ("summary", "excerpt", "description"),
    "draft": ("draft", "published"),
    "comments": ("comments",),
}
# aliases: the old addresses moving/markdown/permalinks.py keeps.
_READ_FIELDS = {key for keys in _OTHER_FIELDS.values() for key in keys} | {"aliases"}


def loads_any(text: str, name: str = "<string>") -> tuple[dict, str]:
    """Front matter (YAML '---' or TOML '+++') and body of another engine's post file; errors name `name`."""
    if not text.startswith("+++"):
        return loads(text, name)
    match = _TOML_FRONT_MATTER_RE.match(text)
    if match is None:
        raise FrontMatterError(f"{name}: the TOML front matter opened by '+++' is never closed by a '+++' line.")
    try:
        meta = tomllib.loads(match["toml"])
    except tomllib.TOMLDecodeError as error:
        raise FrontMatterError(f"{name}: not valid TOML: {error}") from error
    return meta, text[match.end() :].removeprefix("\n")


def read_other_engine(path, default_tz) -> tuple[PostFile, list[str], dict]:
    """A Jekyll, Octopress or Hugo post file as a PostFile, notes on what was ignored or left as text, the front matter.

    What the front matter leaves out comes from the path as those engines
    take it: the date and slug from Jekyll's YYYY-MM-DD-slug.md, the slug from
    Hugo's slug.md or slug/index.md, draft status from Jekyll's _drafts/.
    Dates without an offset are in `default_tz`. Errors name the file.
    """
    path = Path(path)
    name = str(path)
    # Files from Windows editors; the house format has one kind of line ending.
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    meta, body = loads_any(text, name)
    stem = path.parent.name if path.stem in ("index", "_index") else path.stem
    dated = _DATED_NAME_RE.fullmatch(stem)
    in_drafts = "_drafts" in path.parts
    notes = []
    ignored = sorted(set(meta) - _READ_FIELDS)
    if ignored:
        notes.append(f"{name}: ignored front matter: {', '.join(ignored)}.")

    title = _first(meta, "title")
    if isinstance(title, (int, float)) and not isinstance(title, bool):
        title = str(title)  # `title: 1984` unquoted
    if not isinstance(title, str) or not title.strip():
        raise FrontMatterError(f'{name}: needs a title (title: "..." in the front matter), not {title!r}.')

    moment = _first(meta, "date")
    if moment is None and dated:
        moment = dated["date"]
    if moment is None and in_drafts:
        # Jekyll dates a draft by the file's modification time.
        moment = datetime.fromtimestamp(path.stat().st_mtime, tz=default_tz).replace(microsecond=0)
    if moment is None:
        raise FrontMatterError(f"{name}: no date (neither 'date' in the front matter nor a YYYY-MM-DD- file name).")
    updated = _first(meta, "updated")

    # Notes count lines as the file does, front matter included.
    body, code_notes = convert_code_blocks(body, first_line=text[: len(text) - len(body)].count("\n") + 1)
    notes += [f"{name}: {note}" for note in code_notes]
    return (
        PostFile(
            title=title,
            slug=_other_slug(meta, dated["slug"] if dated else stem, name),
            date=_other_moment(moment, "date", name, default_tz),
            updated=None if updated is None else _other_moment(updated, "updated", name, default_tz),
            tags=_other_tags(meta, name),
            summary=_other_text(meta, "summary", name),
            draft=in_drafts or _other_draft(meta, name),
            comments=read_flag({"comments": meta.get("comments", True)}, "comments", name, default=True),
            body=body,
        ),
        notes,
        meta,
    )


def _first(meta, field_name):
    """The value of the first of the engines' names for `field_name` that the front matter has."""
    for key in _OTHER_FIELDS[field_name]:
        if meta.get(key) is not None:
            return meta[key]
    return None


def _other_moment(value, key, name, default_tz):
    moment = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        with suppress(ValueError):
            moment = datetime.fromisoformat(text)
        for date_format in _DATE_FORMATS:
            if moment is None:
                with suppress(ValueError):
                    moment = datetime.strptime(text, date_format)
    if moment is None:
        raise FrontMatterError(
            f"{name}: {key!r} is not a date that can be read: {value!r} "
            f"(write it like 2024-05-01, 2024-05-01 09:30:00 +0200 or 2024-05-01T09:30:00+02:00)."
        )
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment


def _other_slug(meta, from_path, name):
    value = meta.get("slug")
    if value is None:
        # Hugo's url and Jekyll's permalink: the address's last part is the post's own.
        for key in ("url", "permalink"):
            address = meta.get(key)
            if isinstance(address, str):
                parts = [part for part in address.split("/") if part and not part.startswith(":")]
                if parts:
                    value = parts[-1].removesuffix(".html")
                    break
    if value is None:
        value = from_path
    slug = slugify(str(value))[:200].strip("-")
    if not slug:
        raise FrontMatterError(f"{name}: no slug can be made from {value!r}; give the post a 'slug'.")
    return slug


def _other_tags(meta, name):
    names = []
    for key in _OTHER_FIELDS["tags"]:
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            # Jekyll reads a string of tags or categories as names separated by spaces.
            value = value.split()
        if not isinstance(value, list) or not all(isinstance(item, (str, int, float)) for item in value):
            raise FrontMatterError(f"{name}: {key!r} must be a list of names, not {value!r}.")
        names += [str(item).strip() for item in value if str(item).strip()]
    unique = {}
    for tag in names:
        unique.setdefault(tag.casefold(), tag)  # the admin's rule: python is Python
    return list(unique.values())


def _other_text(meta, field_name, name):
    value = _first(meta, field_name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FrontMatterError(f"{name}: {field_name!r} must be text, not {value!r}.")
    return value


def _other_draft(meta, name):
    draft = read_flag(meta, "draft", name, default=False)
    published = read_flag(meta, "published", name, default=True)
    return draft or not published
