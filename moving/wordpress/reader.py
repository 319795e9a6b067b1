"""Reading a WXR file into an Export: every item and comment, with the line each came from for the messages."""

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote
from xml.etree import ElementTree
from xml.parsers.expat import ErrorString

from django.utils import timezone

from blog.models import POST_YEARS

VERSIONS = ("1.0", "1.1", "1.2")
NAMESPACES = {
    # Checked in this order: the excerpt namespace lives under the wp one.
    **{f"{scheme}://wordpress.org/export/{v}/excerpt/": "excerpt" for scheme in ("http", "https") for v in VERSIONS},
    # WordPress.com writes https:// (the theme unit test data does); WordPress's importer reads both.
    **{f"{scheme}://wordpress.org/export/{v}/": "wp" for scheme in ("http", "https") for v in VERSIONS},
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
NAMESPACE_HINT = 'xmlns:wp="http://wordpress.org/export/1.2/"'
NO_DATE = "0000-00-00 00:00:00"
# The largest id the mapping tables hold (PositiveBigIntegerField, a signed 64-bit column on every database).
ID_MAX = 2**63 - 1
# A page's position (PositiveSmallIntegerField): WordPress's menu_order is any integer.
ORDER_MAX = 32767
DIGITS = re.compile(r"^[0-9]+$")
INTEGER = re.compile(r"^-?[0-9]{1,30}$")
DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# The first bytes of a UTF-32 file, with or without its byte order mark (XML 1.0, appendix F); expat reads no UTF-32.
UTF32_STARTS = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\x00<", b"<\x00\x00\x00")


UTF8_PLEASE = "convert it to UTF-8 (iconv -f ENCODING -t UTF-8) and import it again; nothing was imported."


class WxrError(Exception):
    """The file cannot be imported; the message names the element and its line."""


@dataclass
class WxrComment:
    wordpress_id: int
    author: str
    email: str
    url: str
    ip: str
    date: datetime
    content: str
    approved: str
    kind: str
    # The comment it answers (0: none) and its writer's WordPress user id (0: a visitor); see threads.py.
    parent: int = 0
    user_id: int = 0


@dataclass
class WxrItem:
    line: int
    wordpress_id: int
    post_type: str
    status: str
    title: str
    name: str
    link: str
    date: datetime | None
    date_gmt: datetime | None
    content: str
    excerpt: str
    comment_status: str
    categories: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    attachment_url: str = ""
    password: str = ""
    creator: str = ""  # the author's login (dc:creator), whose own comments are the author's replies
    parent: int = 0
    menu_order: int = 0
    # For attachments.py: the item's wp:postmeta (key -> value, the first of a repeated key).
    meta: dict = field(default_factory=dict)

    def describe(self):
        return f'{self.post_type} {self.wordpress_id} "{self.title}"'

    def digest(self):
        """What the post takes from the file, so an unchanged item is told apart from an edited one."""
        fields = [self.status, self.title, self.name, self.content, self.excerpt, self.comment_status,
                  str(self.date), str(self.date_gmt), sorted(self.categories)]  # fmt: skip
        if self.password or self.parent or self.menu_order:
            # Only when set: the digests of posts imported before these were read stay as they were.
            fields.append([bool(self.password), self.parent, self.menu_order])
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


@dataclass
class Export:
    site: str
    version: str
    items: list
    # The blog's users from <wp:author>: login -> (WordPress user id or 0 when the file gives none, email).
    authors: dict = field(default_factory=dict)


def parse(path):
    """Export read from a WXR file; WxrError (element and line) if it is malformed, truncated or not WXR."""
    reader = _Reader()
    declared, line_read = None, b""
    try:
        with open(path, "rb") as source:
            head = source.read(4)
            if head in UTF32_STARTS:
                raise WxrError(f"line 1: the file is in UTF-32, which no WordPress writes; {_please('UTF-32')}")
            source.seek(0)
            # Fed line by line so every element's line is known for the messages.
            for number, line_read in enumerate(source, start=1):
                if number == 1:
                    declared = DECLARED_ENCODING.match(line_read)
                reader.feed(line_read, number)
            reader.close()
    except WxrError as error:
        raise WxrError(f"{path}: {error}") from None
    except ValueError as error:
        # expat reads UTF-8, UTF-16 and the one-byte encodings; for others (shift_jis, gb2312) it cannot start.
        name = declared.group(1).decode() if declared else "an encoding"
        raise WxrError(f"{path}: line 1: the XML declaration names {name}, which this importer cannot read "
                       f"({error}); {_please(name)}") from None  # fmt: skip
    except ElementTree.ParseError as error:
        line, column = error.position
        where = f", inside {reader.open_elements()}" if reader.stack else ""
        reason = ErrorString(error.code)
        if declared is None and reason.startswith("not well-formed") and not _utf8(line_read):
            raise WxrError(f"{path}: line {line} is not UTF-8, and no XML declaration names another encoding; "
                           f"{UTF8_PLEASE}") from None  # fmt: skip
        if reason == "no element found" and reader.stack:
            raise WxrError(
                f"{path}: the file ends at line {line}{where}: it is truncated (nothing was imported)."
            ) from None
        if reason == "no element found" and reader.root is None:
            raise WxrError(f"{path}: no XML in it (is it empty?); nothing was imported.") from None
        raise WxrError(
            f"{path}: malformed XML at line {line}, column {column + 1}{where}: {reason} (nothing was imported)."
        ) from None
    except LookupError as error:
        raise WxrError(f"{path}: the XML declaration names an {error}; nothing was imported.") from None
    return reader.export(path)


class _Reader:
    """Streams the file (ElementTree's pull parser): each <item> is read, kept as a WxrItem and dropped."""

    def __init__(self):
        self.parser = ElementTree.XMLPullParser(events=("start", "end", "start-ns"))
        self.prefixes = {}
        self.stack = []  # (name as written, line) of the open elements
        self.lines = {}
        self.items = []
        self.authors = {}
        self.site = ""
        self.version = ""
        self.root = None

    def feed(self, data, number):
        self.parser.feed(data)
        self._events(number)

    def close(self):
        self.parser.close()
        self._events(None)

    def open_elements(self):
        """Where the parser stopped: the innermost open element, its line, and the elements around it."""
        name, line = self.stack[-1]
        return f"<{name}> (opened at line {line}, in {'/'.join(name for name, _ in self.stack)})"

    def _events(self, number):
        for event, payload in self.parser.read_events():
            if event == "start-ns":
                prefix, uri = payload
                self.prefixes.setdefault(uri, prefix)
            elif event == "start":
                if self.root is None:
                    self.root = payload.tag
                self.stack.append((self._written(payload.tag), number))
                self.lines[payload] = number
            else:
                self.stack.pop()
                self._end(payload)

    def _written(self, tag):
        uri, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
        prefix = self.prefixes.get(uri) if uri else None
        return f"{prefix}:{local}" if prefix else local

    def _end(self, element):
        name = _name(element.tag)
        depth = len(self.stack)
        if name == "item" and depth == 2:
            self.items.append(self._item(element))
            self.lines.clear()
            element.clear()
        elif depth == 2 and name == "link":
            # The blog's home address: its permalinks (and so the old paths) start there.
            self.site = (element.text or "").strip()
        elif depth == 2 and name == "wp:wxr_version":
            self.version = (element.text or "").strip()
        elif depth == 2 and name == "wp:author":
            values = {_name(child.tag): (child.text or "").strip() for child in element}
            # WordPress.com's exports (the theme unit test data) give no wp:author_id: 0, and the email must do.
            self.authors[values.get("wp:author_login", "")] = (
                _reference(values.get("wp:author_id", "")),
                values.get("wp:author_email", ""),
            )

    def _item(self, element):
        line = self.lines.get(element, 0)
        values, categories, comments, meta = {}, [], [], {}
        for child in element:
            name = _name(child.tag)
            if name == "category":
                # WordPress keeps term names with their & as &amp;: read once, shown as the author named them.
                text = html.unescape(" ".join((child.text or "").split()))
                if text:
                    categories.append((child.get("domain", ""), child.get("nicename", ""), text))
            elif name == "wp:comment":
                comments.append(self._comment(child))
            elif name == "wp:postmeta":
                pair = {_name(part.tag): part.text or "" for part in child}
                meta.setdefault(pair.get("wp:meta_key", "").strip(), pair.get("wp:meta_value", ""))
            else:
                values[name] = (child.text or "", self.lines.get(child, line))

        def text(key, default=""):
            return values.get(key, (default, line))[0].strip()

        def number(key):
            if key not in values:
                raise WxrError(f"line {line}: the item has no <{key}> in WordPress's namespace ({NAMESPACE_HINT}).")
            value, at = values[key]
            return _id(value, f"line {at}: <{key}> of the item at line {line}")

        def order(key):
            # WordPress's menu_order and post_parent: absent, empty or odd means none.
            value = text(key)
            highest = ORDER_MAX if key == "wp:menu_order" else ID_MAX
            return max(0, min(int(value), highest)) if INTEGER.match(value) else 0

        def date(key, utc):
            value, at = values.get(key, (NO_DATE, line))
            return _date(value, utc, f"line {at}: <{key}> of the item at line {line}")

        return WxrItem(
            line=line,
            wordpress_id=number("wp:post_id"),
            post_type=text("wp:post_type", "post"),
            status=text("wp:status", "publish"),
            # What WordPress stored, entities and all (its editor saves & as &amp;): unescaped once, here.
            title=html.unescape(text("title")),
            name=unquote(text("wp:post_name")),
            link=text("link"),
            date=date("wp:post_date", utc=False),
            date_gmt=date("wp:post_date_gmt", utc=True),
            content=values.get("content:encoded", ("", line))[0],
            excerpt=values.get("excerpt:encoded", ("", line))[0].strip(),
            comment_status=text("wp:comment_status", "open"),
            categories=categories,
            comments=comments,
            attachment_url=text("wp:attachment_url"),
            password=text("wp:post_password"),
            creator=text("dc:creator"),
            parent=order("wp:post_parent"),
            menu_order=order("wp:menu_order"),
            meta=meta,
        )

    def _comment(self, element):
        line = self.lines.get(element, 0)
        values = {_name(child.tag): (child.text or "") for child in element}
        where = f"line {line}: the <wp:comment>"
        wordpress_id = _id(values.get("wp:comment_id", ""), f"{where}'s <wp:comment_id>")
        moment = _date(values.get("wp:comment_date_gmt", NO_DATE), True, f"{where} {wordpress_id}'s date")
        moment = moment or _date(values.get("wp:comment_date", NO_DATE), False, f"{where} {wordpress_id}'s date")
        return WxrComment(
            wordpress_id=wordpress_id,
            author=html.unescape(" ".join(values.get("wp:comment_author", "").split())),
            email=values.get("wp:comment_author_email", "").strip(),
            url=values.get("wp:comment_author_url", "").strip(),
            ip=values.get("wp:comment_author_IP", "").strip(),
            date=moment or timezone.now(),
            content=values.get("wp:comment_content", ""),
            approved=values.get("wp:comment_approved", "1").strip(),
            kind=values.get("wp:comment_type", "").strip() or "comment",
            parent=_reference(values.get("wp:comment_parent", "")),
            user_id=_reference(values.get("wp:comment_user_id", "")),
        )

    def export(self, path):
        if self.root is None or _name(self.root) != "rss" or "wp" not in set(self.prefixes_found()):
            raise WxrError(f"{path}: not a WordPress export (WXR): the root is <{self._written(self.root or '')}>, "
                           "and a WXR file is an <rss> with the wp: namespace.")  # fmt: skip
        return Export(site=self.site.rstrip("/"), version=self.version, items=self.items, authors=self.authors)

    def prefixes_found(self):
        return (NAMESPACES.get(uri) for uri in self.prefixes)


def _id(value, where):
    """A WordPress id as a number the database holds; WxrError naming where it is otherwise."""
    value = value.strip()
    if not DIGITS.match(value):
        raise WxrError(f"{where} is not a number: {value[:40]!r}.")
    # Compared as text: int() of a 100,000-digit string is refused (or slow) before it can be compared.
    if len(value.lstrip("0")) > len(str(ID_MAX)) or int(value) > ID_MAX:
        raise WxrError(f"{where} is larger than any WordPress id ({ID_MAX}): {value[:40]!r}.")
    return int(value)


def _reference(value):
    """A comment's or a user's id as a reference, 0 for none: absent, empty or odd is no reference (never refused)."""
    try:
        return _id(value, "a reference")
    except WxrError:
        return 0


def _please(encoding):
    return UTF8_PLEASE.replace("ENCODING", encoding)


def _utf8(data):
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def _name(tag):
    """{http://wordpress.org/export/1.2/}post_id -> wp:post_id, whatever prefix the file chose."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    prefix = NAMESPACES.get(uri)
    return f"{prefix}:{local}" if prefix else local


def _date(value, utc, where):
    value = value.strip()
    if not value or value == NO_DATE:
        return None
    try:
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise WxrError(f"{where} is not a date (YYYY-MM-DD HH:MM:SS): {value!r}.") from None
    if moment.year not in POST_YEARS:
        # As the admin's form and import_markdown (Post.clean): the month counts overflowed in December 9999.
        raise WxrError(f"{where} is outside the years {POST_YEARS[0]} to {POST_YEARS[-1]}: {value!r}.")
    # WordPress's local dates carry no zone; the site's zone is the best guess for drafts that have no GMT date.
    return moment.replace(tzinfo=UTC) if utc else timezone.make_aware(moment)
