"""WordPress exports (WXR 1.0 to 1.2) read into posts, tags, comments and redirects.

parse() reads the whole file before import_wxr() writes anything, and the
import runs in one transaction: a malformed or truncated file, or any error
while writing, leaves the database as it was.
"""

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree
from xml.parsers.expat import ErrorString

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_ipv46_address
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from blog.models import POST_YEARS, Post, Redirect, Tag
from comments import moderation
from comments.changes import spam_counted
from comments.models import Comment, CommentEvent
from moving.models import WordPressComment, WordPressPost

NAMESPACES = {
    # Checked in this order: the excerpt namespace lives under the wp one.
    "http://wordpress.org/export/1.0/excerpt/": "excerpt",
    "http://wordpress.org/export/1.1/excerpt/": "excerpt",
    "http://wordpress.org/export/1.2/excerpt/": "excerpt",
    "http://wordpress.org/export/1.0/": "wp",
    "http://wordpress.org/export/1.1/": "wp",
    "http://wordpress.org/export/1.2/": "wp",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
NO_DATE = "0000-00-00 00:00:00"
DRAFT_STATUSES = {"draft", "pending", "private"}
PUBLISHED_STATUSES = {"publish", "future"}
COMMENT_STATUSES = {"1": Comment.Status.APPROVED, "0": Comment.Status.PENDING, "spam": Comment.Status.SPAM}
# The classic editor's "no category": not a tag of the post.
UNCATEGORIZED = "uncategorized"
TITLE_MAX = Post._meta.get_field("title").max_length
SLUG_MAX = Post._meta.get_field("slug").max_length
TAG_NAME_MAX = Tag._meta.get_field("name").max_length
AUTHOR_NAME_MAX = Comment._meta.get_field("author_name").max_length
EMAIL_MAX = Comment._meta.get_field("author_email").max_length
URL_MAX = Comment._meta.get_field("author_url").max_length
IMPORTED = "Imported from WordPress"


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

    def describe(self):
        return f'{self.post_type} {self.wordpress_id} "{self.title}"'

    def digest(self):
        """What the post takes from the file, so an unchanged item is told apart from an edited one."""
        fields = [self.status, self.title, self.name, self.content, self.excerpt, self.comment_status,
                  str(self.date), str(self.date_gmt), sorted(self.categories)]  # fmt: skip
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


@dataclass
class Export:
    site: str
    version: str
    items: list


# --- Reading the file ---------------------------------------------------------------------------


def parse(path):
    """Export read from a WXR file; WxrError (element and line) if it is malformed, truncated or not WXR."""
    reader = _Reader()
    try:
        with open(path, "rb") as source:
            # Fed line by line so every element's line is known for the messages.
            for number, line in enumerate(source, start=1):
                reader.feed(line, number)
            reader.close()
    except ElementTree.ParseError as error:
        line, column = error.position
        where = f", inside {reader.open_elements()}" if reader.stack else ""
        reason = ErrorString(error.code)
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

    def _item(self, element):
        line = self.lines.get(element, 0)
        values, categories, comments = {}, [], []
        for child in element:
            name = _name(child.tag)
            if name == "category":
                text = " ".join((child.text or "").split())
                if text:
                    categories.append((child.get("domain", ""), child.get("nicename", ""), text))
            elif name == "wp:comment":
                comments.append(self._comment(child))
            else:
                values[name] = (child.text or "", self.lines.get(child, line))

        def text(key, default=""):
            return values.get(key, (default, line))[0].strip()

        def number(key):
            value, at = values.get(key, ("", line))
            if not value.strip().isdigit():
                raise WxrError(f"line {at}: <{key}> of the item at line {line} is not a number: {value.strip()!r}.")
            return int(value)

        def date(key, utc):
            value, at = values.get(key, (NO_DATE, line))
            return _date(value, utc, f"line {at}: <{key}> of the item at line {line}")

        return WxrItem(
            line=line,
            wordpress_id=number("wp:post_id"),
            post_type=text("wp:post_type", "post"),
            status=text("wp:status", "publish"),
            title=text("title"),
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
        )

    def _comment(self, element):
        line = self.lines.get(element, 0)
        values = {_name(child.tag): (child.text or "") for child in element}
        where = f"line {line}: the <wp:comment>"
        wordpress_id = values.get("wp:comment_id", "").strip()
        if not wordpress_id.isdigit():
            raise WxrError(f"{where} has no number in <wp:comment_id>: {wordpress_id!r}.")
        moment = _date(values.get("wp:comment_date_gmt", NO_DATE), True, f"{where} {wordpress_id}'s date")
        moment = moment or _date(values.get("wp:comment_date", NO_DATE), False, f"{where} {wordpress_id}'s date")
        return WxrComment(
            wordpress_id=int(wordpress_id),
            author=" ".join(values.get("wp:comment_author", "").split()),
            email=values.get("wp:comment_author_email", "").strip(),
            url=values.get("wp:comment_author_url", "").strip(),
            ip=values.get("wp:comment_author_IP", "").strip(),
            date=moment or timezone.now(),
            content=values.get("wp:comment_content", ""),
            approved=values.get("wp:comment_approved", "1").strip(),
            kind=values.get("wp:comment_type", "").strip() or "comment",
        )

    def export(self, path):
        if self.root is None or _name(self.root) != "rss" or "wp" not in set(self.prefixes_found()):
            raise WxrError(f"{path}: not a WordPress export (WXR): the root is <{self._written(self.root or '')}>, "
                           "and a WXR file is an <rss> with the wp: namespace.")  # fmt: skip
        return Export(site=self.site.rstrip("/"), version=self.version, items=self.items)

    def prefixes_found(self):
        return (NAMESPACES.get(uri) for uri in self.prefixes)


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


# --- Turning WordPress HTML into the engine's source --------------------------------------------

BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->[ \t]*\n?", re.DOTALL)
CODE_SHORTCODE = re.compile(r"\[(code|sourcecode)\b([^\]]*)\](.*?)\[/\1\]", re.DOTALL | re.IGNORECASE)
CAPTION_SHORTCODE = re.compile(r"\[caption\b([^\]]*)\](.*?)\[/caption\]", re.DOTALL | re.IGNORECASE)
ATTRIBUTE = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
CAPTIONED_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.DOTALL | re.IGNORECASE)
LANGUAGE = re.compile(r"^[\w#+.-]+$")
FILENAME = re.compile(r"^[^`\n]+$")
CSS_CLASS = re.compile(r"^[\w-]+$")
OTHER_SHORTCODES = re.compile(r"\[(gallery|embed|audio|video|playlist|youtube)\b", re.IGNORECASE)
EXTRA_BLANK_LINES = re.compile(r"\n{3,}")


