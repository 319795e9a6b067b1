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
imports `yaml`, and it only ever loads with a SafeLoader that refuses alias
bombs ("billion laughs") and nesting deep enough to exhaust the stack.

Other engines' post files (Jekyll, Octopress, Hugo) are read by the
moving app (moving/markdown/dialects.py) into the same PostFile.
"""

import math
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from django.template.defaultfilters import pluralize

# The closing delimiter must start a line; an indented `---` inside a literal
# block (a summary quoting a Markdown rule) is part of the YAML.
_FRONT_MATTER_RE = re.compile(r"---[ \t]*\n(?P<yaml>(?:.*?\n)??)---[ \t]*(?:\n|\Z)", re.DOTALL)


class FrontMatterError(ValueError):
    """A file that is not a valid post file; the message starts with the file's name."""


# A YAML alias repeats a whole subtree; nested aliases multiply (nine levels of nine make 387 million
# values from a few hundred bytes). Front matter and the data files beside posts hold a few hundred.
MAX_YAML_VALUES = 100_000
# Deeper flow collections (`[[[[...`) than any front matter has; past it PyYAML would scan on for seconds.
MAX_YAML_DEPTH = 100


class _Loader(yaml.SafeLoader):
    """PyYAML's SafeLoader, counting what aliases expand to and refusing past MAX_YAML_VALUES."""

    def __init__(self, stream):
        super().__init__(stream)
        self.expanded, self.sizes, self.first_line = 0, {}, 1

    def fetch_flow_collection_start(self, TokenClass):  # noqa: N803 (PyYAML's name)
        if self.flow_level >= MAX_YAML_DEPTH:
            raise yaml.YAMLError(f"line {self.line + self.first_line}: nested more than {MAX_YAML_DEPTH} deep; refused")
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                self.expanded += _size(node, self.sizes)
                if self.expanded > MAX_YAML_VALUES:
                    raise yaml.YAMLError(
                        f"line {event.start_mark.line + self.first_line}: its aliases expand to more than "
                        f"{MAX_YAML_VALUES:,} values (an alias bomb?); refused"
                    )
        return super().compose_node(parent, index)


def _size(node, sizes):
    """How many values `node` stands for once every alias in it is expanded (counted once per node)."""
    key = id(node)
    if key not in sizes:
        sizes[key] = 1  # a node that contains itself (`&a [*a]`) counts once
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = []
        sizes[key] = 1 + sum(_size(child, sizes) for child in children)
    return sizes[key]


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
    meta = load_yaml(match["yaml"], name, first_line=2)
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
    return load_yaml(path.read_text(encoding="utf-8"), str(path))


def load_yaml(text, name, first_line=1):
    """The data in YAML `text`, loaded safely (no objects, no alias bombs); errors name `name` and the line.

    `first_line` is the line of the file the text starts on, so a message names the file's own line.
    """
    loader = _Loader(text)
    loader.first_line = first_line
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f", line {mark.line + first_line}" if mark is not None else ""
        what = ", ".join(part for part in (error.context, error.problem) if part)
        raise FrontMatterError(f"{name}: not valid YAML{where}: {what}.") from error
    except yaml.YAMLError as error:
        raise FrontMatterError(f"{name}: {error}.") from error
    except RecursionError as error:
        raise FrontMatterError(f"{name}: the YAML is nested too deeply to be read; refused.") from error
    finally:
        loader.dispose()


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
            draft=read_flag(meta, "draft", name, default=False),
            comments=read_flag(meta, "comments", name, default=True),
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


def read_flag(meta, key, name, default):
    value = meta.get(key, default)
    if not isinstance(value, bool):
        raise FrontMatterError(f"{name}: {key!r} must be true or false, not {value!r}.")
    return value
