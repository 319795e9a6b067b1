"""Other engines' post files (Jekyll, Octopress, Hugo) read into E-Scribe's PostFile, as those engines read them.

Their front matter is YAML between '---' lines (Jekyll also closes it with
'...'), TOML between '+++' lines or a JSON object (Hugo); a file without any
is still a post, its title and date taken from its name (Jekyll 4 publishes
_posts/2009-06-22-no-yaml.markdown as "No Yaml"). Their bodies are Markdown
with code blocks of their own. Read leniently, into the same PostFile, with
notes on what was ignored or left as text.
"""

import json
import re
import tomllib
from contextlib import suppress
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from django.utils.text import slugify

from blog.frontmatter import FrontMatterError, PostFile, load_yaml, read_flag
from moving import safe_files
from moving.markdown.code_blocks import convert_code_blocks

_TOML_FRONT_MATTER_RE = re.compile(r"\+\+\+[ \t]*\n(?P<toml>(?:.*?\n)??)\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
# Jekyll's YAML_FRONT_MATTER_REGEXP (lib/jekyll/document.rb): closed by a '---' or a '...' line.
_YAML_FRONT_MATTER_RE = re.compile(r"(?P<yaml>---[ \t]*\n(?:.*?\n)??)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
# Jekyll's DATE_FILENAME_MATCHER: _posts/YYYY-M-D-slug.ext, one-digit months and days too.
_DATED_NAME_RE = re.compile(r"(?P<date>\d{4}-\d{1,2}-\d{1,2})-(?P<slug>.+)")
# Dates as Jekyll writes them ("2013-01-05 10:00:00 -0500") and as Ruby's Time.parse reads them;
# ISO 8601 forms go through fromisoformat() first.
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S.%f %z", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y/%m/%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%a, %d %b %Y %H:%M:%S %z",
)  # fmt: skip
# Zone names Ruby's Time.parse knows (Date::Format::ZONES), for "2013-01-05 10:00:00 EST".
_ZONE_OFFSETS = {
    "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
    "PDT": -7, "CET": 1, "CEST": 2, "BST": 1,
}  # fmt: skip
# Front matter names, lower-cased (Hugo reads its keys in any case).
_OTHER_FIELDS = {
    "title": ("title",),
    "slug": ("slug", "url", "permalink"),
    "date": ("date",),
    "publish": ("publishdate", "pubdate"),
    "expiry": ("expirydate", "unpublishdate"),
    "updated": ("lastmod", "last_modified_at", "updated", "modified"),
    "tags": ("categories", "category", "tags", "tag"),
    "summary": ("summary", "excerpt", "description"),
    "draft": ("draft", "published"),
    "comments": ("comments",),
}
# aliases: the old addresses moving/markdown/permalinks.py keeps.
_READ_FIELDS = {key for keys in _OTHER_FIELDS.values() for key in keys} | {"aliases"}


def split_front_matter(text: str, name: str = "<string>") -> tuple[dict | None, str]:
    """Front matter (YAML '---', TOML '+++' or JSON '{') and body; None without front matter; errors name `name`."""
    if text.startswith("+++"):
        match = _TOML_FRONT_MATTER_RE.match(text)
        if match is None:
            raise FrontMatterError(f"{name}: the TOML front matter opened by '+++' is never closed by a '+++' line.")
        try:
            meta = tomllib.loads(match["toml"])
        except tomllib.TOMLDecodeError as error:
            # Its lines count from the first after '+++'; the author counts the file's.
            message = re.sub(r"line (\d+)", lambda found: f"line {int(found[1]) + 1}", str(error))
            raise FrontMatterError(f"{name}: not valid TOML: {message}.") from error
        except RecursionError as error:
            raise FrontMatterError(f"{name}: line 2: the TOML is nested too deeply to be read; refused.") from error
        return meta, text[match.end() :].removeprefix("\n")
    if text.startswith("{"):
        try:
            meta, end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as error:
            raise FrontMatterError(f"{name}: line {error.lineno}: not valid JSON front matter: {error.msg}.") from error
        except RecursionError as error:
            raise FrontMatterError(f"{name}: line 1: the JSON is nested too deeply to be read; refused.") from error
        if not isinstance(meta, dict):
            raise FrontMatterError(f"{name}: the front matter must be a mapping of names to values.")
        return meta, text[end:].removeprefix("\n")
    if not re.match(r"---[ \t]*\n", text):
        return None, text
    match = _YAML_FRONT_MATTER_RE.match(text)
    if match is None:
        raise FrontMatterError(f"{name}: the front matter opened by '---' is never closed by a '---' line.")
    meta = load_yaml(match["yaml"], name)
    if not isinstance(meta, (dict, type(None))):
        raise FrontMatterError(f"{name}: the front matter must be a mapping of names to values.")
    # The blank line most files have after the front matter is not part of the body.
    return meta or {}, text[match.end() :].removeprefix("\n")


def read_other_engine(path, default_tz, root=None) -> tuple[PostFile, list[str], dict]:
    """A Jekyll, Octopress or Hugo post file as a PostFile, notes on what was ignored or left as text, the front matter.

    What the front matter leaves out comes from the path as those engines
    take it: the date, slug and title from Jekyll's YYYY-MM-DD-slug.md, the
    slug from Hugo's slug.md or slug/index.md, categories from the folders
    above _posts, draft status from Jekyll's _drafts/. Dates without an offset
    are in `default_tz`. The file is read inside `root` (the folder imported;
    its parent when None) without following links. Errors name the file.
    """
    path = Path(path)
    root = path.parent if root is None else Path(root)
    name = str(path)
    # Files from Windows editors; the house format has one kind of line ending.
    text = safe_files.read_text(path, root, encoding="utf-8-sig").replace("\r\n", "\n")
    meta, body = split_front_matter(text, name)
    notes = []
    if meta is None:
        notes.append(f"{name}: no front matter; read as Jekyll and Hugo read such a file, a post named by its file.")
        meta = {}
    keys = {str(key).lower(): value for key, value in meta.items()}
    head = text[: len(text) - len(body)]

    def at(*names):
        """The file's name and the line of the first of `names` in its front matter, for a problem with it."""
        for key in names:
            found = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[:=]", head, re.MULTILINE | re.IGNORECASE)
            if found:
                return f"{name}: line {head[: found.start()].count(chr(10)) + 1}"
        return name

    stem = path.parent.name if path.stem in ("index", "_index") else path.stem
    dated = _DATED_NAME_RE.fullmatch(stem)
    # Jekyll's populate_title: the name's slug without trailing periods ("trailing-dots...markdown").
    file_slug = (dated["slug"] if dated else stem).rstrip(".")
    parts = path.relative_to(root).parts
    in_drafts = "_drafts" in parts
    ignored = sorted(str(key) for key in meta if str(key).lower() not in _READ_FIELDS)
    if ignored:
        notes.append(f"{name}: ignored front matter: {', '.join(ignored)}.")

    title = _first(keys, "title")
    if isinstance(title, (int, float, date)) and not isinstance(title, bool):
        title = str(title)  # `title: 1984` unquoted
    if title is None or (isinstance(title, str) and not title.strip()):
        # Jekyll's Utils.titleize_slug: "foo-bar" is "Foo Bar".
        title = " ".join(word.capitalize() for word in file_slug.split("-") if word)
        notes.append(f"{name}: no title; titled {title!r} from the file name, as Jekyll does.")
    if not isinstance(title, str) or not title.strip():
        raise FrontMatterError(f'{at("title")}: needs a title (title: "..." in the front matter), not {title!r}.')

    moment = _first(keys, "date")
    publish = _first(keys, "publish")
    if publish is None and not isinstance(keys.get("published"), (bool, type(None))):
        publish = keys["published"]  # Hugo's alias of publishDate; Jekyll's published is true or false
    if moment is None:
        moment = publish
    if moment is None and dated:
        moment = _date_from_name(dated["date"], name)
    if moment is None and in_drafts:
        # Jekyll dates a draft by the file's modification time.
        moment = datetime.fromtimestamp(path.lstat().st_mtime, tz=default_tz).replace(microsecond=0)
    if moment is None:
        raise FrontMatterError(f"{name}: no date (neither 'date' in the front matter nor a YYYY-MM-DD- file name).")
    published_at = _other_moment(moment, "date", at("date", *_OTHER_FIELDS["publish"], "published"), default_tz)
    draft = in_drafts or _other_draft(keys, at("draft"))
    if publish is not None:
        publish_at = _other_moment(publish, "publishDate", at(*_OTHER_FIELDS["publish"], "published"), default_tz)
        if publish_at > timezone.now() and publish_at > published_at:
            # Hugo keeps it hidden until then: so does a post scheduled for that time here.
            published_at = publish_at
            notes.append(f"{name}: publishDate {publish_at.isoformat()} is to come; scheduled for then.")
    expiry = _first(keys, "expiry")
    if expiry is not None:
        expiry_at = _other_moment(expiry, "expiryDate", at(*_OTHER_FIELDS["expiry"]), default_tz)
        if expiry_at <= timezone.now():
            draft = True
            notes.append(f"{name}: expired on {expiry_at.isoformat()}, so Hugo no longer showed it; a draft here.")
        else:
            notes.append(f"{name}: expires {expiry_at.isoformat()}; posts here do not expire, so it stays published.")
    updated = _first(keys, "updated")

    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        notes.append(f"{name}: an HTML post; its HTML passes through the Markdown renderer (check indented lines).")
    elif suffix not in MARKDOWN_SUFFIXES:
        notes.append(f"{name}: Jekyll published this {path.suffix} file without converting it; read as Markdown.")
    # Notes count lines as the file does, front matter included.
    body, code_notes = convert_code_blocks(body, first_line=text[: len(text) - len(body)].count("\n") + 1)
    notes += [f"{name}: {note}" for note in code_notes]
    # Jekyll's categories_from_path: the folders above _posts (foo/_posts/ gives foo), not those inside it.
    special = next((index for index, part in enumerate(parts) if part in ("_posts", "_drafts")), 0)
    return (
        PostFile(
            title=title,
            slug=_other_slug(keys, file_slug, at(*_OTHER_FIELDS["slug"])),
            date=published_at,
            updated=None
            if updated is None
            else _other_moment(updated, "updated", at(*_OTHER_FIELDS["updated"]), default_tz),
            tags=_other_tags(keys, list(parts[:special]), at),
            summary=_other_text(keys, "summary", at(*_OTHER_FIELDS["summary"])),
            draft=draft,
            comments=read_flag({"comments": keys.get("comments", True)}, "comments", at("comments"), default=True),
            body=body,
        ),
        notes,
        meta,
    )


# Jekyll's markdown_ext (mkdown, mkdn, mkd, md, markdown) and Hugo's (mdown too).
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkdown", ".mkdn", ".mkd", ".mdown")


def _date_from_name(value, name):
    try:
        return date(*(int(number) for number in value.split("-")))
    except ValueError:
        raise FrontMatterError(f"{name}: the file name's date {value} is not a day of the calendar.") from None


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
        text, zone = value.strip(), None
        words = text.rsplit(" ", 1)
        if len(words) == 2 and not words[1][:1].isdigit() and words[1][:1] not in "+-":
            zone = _zone(words[1])
            if zone is not None:
                text = words[0]
        with suppress(ValueError):
            moment = datetime.fromisoformat(text)
        for date_format in _DATE_FORMATS:
            if moment is None:
                with suppress(ValueError):
                    moment = datetime.strptime(text, date_format)
        if moment is not None and zone is not None and moment.utcoffset() is None:
            moment = moment.replace(tzinfo=zone)
    if moment is None:
        raise FrontMatterError(
            f"{name}: {key!r} is not a date that can be read: {value!r} "
            f"(write it like 2024-05-01, 2024-05-01 09:30:00 +0200 or 2024-05-01T09:30:00+02:00)."
        )
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment


def _zone(word):
    """The time zone a date's last word names ("EST", "UTC", "Europe/Berlin"), or None."""
    if word.upper() in _ZONE_OFFSETS:
        return timezone.get_fixed_timezone(_ZONE_OFFSETS[word.upper()] * 60)
    if "/" in word:
        with suppress(ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(word)
    return None


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


def _other_tags(meta, from_path, at):
    """Jekyll's categories (the folders above _posts, then categories and category) and tags, as tags."""
    names = list(from_path)
    for key in _OTHER_FIELDS["tags"]:
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            # Jekyll splits a string of categories or tags at spaces; a single category or tag is one name.
            value = value.split() if key in ("categories", "tags") else [value]
        elif isinstance(value, (int, float)):
            value = [value]  # `category: 2013`
        if not isinstance(value, list) or not all(isinstance(item, (str, int, float, type(None))) for item in value):
            raise FrontMatterError(f"{at(key)}: {key!r} must be a list of names, not {value!r}.")
        names += [str(item).strip() for item in value if item is not None and str(item).strip()]
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
    # Jekyll hides a post only for `published: false`; Hugo's `published` is a date (publishDate).
    return read_flag(meta, "draft", name, default=False) or meta.get("published") is False