def convert(content):
    """(source, notes): a WordPress post's HTML as the engine's source, and what could not be converted.

    HTML stays HTML (the Markdown renderer passes it through, <pre> included);
    block-editor comments go; [code] and [sourcecode] become fences with
    their language and title, [caption] a <figure>.
    """
    text = BLOCK_COMMENT.sub("", content.replace("\r\n", "\n"))
    text = CODE_SHORTCODE.sub(_fence, text)
    text = CAPTION_SHORTCODE.sub(_figure, text)
    notes = sorted({f"[{name.lower()}] shortcode left as text" for name in OTHER_SHORTCODES.findall(text)})
    return EXTRA_BLANK_LINES.sub("\n\n", text).strip() + "\n", notes


def _attributes(text):
    return {name.lower(): next(v for v in values if v is not None) for name, *values in ATTRIBUTE.findall(text)}


def _fence(match):
    attributes = _attributes(match.group(2))
    language = attributes.get("language") or attributes.get("lang") or ""
    title = " ".join(attributes.get("title", "").split())
    # The classic editor stores the code's < and & as entities; in a fence they would show as written.
    code = html.unescape(match.group(3)).strip("\n")
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    opening = fence + (language if LANGUAGE.match(language) else "")
    if title and FILENAME.match(title) and LANGUAGE.match(language):
        opening += f" {title}"
    return f"\n\n{opening}\n{code}\n{fence}\n\n"


