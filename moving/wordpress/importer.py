"""Writing an Export into the blog: posts, tags, comments and the redirects from the old addresses."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_ipv46_address
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from blog.models import Post, Tag
from comments.changes import spam_counted
from comments.models import Comment, CommentEvent
from moving.models import WordPressComment, WordPressPost
from moving.wordpress import attachments
from moving.wordpress.common import (
    DRAFT_STATUSES,
    PUBLISHED_STATUSES,
    Report,
    body,
    deleted_here,
    free_slug,
    hidden_because,
    left_as_is,
    link_path,
    remember,
    report_notes,
    site_path,
    title,
    write_redirects,
)
from moving.wordpress.links import rewrite
from moving.wordpress.markup import comment_text, convert
from moving.wordpress.pages import import_page

COMMENT_STATUSES = {"1": Comment.Status.APPROVED, "0": Comment.Status.PENDING, "spam": Comment.Status.SPAM}
# The classic editor's "no category": not a tag of the post.
UNCATEGORIZED = "uncategorized"
SLUG_MAX = Post._meta.get_field("slug").max_length
TAG_NAME_MAX = Tag._meta.get_field("name").max_length
AUTHOR_NAME_MAX = Comment._meta.get_field("author_name").max_length
EMAIL_MAX = Comment._meta.get_field("author_email").max_length
URL_MAX = Comment._meta.get_field("author_url").max_length
IMPORTED = "Imported from WordPress"


def import_wxr(export, author, dry_run=False, uploads_dir=None):
    """Report of importing an Export, in one transaction; with dry_run the transaction is rolled back."""
    report = Report(uploads=attachments.tally())
    # A child page's old address is its ancestors' slugs and its own: /parent/child/.
    pages = {item.wordpress_id: item for item in export.items if item.post_type == "page"}
    with attachments.Media(export, uploads_dir, report, dry_run) as media, transaction.atomic():
        media.bring()  # attachments first: the posts and pages link to them
        gallery = media.gallery()
        for item in export.items:
            _import_item(export, item, author, report, pages, gallery)
        media.finish()
        spam_counted(report.spam)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_item(export, item, author, report, pages, gallery):
    if item.post_type == "page":
        import_page(export, item, report, pages, gallery)
        return
    if item.post_type == "attachment":
        return  # brought in by attachments.Media, before the posts
    if item.post_type != "post":
        report.skipped.append(f"{item.describe()}: not a post")
        return
    if item.status not in DRAFT_STATUSES | PUBLISHED_STATUSES:
        report.skipped.append(f"{item.describe()}: WordPress status {item.status!r}")
        return
    known = WordPressPost.objects.filter(site=export.site, wordpress_id=item.wordpress_id).first()
    if deleted_here(item, known, known and known.post, report):
        return
    post = _write_post(item, known, export, author, report, gallery)
    if post is None:
        return
    write_redirects(_old_paths(item, export.site), report, post.get_absolute_url(), post=post)
    for comment in sorted(item.comments, key=lambda comment: (comment.date, comment.wordpress_id)):
        _write_comment(comment, post, export, report)


def _write_post(item, known, export, author, report, gallery):
    if left_as_is(item, known, known and known.post, "posts", report):
        return known.post
    digest = item.digest()
    text, notes = body(item, gallery)
    summary, summary_notes = convert(item.excerpt) if item.excerpt else ("", [])
    # Links to the old blog's uploads lead to the ones imported from them (links.py).
    summary, summary_links = rewrite(summary)
    notes = [*notes, *summary_notes, *summary_links]
    post = known.post if known is not None else Post(author=author)
    post.title = title(item)
    post.slug = _free_slug(item, post)
    post.body, post.summary = text, summary
    hidden = hidden_because(item)
    public = item.status in PUBLISHED_STATUSES and not hidden
    post.status = Post.Status.PUBLISHED if public else Post.Status.DRAFT
    post.published_at = item.date_gmt or item.date or timezone.now()
    post.comments_enabled = item.comment_status == "open"
    post.save()
    post.tags.set(_tags(item, report))
    report_notes(item, report, [*notes, *post.render_warnings], hidden)
    remember(known, "posts", report, digest, lambda: WordPressPost.objects.create(
        site=export.site, wordpress_id=item.wordpress_id, post=post, digest=digest
    ))  # fmt: skip
    return post


def _free_slug(item, post):
    """The post's WordPress slug, made ASCII (the engine's URLs), with -2, -3... if another post has it."""
    base = (slugify(item.name) or slugify(item.title) or f"wordpress-{item.wordpress_id}")[:SLUG_MAX].strip("-")
    others = Post.objects.exclude(pk=post.pk) if post.pk else Post.objects.all()
    return free_slug(base, SLUG_MAX, lambda slug: others.filter(slug=slug).exists())


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
    base = site_path(site)
    paths = [f"/?p={item.wordpress_id}"]
    if item.name and item.date:
        day = timezone.localtime(item.date) if timezone.is_aware(item.date) else item.date
        paths += [f"{base}/{day:%Y/%m/%d}/{item.name}/", f"{base}/{day:%Y/%m}/{item.name}/", f"{base}/{item.name}/"]
    return [*paths, link_path(item)]


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
    CommentEvent.objects.record(
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
