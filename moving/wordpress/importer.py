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
from moving.wordpress import attachments, threads
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
    _write_comments(item, post, export, report)


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


def _write_comments(item, post, export, report):
    """The item's comments, threaded (threads.py): the top-level ones first, so each reply finds its comment."""
    ids = [source.wordpress_id for source in item.comments]
    rows = WordPressComment.objects.filter(site=export.site, wordpress_id__in=ids).select_related("comment")
    known = {row.wordpress_id: row.comment for row in rows}
    refusals = {source.wordpress_id: _refusal(source) for source in item.comments if source.wordpress_id not in known}
    here = {wordpress_id for wordpress_id, why in refusals.items() if not why}
    here |= {wordpress_id for wordpress_id, comment in known.items() if comment is not None}
    places = threads.plan(item.comments, here)
    made = {wordpress_id: comment for wordpress_id, comment in known.items() if comment is not None}
    in_order = sorted(item.comments, key=lambda c: (places[c.wordpress_id].root is not None, c.date, c.wordpress_id))
    done = set()
    for source in in_order:
        if source.wordpress_id in done:
            # The same id twice in one post: as a second import would, the first one stands.
            report.unchanged["comments"] += 1
            continue
        done.add(source.wordpress_id)
        place = places[source.wordpress_id]
        parent = made.get(place.root)
        mine = parent is not None and threads.by_post_author(source, item, export.authors)
        described = f"comment {source.wordpress_id} on post {post.slug!r}"
        if source.wordpress_id in known:
            report.unchanged["comments"] += 1  # already imported; updated counts those of them threaded now
            comment = known[source.wordpress_id]
            # Imported before E-Scribe kept threads: threaded now, once (parent_ref is set from then on).
            if comment is not None and comment.parent_ref is None and (parent is not None or place.answers_missing):
                _thread(comment, place, parent, mine).save(update_fields=["parent", "parent_ref", "by_author"])
                report.updated["comments"] += 1
                _note(report, described, place)
        elif refusals[source.wordpress_id]:
            report.skipped.append(f"{described}: {refusals[source.wordpress_id]}")
        else:
            comment = _thread(Comment(), place, parent, mine)
            made[source.wordpress_id] = _write_comment(source, post, export, report, comment)
            _note(report, described, place)


def _thread(comment, place, parent, by_author):
    """`comment` placed in its thread: answering `parent`, or at the top level (parent None)."""
    comment.parent = parent
    comment.by_author = by_author
    if parent is not None:
        comment.parent_ref = parent.pk
    elif place.answers_missing:
        # No comment here has the id 0: the reply shows as answering a removed comment, which it does.
        comment.parent_ref = 0
    return comment


def _note(report, described, place):
    if place.note:
        report.notes.append(f"{described}: {place.note}")


def _refusal(source):
    """Why a comment from the file is not imported, or "" when it is."""
    if source.kind != "comment":
        return f"a {source.kind} (this blog keeps no {source.kind}s)"
    status = COMMENT_STATUSES.get(source.approved)
    if status is None:
        return "in WordPress's trash" if "trash" in source.approved else f"WordPress status {source.approved!r}"
    if not comment_text(source.content):
        return "empty"
    return ""


def _write_comment(source, post, export, report, comment):
    """`comment`, its thread set, filled from the file and saved, with its history and where it came from."""
    status = COMMENT_STATUSES[source.approved]
    # Saved directly, not through comments.moderation.receive(): no Akismet call, no mail to the author.
    comment.post = post
    comment.author_name = source.author[:AUTHOR_NAME_MAX] or "Anonymous"
    comment.author_email = _valid(validate_email, source.email[:EMAIL_MAX])
    comment.author_url = _valid(WEBSITE, source.url) if len(source.url) <= URL_MAX else ""
    comment.body = comment_text(source.content)
    comment.created_at = source.date
    comment.ip_address = _ip(source.ip)
    comment.status = status
    comment.save()
    CommentEvent.objects.record(
        comment, CommentEvent.Kind.RECEIVED,
        detail=f"{IMPORTED} (comment {source.wordpress_id}, {comment.get_status_display().lower()} there).",
    )  # fmt: skip
    WordPressComment.objects.create(site=export.site, wordpress_id=source.wordpress_id, comment=comment)
    report.created["comments"] += 1
    report.spam += status == Comment.Status.SPAM
    return comment


def _ip(value):
    try:
        validate_ipv46_address(value)
    except ValidationError:
        return None
    return value