def _figure(match):
    attributes = _attributes(match.group(1))
    image = CAPTIONED_IMAGE.match(match.group(2))
    if image is None:
        return match.group(2)
    caption = image.group(2).strip() or html.escape(attributes.get("caption", ""))
    align = attributes.get("align", "")
    classes = "wp-caption" + (f" {align}" if CSS_CLASS.match(align) else "")
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'\n\n<figure class="{classes}">{image.group(1).strip()}{figcaption}</figure>\n\n'


def comment_text(content):
    """A WordPress comment (a little HTML) as the plain text the engine keeps: tags go, entities are read."""
    return html.unescape(strip_tags(content.replace("\r\n", "\n"))).strip()


# --- Writing ------------------------------------------------------------------------------------


@dataclass
class Report:
    created: dict = field(default_factory=lambda: {"posts": 0, "comments": 0, "tags": 0, "redirects": 0})
    updated: dict = field(default_factory=lambda: {"posts": 0, "redirects": 0})
    unchanged: dict = field(default_factory=lambda: {"posts": 0, "comments": 0})
    skipped: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    spam: int = 0


def import_wxr(export, author, dry_run=False):
    """Report of importing an Export, in one transaction; with dry_run the transaction is rolled back."""
    report = Report()
    with transaction.atomic():
        for item in export.items:
            _import_item(export, item, author, report)
        spam_counted(report.spam)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_item(export, item, author, report):
    if item.post_type == "page":
        report.skipped.append(f"{item.describe()} ({item.link}): this blog has no pages yet")
        return
    if item.post_type == "attachment":
        report.skipped.append(f"{item.describe()} ({item.attachment_url or item.link}): this blog has no media yet")
        return
    if item.post_type != "post":
        report.skipped.append(f"{item.describe()}: not a post")
        return
    if item.status not in DRAFT_STATUSES | PUBLISHED_STATUSES:
        report.skipped.append(f"{item.describe()}: WordPress status {item.status!r}")
        return
    known = WordPressPost.objects.filter(site=export.site, wordpress_id=item.wordpress_id).first()
    if known is not None and known.post is None:
        report.skipped.append(f"{item.describe()}: deleted here since it was imported")
        return
    post = _write_post(item, known, export, author, report)
    if post is None:
        return
    _write_redirects(item, post, export, report)
    for comment in sorted(item.comments, key=lambda comment: (comment.date, comment.wordpress_id)):
        _write_comment(comment, post, export, report)


def _write_post(item, known, export, author, report):
    digest = item.digest()
    if known is not None and known.digest == digest:
        report.unchanged["posts"] += 1
        return known.post
    if known is not None and known.post.updated_at > known.imported_at:
        report.skipped.append(f"{item.describe()}: changed in WordPress, but edited here since; left as it is")
        return known.post
    body, notes = convert(item.content)
    summary, summary_notes = convert(item.excerpt) if item.excerpt else ("", [])
    post = known.post if known is not None else Post(author=author)
    post.title = item.title[:TITLE_MAX] or f"Untitled ({item.wordpress_id})"
    post.slug = _free_slug(item, post)
    post.body, post.summary = body, summary
    post.status = Post.Status.PUBLISHED if item.status in PUBLISHED_STATUSES else Post.Status.DRAFT
    post.published_at = item.date_gmt or item.date or timezone.now()
    post.comments_enabled = item.comment_status == "open"
    post.save()
    post.tags.set(_tags(item, report))
    for note in [*notes, *summary_notes, *post.render_warnings]:
        report.notes.append(f"{item.describe()}: {note}")
    if known is None:
        WordPressPost.objects.create(site=export.site, wordpress_id=item.wordpress_id, post=post, digest=digest)
        report.created["posts"] += 1
    else:
        known.digest, known.imported_at = digest, timezone.now()
        known.save(update_fields=["digest", "imported_at"])
        report.updated["posts"] += 1
    return post


