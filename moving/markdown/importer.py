"""Writing a read Folder into the blog, in one transaction, with a Report of what changed and why."""

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from blog import uploads
from blog.changes import content_changed
from blog.frontmatter import FrontMatterError
from blog.models import Blurb, Page, Post, Tag, Upload
from comments.models import Comment, CommentEvent, SpamReport
from moving import safe_files, site_file
from moving.imported_html import neutralise
from moving.markdown import permalinks, sources
from moving.markdown.assets import Assets
from moving.markdown.folder import BLOG_FILE, MEDIA_DIR, UPLOADS_FILE, ImportProblem
from moving.markdown.threads import thread_fields


@dataclass
class Report:
    """What an import did (or, dry, would do), one line per thing with the reason."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)
    # Worth the author's eye, nothing wrong: ignored fields, tags left as text, render warnings.
    notes: list[str] = field(default_factory=list)
    # Another engine's posts whose slug was taken: "slug 'links' of FILE is taken by FILE: imported as 'links-2'".
    renamed: list[str] = field(default_factory=list)

    def add(self, action, what, why=""):
        self.lines.append((action, what, why))

    def counts(self):
        return Counter(action for action, _, _ in self.lines)

    def summary(self):
        counts = self.counts()
        return ", ".join(f"{counts[action]} {action}" for action in ("created", "updated", "skipped"))


def import_folder(folder, *, dry_run=False, shift=None, author=None, old_site=None) -> Report:
    """Create or update what `folder` holds, in one transaction (rolled back when `dry_run`); returns the Report.

    Matching is by name, so a second run changes nothing: posts by slug
    (another engine's by their file, moving/markdown/sources.py), tags by
    name ignoring case, blurbs by title, comments by post, author and
    time. `shift` moves every date (the demo's, see seed_demo); comments
    are then never later than now. Imported comments are stored as they
    are, never sent to Akismet nor mailed about. With `old_site` (another
    engine's, moving/markdown/permalinks.py) its files become uploads and
    its addresses redirects.
    """
    importer = _Importer(folder, shift or timedelta(0), author, dry_run)
    importer.old_site = old_site
    try:
        with transaction.atomic():
            importer.run()
            if dry_run:
                transaction.set_rollback(True)
    except BaseException:
        # Uploads' files are written as their rows are made; rolled back, nothing of them stays.
        uploads.delete_files(importer.written)
        raise
    return importer.report


class _Importer:
    def __init__(self, folder, shift, author, dry_run=False):
        self.folder, self.shift, self.author, self.dry_run = folder, shift, author, dry_run
        self.report = Report(notes=list(folder.notes))
        self.tags = {}
        self.written = []
        self.problems = []
        self.old_site = None
        self.now = timezone.now()

    @contextmanager
    def each(self):
        """Note a problem of one thing and go on with the next, so one run names them all; none is saved."""
        try:
            yield
        except (ImportProblem, FrontMatterError) as error:
            self.problems.append(str(error))

    def run(self):
        # Uploads first: the posts that show them are rendered with their sizes and copies.
        new_uploads = {}
        for data in self.folder.uploads:
            with self.each():
                new_uploads[data["file"]] = self.upload(data)
        for name, featured in self.folder.tags:
            with self.each():
                self.tag(name, self.folder.source / BLOG_FILE, featured=featured)
        for path, meta, body in self.folder.blurbs:
            with self.each():
                self.blurb(path, meta, body)
        for path, meta, body in self.folder.pages:
            with self.each():
                self.page(path, meta, body)
        posts = {}
        if self.folder.own_format:
            for path, post_file in self.folder.posts:
                with self.each():
                    posts[post_file.slug] = self.post(path, post_file, Post.objects.filter(slug=post_file.slug).first())
        else:
            self.other_posts()
        for slug, (path, comments) in self.folder.comments.items():
            # Replies after the others, so each finds the comment it answers, wherever it is in the file.
            for data in sorted(comments, key=lambda data: "reply_to" in data) if slug in posts else []:
                with self.each():
                    self.comment(path, posts[slug], data)
        if self.problems:
            # Every problem at once, one a line; raised inside the transaction, so nothing stays.
            raise ImportProblem("\n".join(self.problems))
        if self.folder.spam_report is not None:
            self.spam_report(*self.folder.spam_report)
        for data in self.folder.uploads:
            upload = new_uploads[data["file"]]
            if upload is not None:
                if data.get("post"):
                    Upload.objects.filter(pk=upload.pk).update(post=Post.objects.filter(slug=data["post"]).first())
                # Posts already here that link to it (the import skipped them as unchanged).
                upload.render_users_again()
        if self.folder.site is not None:
            self.site_settings(self.folder.site)

    def upload(self, data):
        """The upload made from the folder's files (None when it is here already): rows and files, unchanged."""
        name, path = data["file"], self.folder.source / UPLOADS_FILE
        existing = Upload.objects.filter(file=name).first()
        if existing is not None:
            if existing.alt_text != (data.get("alt") or ""):
                existing.alt_text = data.get("alt") or ""
                existing.save(update_fields=["alt_text"])
                self.report.add("updated", f"upload {name!r}", "alt text")
            else:
                self.report.add("skipped", f"upload {name!r}", "unchanged")
            return None
        original = self.folder.source / MEDIA_DIR / name
        with safe_files.open_binary(original, self.folder.source) as content:
            try:
                inspected = uploads.inspect(File(content, name=original.name))
            except ValidationError as error:
                raise ImportProblem(f"{path}: {MEDIA_DIR}/{name}: {' '.join(error.messages)}") from error
        copies = data.get("copies") or []
        # The web server picks the content type (and whether a browser shows the file or downloads it)
        # by the name's extension, which an upload's content decides: page.html holding a PNG, or
        # a copy named .html, would be served as a page on the blog's own address.
        if not name.lower().endswith(f".{inspected.extension}"):
            raise ImportProblem(f"{path}: {MEDIA_DIR}/{name} holds a .{inspected.extension} file; name it so.")
        for copy in copies:
            if not uploads.image_type(copy["file"]) or uploads.image_type(copy["file"]) != copy["type"]:
                raise ImportProblem(f"{path}: the copy {copy['file']!r} is not named as a {copy['type']} image.")
        if not self.dry_run:
            for stored_name in [name, *(copy["file"] for copy in copies)]:
                self.store(path, stored_name)
        upload = Upload(
            file=name, original_name=data.get("name") or PurePosixPath(name).name, alt_text=data.get("alt") or "",
            kind=inspected.kind, width=inspected.width, height=inspected.height, size=original.stat().st_size,
            variants=[{"name": c["file"], **{key: c[key] for key in ("width", "height", "type")}} for c in copies],
            uploaded_at=data["uploaded"],
        )  # fmt: skip
        # Not save(): that stores an upload under a new name, and the posts link to this one.
        Upload.objects.bulk_create([upload])
        self.report.add("created", f"upload {name!r}", f"from {MEDIA_DIR}/")
        return upload

    def store(self, path, name):
        """Put the folder's media/<name> into the storage under that very name (the name posts link to)."""
        source = self.folder.source / MEDIA_DIR / name
        if default_storage.exists(name):
            # Left behind by a deleted upload, say: the same bytes are as good as a copy.
            with default_storage.open(name, "rb") as stored, safe_files.open_binary(source, self.folder.source) as new:
                if stored.read() == new.read():
                    return
            raise ImportProblem(f"{path}: another file is stored as {name} already.")
        with safe_files.open_binary(source, self.folder.source) as content:
            stored = default_storage.save(name, File(content))
        self.written.append(stored)
        if stored != name:
            raise ImportProblem(f"{path}: another file is stored as {name} already.")

    def tag(self, name, path, featured=None):
        key = name.casefold()
        if key in self.tags:
            return self.tags[key]
        if len(name) > Tag._meta.get_field("name").max_length:
            raise ImportProblem(f"{path}: the tag name {name!r} is longer than 60 characters.")
        tag, created = Tag.objects.get_or_create_named(name, defaults={"featured": bool(featured)})
        if created:
            self.report.add("created", f"tag {name!r}")
        elif featured is not None and tag.featured != featured:
            tag.featured = featured
            tag.save(update_fields=["featured"])
            self.report.add("updated", f"tag {name!r}", "featured" if featured else "no longer featured")
        elif featured is not None:
            self.report.add("skipped", f"tag {name!r}", "unchanged")
        self.tags[key] = tag
        return tag

    def blurb(self, path, meta, body):
        body = self.neutralised(path, body)
        fields = {"body": body, "position": meta["position"], "visible": meta.get("visible", True)}
        blurb = Blurb.objects.filter(title=meta["title"]).order_by("pk").first()
        if blurb is None:
            blurb = Blurb(title=meta["title"], **fields)
            self.save(blurb, path)
            self.report.add("created", f"blurb {blurb.title!r}", f"from {path.name}")
            return
        self.update(blurb, f"blurb {blurb.title!r}", fields, path)

    def page(self, path, meta, body):
        body = self.neutralised(path, body)
        fields = {
            "title": meta["title"],
            "body": body,
            "position": meta["position"],
            "in_navigation": meta.get("navigation", True),
            "status": Page.Status.DRAFT if meta.get("draft", False) else Page.Status.PUBLISHED,
        }
        page = Page.objects.filter(slug=meta["slug"]).first()
        if page is None:
            page = Page(slug=meta["slug"], **fields)
            # Page.clean() refuses slugs the site answers itself (/archive/, /admin/...).
            self.save(page, path)
            self.report.add("created", f"page {page.slug!r}", f"from {path.name}")
            return
        # The admin's CRLF came out of the export as LF: the same text, not a change.
        page.body = page.body.replace("\r\n", "\n")
        self.update(page, f"page {page.slug!r}", fields, path)

    def update(self, instance, what, fields, path):
        """Save `instance` with `fields` from the file at `path` if any differ; report it (as `what`) either way."""
        changed = _changed(instance, fields)
        if changed:
            self.save(instance, path)
            self.report.add("updated", what, f"{', '.join(changed)} from {path.name}")
        else:
            self.report.add("skipped", what, "unchanged")

    def other_posts(self):
        """Another engine's posts, each matched by its file (sources.py); a taken slug gives the next free one."""
        planned, self.report.renamed = sources.plan(self.folder)
        # The old site's files become uploads as the posts that link to them are written (assets.py).
        self.assets = self.old_site and Assets(self.old_site, self.folder, self.report, self.written, self.dry_run)
        for item in planned:
            if item.record is not None and item.post is None:
                self.report.add("skipped", f"post from {item.path.name}", "deleted here since it was imported")
                continue
            with self.each():
                post_file = self.assets.rewrite(item.path, item.post_file) if self.assets else item.post_file
                post = self.post(item.path, post_file, item.post)
                sources.remember(self.folder, item, post)
                if self.old_site:
                    permalinks.record_redirects(self.old_site, self.folder, item.path, post, post_file, self.report)

    def post(self, path, post_file, post):
        """Create the post of `post_file`, or update `post` (the one it matched) where the file differs."""
        fields = {
            "title": post_file.title,
            "body": self.neutralised(path, post_file.body),
            "summary": self.neutralised(path, post_file.summary),
            "status": Post.Status.DRAFT if post_file.draft else Post.Status.PUBLISHED,
            "published_at": post_file.date + self.shift,
            "comments_enabled": post_file.comments,
        }
        updated_at = None if post_file.updated is None else post_file.updated + self.shift
        tags = [self.tag(name, path) for name in post_file.tags]
        if post is None:
            post = Post(slug=post_file.slug, author=self.author, **fields)
            changed = None
        else:
            # The admin's CRLF came out of the export as LF: the same text, not a change.
            as_exported = {name: getattr(post, name).replace("\r\n", "\n") for name in ("body", "summary")}
            changed = [
                name for name in _changed(post, fields) if name not in as_exported or as_exported[name] != fields[name]
            ]
            if {tag.pk for tag in tags} != set(post.tags.values_list("pk", flat=True)):
                changed.append("tags")
            if updated_at is not None and post.updated_at != updated_at:
                changed.append("updated")
            if not changed:
                self.report.add("skipped", f"post {post.slug!r}", "unchanged")
                return post
        self.save(post, path)
        post.tags.set(tags)
        if updated_at is not None:
            # auto_now stamps the import's time on save(); the file says when the post last changed.
            Post.objects.filter(pk=post.pk).update(updated_at=updated_at)
            post.updated_at = updated_at
            # update() sends no signal; the sitemap's lastmod shows updated_at.
            content_changed()
        self.report.notes += [f"{path}: {warning}" for warning in post.render_warnings]
        if changed is None:
            self.report.add("created", f"post {post.slug!r}", f"from {path.name}")
        else:
            self.report.add("updated", f"post {post.slug!r}", f"{', '.join(changed)} from {path.name}")
        return post

    def moved(self, created):
        """When a comment created at `created` in the file was created here: `shift` later, never after now."""
        # A demo comment moved past now would be from the future. One now for the run: a reply finds its comment.
        return min(created + self.shift, self.now) if self.shift else created

    def comment(self, path, post, data):
        created_at = self.moved(data["created"])
        fields = {"body": data["text"], "status": data["status"], "author_url": data["website"]}
        if "email" in data:
            fields["author_email"] = data["email"]
        what = f"comment by {data['name']!r} on {post.slug!r} at {created_at.isoformat()}"
        comment = Comment.objects.filter(post=post, author_name=data["name"], created_at=created_at).first()
        fields.update(thread_fields(path, post, data, self.moved, comment))
        if comment is None:
            comment = Comment(post=post, author_name=data["name"], created_at=created_at, **fields)
            self.save(comment, path, exclude=[] if data.get("email") else ["author_email"])
            # Not through moderation.receive(): an imported comment was judged where it came from.
            CommentEvent.objects.record(
                comment, CommentEvent.Kind.RECEIVED, detail=f"Imported from {path.name}; not sent to Akismet."
            )
            self.report.add("created", what)
            return
        changed = _changed(comment, fields)
        if changed:
            self.save(comment, path, exclude=[] if comment.author_email else ["author_email"])
            self.report.add("updated", what, ", ".join(changed))
        else:
            self.report.add("skipped", what, "unchanged")

    def spam_report(self, killed, since_year):
        report = SpamReport.current()
        stored = SpamReport.objects.filter(pk=report.pk).exists()
        # Imports only raise the counter (or date its start earlier): spam this blog already killed stays counted.
        if stored and (report.killed, -report.since_year) >= (killed, -since_year):
            unchanged = (report.killed, report.since_year) == (killed, since_year)
            why = "unchanged" if unchanged else f"it already reads {report.killed:,} since {report.since_year}"
            self.report.add("skipped", "spam counter", why)
            return
        report.killed, report.since_year = killed, since_year
        report.save()
        self.report.add("updated", "spam counter", f"{killed:,} since {since_year}")

    def site_settings(self, data):
        # Last: the sharing image may be one of the uploads this import made.
        try:
            changed = site_file.apply(data, self.folder.source / site_file.SITE_FILE)
        except ValueError as error:
            raise ImportProblem(str(error)) from error
        if changed:
            self.report.add("updated", "site settings", ", ".join(name.replace("_", " ") for name in changed))
        else:
            self.report.add("skipped", "site settings", "unchanged")

    def neutralised(self, path, text):
        """text without what cannot work under the site's CSP (moving/imported_html.py); each change is noted."""
        text, notes = neutralise(text)
        self.report.notes += [f"{path}: {note}" for note in notes]
        return text

    def save(self, instance, path, exclude=()):
        """Check `instance` as a form would, then save it; a problem names the file."""
        try:
            instance.full_clean(exclude=["post", "author", "moderated_by", *exclude], validate_unique=False)
        except ValidationError as error:
            problems = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items())
            raise ImportProblem(f"{path}: {problems}") from error
        instance.save()


def _changed(instance, fields):
    """The names of `fields` whose values differ from `instance`'s, which takes the new values."""
    changed = [name for name, value in fields.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, fields[name])
    return changed
