"""Posts as Markdown files with YAML front matter: the one module that knows that format.

A post file is what `/post/<slug>.md` serves, what `demo/` holds and what an
import or export reads and writes:

    ---
    title: "Upgrading this blog to Django 5.2"
    date: 2026-11-28T12:00:00+00:00
    tags: ["Python", "Django"]
    slug: upgrading-this-blog-to-django-52
    summary: |
      A boring upgrade, which is the best kind.
    ---

    Every LTS release I block out an evening...

One blank line follows the closing `---`; everything after it is the body,
byte for byte (so a body round-trips exactly). Strings are written as
double-quoted YAML scalars (valid JSON strings for ordinary text) or, when
they span lines, as literal blocks. This is also the only module that
imports `yaml`, and it only ever calls `safe_load`.

It also reads other engines' post files (Jekyll, Octopress, Hugo: YAML or
TOML front matter, their code blocks) into the same PostFile, for
`import_markdown`; see read_other_engine().
"""

import math
import re
import tomllib
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import yaml
from django.template.defaultfilters import pluralize
from django.utils.text import slugify

# The closing delimiter must start a line; an indented `---` inside a literal
# block (a summary quoting a Markdown rule) is part of the YAML.
_FRONT_MATTER_RE = re.compile(r"---[ \t]*\n(?P<yaml>(?:.*?\n)??)---[ \t]*(?:\n|\Z)", re.DOTALL)


class FrontMatterError(ValueError):
    """A file that is not a valid post file; the message starts with the file's name."""


class _Plain(str):
    """A string written plain when YAML reads it back as the same string (keys, slugs)."""


class _Dumper(yaml.SafeDumper):
    """Writes front matter in the house format: quoted strings, literal blocks, ISO dates, flow lists."""


def _represent_str(dumper, text):
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else '"')


def _represent_plain(dumper, text):
    # With no style PyYAML writes plain only if it resolves back to this string
    # (a slug like "2024" or "null" gets quoted).
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(text))


def _represent_datetime(dumper, moment):
    # isoformat() keeps the "T" that /post/<slug>.md has always served; PyYAML's own writes a space.
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", moment.isoformat())


def _represent_list(dumper, items):
    # Tags on one line; a list of records (comments, tags with flags) one record under another.
    flow = not any(isinstance(item, (dict, list)) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Plain, _represent_plain)
_Dumper.add_representer(datetime, _represent_datetime)
_Dumper.add_representer(list, _represent_list)


def dumps(meta: dict, body: str) -> str:
    """A Markdown file: `meta` (in its order) as front matter, a blank line, then `body` unchanged."""
    text = yaml.dump(
        {_Plain(key): value for key, value in meta.items()},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=math.inf,
    )
    # A literal block that keeps trailing blank lines (|+) makes PyYAML end the document with "...".
    text = text.removesuffix("...\n")
    return f"---\n{text}---\n\n{body}"


