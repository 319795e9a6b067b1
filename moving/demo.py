"""What the demo brought, recorded when seed_demo loads it, and taken away again by remove_demo.

seed_demo records every row the load created (posts, tags, blurbs, pages,
uploads, comments) with a fingerprint of its content as loaded, and what the
load did to the spam counter. remove_demo deletes those rows that are still
as loaded, and nothing else: a post, page, blurb or tag whose fingerprint
differs was edited by the author and stays, and so does a demo post that got
a comment the demo did not bring (approved or waiting: a reader's, or the
author's own), since it is no longer only the demo's.
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from blog.frontmatter import FrontMatterError
from blog.models import Blurb, Page, Post, Tag, Upload
from blog.site import SiteSettings, first_values
from comments.changes import spam_counted, spam_counter_changed
from comments.models import Comment, CommentEvent, Notification, SpamReport
from moving import site_file
from moving.markdown.folder import read_folder
from moving.models import DemoItem, DemoLoad

# What makes each kind of row the demo's as loaded. Derived columns (HTML, counts, updated_at) are left
# out: a renderer upgrade or an approved comment is not the author editing the post.
CONTENT = {
    Post: ("title", "slug", "body", "summary", "status", "published_at", "comments_enabled"),
    Page: ("title", "slug", "body", "status", "in_navigation", "position"),
    Blurb: ("title", "body", "position", "visible"),
    Tag: ("name", "featured"),
    Upload: ("file", "alt_text"),
    # A demo comment goes with its post whatever the moderator did with it: trying the queue is trying the demo.
    Comment: (),
}
# A comment the demo did not bring keeps the post it is on, unless it is spam (which stays counted).
KEEPS_A_POST = (Comment.Status.APPROVED, Comment.Status.PENDING)


def snapshot():
    """{model: ids} of the rows there now, taken before a load, so that the load's own rows can be told."""
    return {model: set(model.objects.values_list("pk", flat=True)) for model in CONTENT}


def fingerprint(instance):
    """A digest of what the author could edit in `instance`, as the admin's form would save it unchanged.

    The form strips the text around a value and its textareas send CRLF: a
    demo post saved unchanged in the admin is still the demo's.
    """
    values = {}
    for name in CONTENT[type(instance)]:
        value = getattr(instance, name)
        if isinstance(value, str):
            value = _text(value)
        elif hasattr(value, "isoformat"):
            # The demo's dates carry the microseconds of the moment it was loaded; the admin's form has none.
            value = value.replace(microsecond=0).isoformat()
        elif name == "file":
            value = value.name
        values[name] = value
    if isinstance(instance, Post):
        values["tags"] = sorted(instance.tags.values_list("name", flat=True))
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def unchosen(site):
    """Of the demo's site settings (site.yaml), those the author has not chosen: still at their first value, and
    given by no ESCRIBE_* variable. A blog the author named keeps its name through the demo."""
    if not site:
        return site
    now, first = site_file.values(), site_file.values(SiteSettings(pk=1, **first_values()))
    return {
        name: value for name, value in site.items()
        if name not in settings.SITE_SETTINGS_FROM_ENV and now[name] == first[name]
    }  # fmt: skip


def record(before, spam_before, site_before):
    """Record the rows created since `before` (a snapshot()) as the demo's, the counter and site settings before."""
    spam = SpamReport.current()
    site = site_file.values()
    load = DemoLoad.objects.create(
        spam_killed_before=spam_before.killed, spam_since_before=spam_before.since_year,
        spam_killed=spam.killed, spam_since=spam.since_year,
        site_settings={name: [site_before[name], site[name]] for name in site if site[name] != site_before[name]},
    )  # fmt: skip
    _record_items(load, [instance for model, ids in before.items() for instance in model.objects.exclude(pk__in=ids)])
    return load


def _record_items(load, instances):
    DemoItem.objects.bulk_create(
        DemoItem(load=load, content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk,
                 fingerprint=fingerprint(instance))
        for instance in instances
    )  # fmt: skip