def _free_slug(item, post):
    """The post's WordPress slug, made ASCII (the engine's URLs), with -2, -3... if another post has it."""
    base = (slugify(item.name) or slugify(item.title) or f"wordpress-{item.wordpress_id}")[:SLUG_MAX].strip("-")
    others = Post.objects.exclude(pk=post.pk) if post.pk else Post.objects.all()
    slug, number = base, 1
    while others.filter(slug=slug).exists():
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_MAX - len(suffix)] + suffix
    return slug


def _tags(item, report):
    tags = []
    for domain, nicename, name in item.categories:
        if domain not in ("category", "post_tag") or (domain == "category" and nicename == UNCATEGORIZED):
            continue
        tag, created = Tag.objects.get_or_create_named(name[:TAG_NAME_MAX].strip())
        report.created["tags"] += created
        tags.append(tag)
    return tags


def _old_paths(item, site):
    """The addresses WordPress answered for the post, whatever its permalink setting was."""
    base = urlsplit(site).path.rstrip("/")
    paths = [f"/?p={item.wordpress_id}"]
    if item.name and item.date:
        day = timezone.localtime(item.date) if timezone.is_aware(item.date) else item.date
        paths += [f"{base}/{day:%Y/%m/%d}/{item.name}/", f"{base}/{day:%Y/%m}/{item.name}/", f"{base}/{item.name}/"]
    link = urlsplit(item.link)
    if link.path and link.path != "/" and not link.query:
        paths.append(unquote(link.path))
    return list(dict.fromkeys(path for path in paths if len(path) <= Redirect._meta.get_field("old_path").max_length))


def _write_redirects(item, post, export, report):
    for path in _old_paths(item, export.site):
        if path == post.get_absolute_url():
            continue
        existing = Redirect.objects.filter(old_path=path).first()
        if existing is not None and existing.post_id not in (None, post.pk):
            # Another post's old address (another site's /?p=ID, a slug renamed here): never taken over.
            report.skipped.append(f"redirect {path}: already leads to {existing.target()}, left as it is")
            continue
        existed = existing is not None
        _redirect, changed = Redirect.objects.record(path, post=post)
        if changed:
            report.updated["redirects"] += existed
            report.created["redirects"] += not existed


# What the comment form accepts: a website is an http(s) address (never javascript: or mailto:).
WEBSITE = URLValidator(schemes=["http", "https"])


def _valid(validator, value):
    """The value if the comment form would take it, else "" (an address WordPress kept unchecked)."""
    try:
        validator(value)
    except ValidationError:
        return ""
    return value


def _write_comment(source, post, export, report):
    described = f"comment {source.wordpress_id} on post {post.slug!r}"
    if WordPressComment.objects.filter(site=export.site, wordpress_id=source.wordpress_id).exists():
        report.unchanged["comments"] += 1
        return
    if source.kind != "comment":
        report.skipped.append(f"{described}: a {source.kind} (this blog keeps no {source.kind}s)")
        return
    status = COMMENT_STATUSES.get(source.approved)
    if status is None:
        why = "in WordPress's trash" if "trash" in source.approved else f"WordPress status {source.approved!r}"
        report.skipped.append(f"{described}: {why}")
        return
    body = comment_text(source.content)
    if not body:
        report.skipped.append(f"{described}: empty")
        return
    # Created directly, not through comments.moderation.receive(): no Akismet call, no mail to the author.
    comment = Comment.objects.create(
        post=post,
        author_name=source.author[:AUTHOR_NAME_MAX] or "Anonymous",
        author_email=_valid(validate_email, source.email[:EMAIL_MAX]),
        author_url=_valid(WEBSITE, source.url) if len(source.url) <= URL_MAX else "",
        body=body,
        created_at=source.date,
        ip_address=_ip(source.ip),
        status=status,
    )
    moderation.record(
        comment, CommentEvent.Kind.RECEIVED,
        detail=f"{IMPORTED} (comment {source.wordpress_id}, {comment.get_status_display().lower()} there).",
    )  # fmt: skip
    WordPressComment.objects.create(site=export.site, wordpress_id=source.wordpress_id, comment=comment)
    report.created["comments"] += 1
    report.spam += status == Comment.Status.SPAM


def _ip(value):
    try:
        validate_ipv46_address(value)
    except ValidationError:
        return None
    return value