def dumps_data(data) -> str:
    """A YAML data file (tags, comments, counters beside the posts) in the same house format as front matter."""
    text = yaml.dump(_plain_keys(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=math.inf)
    return text.removesuffix("...\n")


def _plain_keys(data):
    if isinstance(data, dict):
        return {_Plain(key): _plain_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_plain_keys(item) for item in data]
    return data


def loads(text: str, name: str = "<string>") -> tuple[dict, str]:
    """Split a post file into its front matter (a dict) and its body, byte for byte; errors name `name`."""
    match = _FRONT_MATTER_RE.match(text)
    if match is None:
        raise FrontMatterError(
            f"{name}: no front matter (the file must start with a '---' line and close it with one)."
        )
    meta = _safe_load(match["yaml"], name)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontMatterError(f"{name}: the front matter must be a mapping of names to values.")
    body = text[match.end() :]
    # The blank line dumps() writes after the closing '---' is not part of the body.
    return meta, body.removeprefix("\n")


def read(path) -> tuple[dict, str]:
    """Front matter and body of the post file at `path` (UTF-8); errors name the file."""
    path = Path(path)
    return loads(path.read_text(encoding="utf-8"), name=str(path))


def read_yaml(path):
    """The data in a YAML file (tags, comments, counters beside the posts), loaded safely; errors name the file."""
    path = Path(path)
    return _safe_load(path.read_text(encoding="utf-8"), str(path))


def _safe_load(text, name):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FrontMatterError(f"{name}: not valid YAML: {error}") from error


@dataclass
class PostFile:
    """One post as a file: front matter fields and the Markdown body."""

    title: str
    slug: str
    date: datetime
    body: str
    tags: list[str] = field(default_factory=list)
    summary: str = ""
    draft: bool = False
    comments: bool = True
    updated: datetime | None = None

    @classmethod
    def from_post(cls, post):
        """The file of a saved `blog.Post` (tags included), as `/post/<slug>.md` serves it."""
        return cls(
            title=post.title,
            slug=post.slug,
            date=post.published_at,
            updated=post.updated_at,
            tags=[tag.name for tag in post.tags.all()],
            # The admin's textarea sends CRLF; a Markdown file has one kind of line ending.
            body=post.body.replace("\r\n", "\n"),
            summary=post.summary.replace("\r\n", "\n"),
            draft=post.status == post.Status.DRAFT,
            comments=post.comments_enabled,
        )

    @classmethod
    def from_text(cls, text, name="<string>"):
        """Parse a post file; a missing, mistyped or unknown field raises FrontMatterError naming `name`."""
        meta, body = loads(text, name)
        unknown = sorted(set(meta) - _FIELDS)
        if unknown:
            raise FrontMatterError(f"{name}: unknown front matter field{pluralize(unknown)} {', '.join(unknown)}.")
        return cls(
            title=_text(meta, "title", name, required=True),
            slug=_text(meta, "slug", name, required=True),
            date=_moment(meta, "date", name, required=True),
            updated=_moment(meta, "updated", name),
            tags=_tags(meta, name),
            summary=_text(meta, "summary", name),
            draft=_flag(meta, "draft", name, default=False),
            comments=_flag(meta, "comments", name, default=True),
            body=body,
        )

    @classmethod
    def read(cls, path):
        """The post file at `path`; errors name the file."""
        path = Path(path)
        return cls.from_text(path.read_text(encoding="utf-8"), name=str(path))

    def to_text(self):
        """The file: front matter (only the fields that say something) and the body unchanged."""
        meta = {"title": self.title, "date": self.date}
        if self.updated is not None:
            meta["updated"] = self.updated
        meta["tags"] = list(self.tags)
        meta["slug"] = _Plain(self.slug)
        if self.draft:
            meta["draft"] = True
        if not self.comments:
            meta["comments"] = False
        if self.summary:
            meta["summary"] = self.summary
        return dumps(meta, self.body)


_FIELDS = {"title", "slug", "date", "updated", "tags", "summary", "draft", "comments"}


def _text(meta, key, name, required=False):
    value = meta.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise FrontMatterError(f"{name}: {key!r} must be text (put it in double quotes), not {value!r}.")
    return value


def _moment(meta, key, name, required=False):
    value = meta.get(key)
    if value is None and not required:
        return None
    if isinstance(value, str):
        with suppress(ValueError):  # what is not a date is reported just below
            value = datetime.fromisoformat(value)
    # A date without a time or offset would mean a different moment on every server.
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise FrontMatterError(
            f"{name}: {key!r} must be an ISO 8601 date and time with an offset "
            f"(like 2024-05-01T09:30:00+02:00), not {value!r}."
        )
    return value


def _tags(meta, name):
    tags = meta.get("tags")
    if tags is None:
        return []
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag.strip() for tag in tags):
        raise FrontMatterError(f'{name}: \'tags\' must be a list of names, like ["Python", "Django"].')
    return tags


def _flag(meta, key, name, default):
    value = meta.get(key, default)
    if not isinstance(value, bool):
        raise FrontMatterError(f"{name}: {key!r} must be true or false, not {value!r}.")
    return value


# Other engines' post files: Jekyll, Octopress and Hugo.
#
# Their front matter is YAML between '---' lines or TOML between '+++' lines;
# their bodies are Markdown with code blocks of their own. Read leniently,
# into the same PostFile, with notes on what was ignored or left as text.

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
_READ_FIELDS = {key for keys in _OTHER_FIELDS.values() for key in keys}


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