def recognise(folder):
    """Record the demo a load from before this record existed left here, as far as it is still as `folder` has it.

    Only where nothing is recorded at all. A post counts when its slug, title,
    body, summary and tags are the file's (its dates were moved at load time,
    so they cannot tell), and one at a demo post's address that differs is
    recorded as edited (kept, and named); a page, blurb, tag or upload counts
    when it is the folder's too; a comment when it is on such a post with the
    file's name and text. The counter is the demo's when it reads the demo's
    start year. Returns how many rows were recognised.
    """
    if DemoLoad.objects.exists():
        return 0
    files = {post_file.slug: post_file for _, post_file in folder.posts}
    candidates = Post.objects.filter(slug__in=files).prefetch_related("tags", "comments")
    posts = [post for post in candidates if _same_post(post, files[post.slug])]
    if not posts:
        return 0
    # At a demo post's address but no longer as the file has it: edited, so remove_demo keeps it and says so.
    edited = [post for post in candidates if post not in posts]
    found = list(posts)
    for post in posts:
        written = {(data["name"], _text(data["text"])) for data in folder.comments.get(post.slug, (None, []))[1]}
        found += [comment for comment in post.comments.all() if (comment.author_name, _text(comment.body)) in written]
    found += [blurb for _, meta, body in folder.blurbs for blurb in Blurb.objects.filter(title=meta["title"])
              if _text(blurb.body) == _text(body)]  # fmt: skip
    found += [page for _, meta, body in folder.pages for page in Page.objects.filter(slug=meta["slug"])
              if _text(page.body) == _text(body)]  # fmt: skip
    names = {name.casefold() for name, _ in folder.tags} | {
        name.casefold() for post_file in files.values() for name in post_file.tags
    }
    found += [tag for tag in Tag.objects.all() if tag.name.casefold() in names]
    found += list(Upload.objects.filter(file__in=[data["file"] for data in folder.uploads]))

    loaded_at = min(post.created_at for post in posts)
    load = DemoLoad(loaded_at=loaded_at)
    spam = SpamReport.current()
    if folder.spam_report and spam.since_year == folder.spam_report[1] and spam.killed >= folder.spam_report[0]:
        # Before the demo the counter read 0 since the year the database was made.
        load.spam_killed_before, load.spam_since_before = 0, loaded_at.year
        load.spam_killed, load.spam_since = folder.spam_report
    load.save()
    _record_items(load, found)
    DemoItem.objects.bulk_create(
        DemoItem(load=load, content_type=ContentType.objects.get_for_model(Post), object_id=post.pk, fingerprint="")
        for post in edited
    )
    return len(found)


def recognise_folder(source):
    """recognise() what the demo folder `source` holds; 0 when it cannot be read (a copy without demo/)."""
    try:
        folder = read_folder(source)
    except (FrontMatterError, OSError, UnicodeDecodeError):
        return 0
    if not folder.own_format:
        return 0
    with transaction.atomic():
        return recognise(folder)


def _text(text):
    return text.replace("\r\n", "\n").strip()


def _same_post(post, post_file):
    tags = sorted(tag.name.casefold() for tag in post.tags.all())
    return (post.title, _text(post.body), _text(post.summary), tags) == (
        post_file.title, _text(post_file.body), _text(post_file.summary), sorted(t.casefold() for t in post_file.tags)
    )  # fmt: skip


def present():
    """Whether a demo was loaded here and not removed: one look at a tiny table (every admin page asks)."""
    return DemoLoad.objects.filter(removed_at=None).exists()


def removed():
    """Whether remove_demo took a demo away from this database (seed_demo then loads none again)."""
    return DemoLoad.objects.filter(removed_at__isnull=False).exists()


@dataclass
class Removal:
    """What remove_demo took away (or, dry, would take), and what it left because the author made it theirs."""

    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)  # site settings set back to the author's
    counts: dict[str, int] = field(default_factory=dict)
    spam: tuple | None = None  # the counter's ((killed, since), (killed, since)) before and after

    def count(self, what, number):
        if number:
            self.counts[what] = self.counts.get(what, 0) + number

    def summary(self):
        order = ("posts", "pages", "blurbs", "uploads", "tags", "comments", "comment events", "comment mails")
        return ", ".join(f"{self.counts[what]} {what}" for what in order if what in self.counts) or "nothing"


def _recorded(model):
    """{id: fingerprint} of the demo's rows of `model` that still exist."""
    content_type = ContentType.objects.get_for_model(model)
    recorded = dict(DemoItem.objects.filter(content_type=content_type).values_list("object_id", "fingerprint"))
    return recorded, model.objects.filter(pk__in=recorded)


