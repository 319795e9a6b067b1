"""Writing an Export into the blog: posts, tags, comments and the redirects from the old addresses."""

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_ipv46_address
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from blog.models import Post, Redirect, Tag
from comments import moderation
from comments.changes import spam_counted
from comments.models import Comment, CommentEvent
from moving.models import WordPressComment, WordPressPost
from moving.wordpress.markup import comment_text, convert

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
    body, notes = convert(item.content, old_url=item.link)
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