def read_other_engine(path, default_tz) -> tuple[PostFile, list[str]]:
    """A Jekyll, Octopress or Hugo post file as a PostFile, and notes on what was ignored or left as text.

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
        raise FrontMatterError(f"{name}: needs a title (title: \"...\" in the front matter), not {title!r}.")

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
            comments=_flag({"comments": meta.get("comments", True)}, "comments", name, default=True),
            body=body,
        ),
        notes,
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
    draft = _flag(meta, "draft", name, default=False)
    published = _flag(meta, "published", name, default=True)
    return draft or not published


# A Markdown fence: an opening line (``` or ~~~, then maybe an info string) and a closing one.
_FENCE_OPEN_RE = re.compile(r"(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)")
# Block tags on a line of their own, converted to fences; their ends.
_CODE_BLOCK_RE = re.compile(
    r"[ \t]*(?:\{%-?[ \t]*(?P<liquid>codeblock|highlight)\b(?P<args>.*?)-?%\}"
    r"|\{\{[<%][ \t]*(?P<hugo>highlight)\b(?P<hugo_args>.*?)[>%]\}\})[ \t]*"
)
_CODE_BLOCK_END_RE = {
    "codeblock": re.compile(r"[ \t]*\{%-?[ \t]*endcodeblock[ \t]*-?%\}[ \t]*"),
    "highlight": re.compile(r"[ \t]*\{%-?[ \t]*endhighlight[ \t]*-?%\}[ \t]*"),
    "hugo": re.compile(r"[ \t]*\{\{[<%][ \t]*/highlight[ \t]*[>%]\}\}[ \t]*"),
}
_LIQUID_TAG_RE = re.compile(r"\{%-?[ \t]*(?P<name>\w+)[^%]*?-?%\}")
_SHORTCODE_RE = re.compile(r"\{\{[<%][ \t]*(?P<name>/?[\w./-]+)[^}]*?[>%]\}\}")


def convert_code_blocks(body: str, first_line: int = 1) -> tuple[str, list[str]]:
    """Jekyll's, Octopress's and Hugo's code blocks as the engine's fences; notes on tags left as text.

    ``` python file.py (a space before the language) becomes ```python file.py;
    {% codeblock lang:python file.py %}, {% highlight python %} and Hugo's
    {{< highlight python >}} blocks become fences. Any other Liquid tag or
    Hugo shortcode outside code is noted (with its line, the body's first
    being `first_line`) and left as it is.
    """
    lines = body.splitlines(keepends=True)
    out, notes = [], []
    number, fence = 0, None
    while number < len(lines):
        line = lines[number]
        text = line.rstrip("\n")
        number += 1
        if fence is not None:
            out.append(line)
            if re.fullmatch(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*", text):
                fence = None
            continue
        opening = _FENCE_OPEN_RE.fullmatch(text)
        if opening and not (opening["fence"][0] == "`" and "`" in opening["info"]):
            fence = opening["fence"]
            info = opening["info"].strip()
            out.append(f"{opening['indent']}{fence}{info}" + line[len(text) :] if info else line)
            continue
        block = _CODE_BLOCK_RE.fullmatch(text)
        if block:
            kind = "hugo" if block["hugo"] else block["liquid"]
            ends = _CODE_BLOCK_END_RE[kind]
            end = next((i for i in range(number, len(lines)) if ends.fullmatch(lines[i].rstrip("\n"))), None)
            if end is not None:
                out.append(_fenced(kind, block["hugo_args"] if kind == "hugo" else block["args"], lines[number:end]))
                out.append(lines[end][len(lines[end].rstrip("\n")) :])
                number = end + 1
                continue
            notes.append(f"line {number + first_line - 1}: {text.strip()} is never closed; left as text.")
        for tag in _LIQUID_TAG_RE.finditer(text):
            notes.append(f"line {number + first_line - 1}: unknown Liquid tag {tag[0]} left as text.")
        for shortcode in _SHORTCODE_RE.finditer(text):
            notes.append(f"line {number + first_line - 1}: Hugo shortcode {shortcode[0]} left as text.")
        out.append(line)
    return "".join(out), notes


def _fenced(kind, args, code_lines):
    """One converted code block as a fence, without the newline after its closing line.

    The block's options go on the fence's opening line in a spelling the
    renderer reads (blog/fences.py), so they are honoured or warned about.
    """
    language, info = "", ""
    if kind == "codeblock":
        # {% codeblock [title] [lang:language] [url [link text]] [start:N] [mark:N] [linenos:false] %}:
        # Octopress takes the options from anywhere, then title, url and link text from what is left.
        caption, options, link = [], [], []
        for word in args.split():
            if word.startswith("lang:") and not link:
                language = word.removeprefix("lang:")
            elif re.match(r"(start|mark|linenos):", word):
                options.append(word)
            elif link or word.startswith(("http://", "https://")):
                link.append(word)
            else:
                caption.append(word)
        info = " ".join(caption + options + link)
    else:
        # {% highlight ruby linenos %}, {{< highlight go "linenos=table,hl_lines=8 15-17" >}}
        words = args.strip().split(maxsplit=1)
        language = words[0].strip("\"'") if words else ""
        rest = words[1].strip() if len(words) > 1 else ""
        info = _hugo_options(rest) if kind == "hugo" and rest else rest
    if info and not language:
        language = "text"  # the engine's fence names a file only after a language
    code = "".join(code_lines)
    if code and not code.endswith("\n"):
        code += "\n"
    # A fence longer than any backtick run that starts a line of the code, so the code cannot close it.
    runs = [len(match[0]) for match in re.finditer(r"^ {0,3}(`+)", code, re.MULTILINE)]
    marker = "`" * max(3, max(runs, default=0) + 1)
    opener = " ".join(part for part in (f"{marker}{language}", info) if part)
    return f"{opener}\n{code}{marker}"


def _hugo_options(text):
    """Hugo's highlight options, "linenos=table,hl_lines=8 15-17", as a fence's attribute block."""
    options = []
    for option in text.strip("\"'").split(","):
        key, _, value = option.strip().partition("=")
        options.append(f'{key}="{value}"' if " " in value else option.strip())
    return "{" + ",".join(options) + "}"