@transaction.atomic
def remove() -> Removal:
    """Delete what the demo brought and the author left as loaded, in one transaction (a dry run's rolls back)."""
    removal = Removal()
    comments, existing_comments = _recorded(Comment)

    recorded, posts = _recorded(Post)
    gone = []
    for post in posts.order_by("published_at", "pk"):
        others = post.comments.filter(status__in=KEEPS_A_POST).exclude(pk__in=comments)
        if fingerprint(post) != recorded[post.pk]:
            removal.kept.append(f"post {post.title!r}: edited since the demo loaded it")
        elif others.exists():
            removal.kept.append(f"post {post.title!r}: it has comments the demo did not bring")
        else:
            gone.append(post)
            removal.removed.append(f"post {post.title!r}")
    gone_ids = [post.pk for post in gone]
    doomed = set(Comment.objects.filter(post__in=gone_ids).values_list("pk", flat=True))
    # The history of the demo's comments, also of those the moderator deleted already (their events stay).
    deleted_already = set(comments) - set(existing_comments.values_list("pk", flat=True))
    events = CommentEvent.objects.filter(comment_ref__in=doomed | deleted_already)
    removal.count("comments", len(doomed))
    removal.count("comment events", events.count())
    removal.count("comment mails", Notification.objects.filter(comment__in=doomed).count())
    events.delete()
    # The comments, their mail and the posts' redirects go with the posts (on_delete=CASCADE).
    Post.objects.filter(pk__in=gone_ids).delete()
    removal.count("posts", len(gone_ids))

    for model, noun in ((Page, "page"), (Blurb, "blurb")):
        recorded, rows = _recorded(model)
        unchanged = []
        for row in rows:
            if fingerprint(row) == recorded[row.pk]:
                unchanged.append(row.pk)
                removal.removed.append(f"{noun} {row.title!r}")
            else:
                removal.kept.append(f"{noun} {row.title!r}: edited since the demo loaded it")
        model.objects.filter(pk__in=unchanged).delete()
        removal.count(f"{noun}s", len(unchanged))

    recorded, uploads = _recorded(Upload)
    deleted = 0
    for upload in uploads:
        users = upload.used_by()
        if users:
            linked = ", ".join(repr(str(user)) for user in users)
            removal.kept.append(f"upload {upload.file.name!r}: still linked from {linked}")
            continue
        try:
            # One by one: the delete signal removes the files (and their copies) once this transaction commits.
            with transaction.atomic():
                upload.delete()
        except ProtectedError as error:  # chosen elsewhere: the site's sharing image
            chosen = ", ".join(sorted({str(row) for row in error.protected_objects}))
            removal.kept.append(f"upload {upload.file.name!r}: chosen in {chosen}")
            continue
        deleted += 1
        removal.removed.append(f"upload {upload.file.name!r}")
    removal.count("uploads", deleted)

    recorded, tags = _recorded(Tag)
    unused = []
    for tag in tags.order_by("name"):
        if tag.posts.exists():
            removal.kept.append(f"tag {tag.name!r}: a post that stays carries it")
            continue
        if fingerprint(tag) != recorded[tag.pk]:
            removal.kept.append(f"tag {tag.name!r}: edited since the demo loaded it")
        else:
            unused.append(tag.pk)
            removal.removed.append(f"tag {tag.name!r}")
    Tag.objects.filter(pk__in=unused).delete()
    removal.count("tags", len(unused))

    removal.spam = _remove_spam_count()
    _restore_site_settings(removal)
    # What stays is the author's now: no banner for it, and no second removal.
    DemoItem.objects.all().delete()
    DemoLoad.objects.filter(removed_at=None).update(removed_at=timezone.now())
    # Pages go stale through the deletes' signals (blog.changes, comments.changes), once this commits.
    return removal


def _restore_site_settings(removal):
    """Set the settings the demo set back to their values from before, unless the author changed them."""
    now = site_file.values()
    back = {}
    for load in DemoLoad.objects.filter(removed_at=None).order_by("-pk"):
        for name, (before, loaded) in load.site_settings.items():
            label = name.replace("_", " ")
            if now[name] == loaded:
                back[name] = before
                removal.restored.append(f"the blog's {label} from {loaded!r} to {before!r}")
            else:
                removal.kept.append(f"the blog's {label} {now[name]!r}: changed since the demo set it")
    if back:
        site_file.apply(back, "the demo's site settings")


def _remove_spam_count():
    """Take the demo's part of the spam counter away; spam caught since stays counted. Returns (before, after)."""
    before = SpamReport.current()
    loads = DemoLoad.objects.filter(removed_at=None).exclude(spam_killed=None).order_by("pk")
    added = sum(max(load.spam_killed - load.spam_killed_before, 0) for load in loads)
    first = loads.first()
    if first is None:
        return None
    spam_counted(-min(added, before.killed))
    if before.since_year == first.spam_since != first.spam_since_before:
        # "since 2008" was the demo's; the counter is as old as this blog's own count.
        SpamReport.objects.filter(pk=before.pk).update(since_year=first.spam_since_before)
        spam_counter_changed()
    after = SpamReport.current()
    if (before.killed, before.since_year) == (after.killed, after.since_year):
        return None
    return (before.killed, before.since_year), (after.killed, after.since_year)
