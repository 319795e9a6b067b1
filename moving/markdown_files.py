"""A whole blog as a folder of Markdown files: what export_markdown writes, import_markdown and seed_demo read.

The folder, E-Scribe's own format (demo/ is one; demo/README.md describes it):

    blog.yaml                        the tags with their featured flag (and, in demo/, as_of)
    YYYY-MM-DD-slug.md               one post (blog/frontmatter.py's format)
    YYYY-MM-DD-slug.comments.yaml    its comments (optional)
    blurbs/NN-slug.md                one sidebar blurb
    pages/NN-slug.md                 one standalone page (About, Now...), NN its navigation position
    spam-report.yaml                 the spam counter
    site.yaml                        the site settings: title, tagline, footer... (moving/site_file.py)
    uploads.yaml                     the author's uploads: names, alt texts, sizes, copies (when there are any)
    media/uploads/YYYY/MM/name.ext   their files, at the paths posts link to (/media/...)

A folder without blog.yaml is another engine's: every .md or .markdown file
under it (under _posts and _drafts if it has them) is a Jekyll, Octopress or
Hugo post (read_other_engine). Own files
are read strictly and their bodies kept byte for byte, which is what makes a
round trip byte-identical; other engines' bodies get the engine's fences.

Everything is read and checked before anything is written, and written in one
transaction: a bad file imports nothing.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from blog import frontmatter, uploads
from blog.changes import content_changed
from blog.frontmatter import FrontMatterError, PostFile
from blog.models import Blurb, Page, Post, Tag, Upload
from comments import moderation
from comments.models import Comment, CommentEvent, SpamReport
from moving import site_file

BLOG_FILE = "blog.yaml"
SPAM_REPORT_FILE = "spam-report.yaml"
BLURBS_DIR = "blurbs"
PAGES_DIR = "pages"
PAGE_FIELDS = {"title", "slug", "position", "navigation", "draft"}
COMMENTS_SUFFIX = ".comments.yaml"
MEDIA_DIR = "media"
UPLOADS_FILE = "uploads.yaml"
UPLOAD_FIELDS = {"file", "name", "alt", "uploaded", "post", "copies"}
COPY_FIELDS = {"file", "width", "height", "type"}
# YYYY-MM-DD-slug.md: the posts; README.md and the blurbs/ folder are not posts.
POST_FILES = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-*.md"
OTHER_ENGINE_SUFFIXES = (".md", ".markdown")
COMMENT_FIELDS = {"name", "email", "website", "text", "status", "created"}


class ImportProblem(Exception):
    """A file that cannot be imported; the message names it. Raised inside the transaction, so nothing stays."""


@dataclass
class Folder:
    """A blog as its files describe it, read and checked, nothing written yet."""

    source: Path
    own_format: bool
    posts: list[tuple[Path, PostFile]]
    tags: list[tuple[str, bool]] = field(default_factory=list)
    blurbs: list[tuple[Path, dict, str]] = field(default_factory=list)
    pages: list[tuple[Path, dict, str]] = field(default_factory=list)
    comments: dict[str, tuple[Path, list[dict]]] = field(default_factory=dict)
    spam_report: tuple[int, int] | None = None
    as_of: datetime | None = None
    uploads: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    site: dict | None = None  # what site.yaml gives, when there is one


@dataclass
class Report:
    """What an import did (or, dry, would do), one line per thing with the reason."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)
    # Worth the author's eye, nothing wrong: ignored fields, tags left as text, render warnings.
    notes: list[str] = field(default_factory=list)

    def add(self, action, what, why=""):
        self.lines.append((action, what, why))

    def counts(self):
        return Counter(action for action, _, _ in self.lines)

    def summary(self):
        counts = self.counts()
        return ", ".join(f"{counts[action]} {action}" for action in ("created", "updated", "skipped"))


def read_folder(source, default_tz=None) -> Folder:
    """Read and check every file of the folder `source`; raises FrontMatterError naming the first bad file."""
    source = Path(source)
    if not source.is_dir():
        raise FrontMatterError(f"{source}: not a folder.")
    if (source / BLOG_FILE).exists():
        folder = _read_own_folder(source)
    else:
        folder = _read_other_engine(source, default_tz or timezone.get_current_timezone())
    seen = {}
    for path, post in folder.posts:
        if post.slug in seen:
            raise FrontMatterError(f"{path}: the slug {post.slug!r} is also the slug of {seen[post.slug]}.")
        seen[post.slug] = path
    return folder


def _read_own_folder(source):
    name = str(source / BLOG_FILE)
    blog = frontmatter.read_yaml(source / BLOG_FILE)
    if not isinstance(blog, dict) or not set(blog) <= {"as_of", "tags"}:
        raise FrontMatterError(f"{name}: must hold 'tags' (and, for the demo, 'as_of') and nothing else.")
    as_of = blog.get("as_of")
    if as_of is not None and (not isinstance(as_of, datetime) or as_of.utcoffset() is None):
        raise FrontMatterError(f"{name}: 'as_of' must be an ISO 8601 date and time with an offset.")
    tags = []
    for tag in blog.get("tags") or []:
        if not (isinstance(tag, dict) and isinstance(tag.get("name"), str) and isinstance(tag.get("featured"), bool)):
            raise FrontMatterError(f"{name}: each tag needs a name and featured: true or false, not {tag!r}.")
        tags.append((tag["name"], tag["featured"]))

    blurbs = []
    for path in sorted((source / BLURBS_DIR).glob("*.md")):
        meta, body = frontmatter.read(path)
        if not (set(meta) <= {"title", "position", "visible"} and isinstance(meta.get("title"), str)):
            raise FrontMatterError(f"{path}: a blurb has a title, a position and optionally visible: false.")
        position, visible = meta.get("position"), meta.get("visible", True)
        if not isinstance(position, int) or isinstance(position, bool) or not isinstance(visible, bool):
            raise FrontMatterError(f"{path}: position must be a whole number and visible true or false.")
        blurbs.append((path, meta, body))

    pages = [_page(path) for path in sorted((source / PAGES_DIR).glob("*.md"))]
    slugs = Counter(meta["slug"] for _, meta, _ in pages)
    for path, meta, _ in pages:
        if slugs[meta["slug"]] > 1:
            raise FrontMatterError(f"{path}: another file in {PAGES_DIR}/ has the slug {meta['slug']!r} too.")

    posts = [(path, PostFile.read(path)) for path in sorted(source.glob(POST_FILES))]
    if not posts:
        raise FrontMatterError(f"{source}: no post files (named YYYY-MM-DD-slug.md).")

    comments = {}
    for path in sorted(source.glob("*" + COMMENTS_SUFFIX)):
        post_path = path.with_name(path.name.removesuffix(COMMENTS_SUFFIX) + ".md")
        post = next((post for candidate, post in posts if candidate == post_path), None)
        if post is None:
            raise FrontMatterError(f"{path}: there is no post file {post_path.name} beside it.")
        data = frontmatter.read_yaml(path) or []
        if not isinstance(data, list):
            raise FrontMatterError(f"{path}: must be a list of comments.")
        comments[post.slug] = (path, [_comment(item, path) for item in data])

    spam_report = None
    if (source / SPAM_REPORT_FILE).exists():
        spam_report = _spam_report(source / SPAM_REPORT_FILE)
    folder = Folder(source, True, posts, tags, blurbs, pages, comments, spam_report, as_of)
    if (source / UPLOADS_FILE).exists():
        folder.uploads = _uploads(source)
    folder.site = site_file.read(source)
    return folder


def _page(path):
    meta, body = frontmatter.read(path)
    if not (set(meta) <= PAGE_FIELDS and isinstance(meta.get("title"), str) and isinstance(meta.get("slug"), str)):
        raise FrontMatterError(f"{path}: a page has a title, a slug, a position and optionally navigation and draft.")
    position = meta.get("position")
    navigation, draft = meta.get("navigation", True), meta.get("draft", False)
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise FrontMatterError(f"{path}: position must be a whole number, 0 or more.")
    if not (isinstance(navigation, bool) and isinstance(draft, bool)):
        raise FrontMatterError(f"{path}: navigation and draft must be true or false.")
    return path, meta, body


def _uploads(source):
    path = source / UPLOADS_FILE
    data = frontmatter.read_yaml(path) or []
    if not isinstance(data, list):
        raise FrontMatterError(f"{path}: must be a list of uploads.")
    for item in data:
        if not (isinstance(item, dict) and {"file", "uploaded"} <= set(item) <= UPLOAD_FIELDS):
            raise FrontMatterError(f"{path}: each upload has file, uploaded and maybe name, alt, post and copies.")
        copies = item.get("copies") or []
        if not isinstance(copies, list) or not all(isinstance(c, dict) and set(c) == COPY_FIELDS for c in copies):
            raise FrontMatterError(f"{path}: {item['file']!r}: each copy has file, width, height and type.")
        if not isinstance(item["uploaded"], datetime) or item["uploaded"].utcoffset() is None:
            raise FrontMatterError(f"{path}: {item['file']!r}: 'uploaded' must be a date and time with an offset.")
        for name in [item["file"], *(copy["file"] for copy in copies)]:
            if not isinstance(name, str) or _outside(name):
                raise FrontMatterError(f"{path}: the file name {name!r} leads outside the media folder.")
            if not (source / MEDIA_DIR / name).is_file():
                raise FrontMatterError(f"{path}: {MEDIA_DIR}/{name} is missing.")
    return data


def _outside(name):
    parts = PurePosixPath(name).parts
    return not parts or name.startswith("/") or "\\" in name or any(part in ("", ".", "..") for part in parts)


def _comment(data, path):
    if not isinstance(data, dict) or not {"name", "text", "status", "created"} <= set(data) <= COMMENT_FIELDS:
        raise FrontMatterError(f"{path}: each comment has name, text, status, created and maybe email and website.")
    if data["status"] not in Comment.Status.values:
        raise FrontMatterError(
            f"{path}: status must be one of {', '.join(Comment.Status.values)}, not {data['status']!r}."
        )
    if not isinstance(data["created"], datetime) or data["created"].utcoffset() is None:
        raise FrontMatterError(f"{path}: 'created' must be an ISO 8601 date and time with an offset.")
    for key in ("name", "text", "email", "website"):
        if not isinstance(data.get(key, ""), str):
            raise FrontMatterError(f"{path}: a comment's {key!r} must be text, not {data[key]!r}.")
    # The text as written: a literal block's final newline too, so an exported comment comes back unchanged.
    return {**data, "website": data.get("website", "")}


def _spam_report(path):
    data = frontmatter.read_yaml(path)
    if (
        not isinstance(data, dict)
        or set(data) != {"killed", "since_year"}
        or not all(isinstance(value, int) and not isinstance(value, bool) and value >= 0 for value in data.values())
    ):
        raise FrontMatterError(f"{path}: must hold killed and since_year, both whole numbers.")
    return data["killed"], data["since_year"]


def _read_other_engine(source, default_tz):
    posts, notes = [], []
    # A Jekyll or Octopress site: its posts are in _posts and _drafts; its other pages (about.md, README.md) are not.
    roots = [source / name for name in ("_posts", "_drafts") if (source / name).is_dir()] or [source]
    for path in sorted(path for root in roots for path in root.rglob("*")):
        if path.suffix not in OTHER_ENGINE_SUFFIXES or not path.is_file():
            continue
        if path.name.startswith("_index."):
            notes.append(f"{path}: a Hugo section page, not a post; skipped.")
            continue
        post, file_notes = frontmatter.read_other_engine(path, default_tz)
        posts.append((path, post))
        notes += file_notes
    if not posts:
        raise FrontMatterError(f"{source}: no post files (.md or .markdown) in it or below it.")
    return Folder(source, False, posts, notes=notes)


def import_folder(folder, *, dry_run=False, shift=None, author=None) -> Report:
    """Create or update what `folder` holds, in one transaction (rolled back when `dry_run`); returns the Report.

    Matching is by name, so a second run changes nothing: posts by slug, tags
    by name ignoring case, blurbs by title, comments by post, author and
    time. `shift` moves every date (the demo's, see seed_demo); comments
    are then never later than now. Imported comments are stored as they
    are, never sent to Akismet nor mailed about.
    """
    importer = _Importer(folder, shift or timedelta(0), author, dry_run)
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

    def run(self):
        # Uploads first: the posts that show them are rendered with their sizes and copies.
        new_uploads = {data["file"]: self.upload(data) for data in self.folder.uploads}
        for name, featured in self.folder.tags:
            self.tag(name, self.folder.source / BLOG_FILE, featured=featured)
        for path, meta, body in self.folder.blurbs:
            self.blurb(path, meta, body)
        for path, meta, body in self.folder.pages:
            self.page(path, meta, body)
        posts = {}
        for path, post_file in self.folder.posts:
            posts[post_file.slug] = self.post(path, post_file)
        for slug, (path, comments) in self.folder.comments.items():
            for data in comments:
                self.comment(path, posts[slug], data)
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
        with open(original, "rb") as content:
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
            with default_storage.open(name, "rb") as stored:
                if stored.read() == source.read_bytes():
                    return
            raise ImportProblem(f"{path}: another file is stored as {name} already.")
        with open(source, "rb") as content:
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
        fields = {"body": body, "position": meta["position"], "visible": meta.get("visible", True)}
        blurb = Blurb.objects.filter(title=meta["title"]).order_by("pk").first()
        if blurb is None:
            blurb = Blurb(title=meta["title"], **fields)
            self.save(blurb, path)
            self.report.add("created", f"blurb {blurb.title!r}", f"from {path.name}")
            return
        changed = _changed(blurb, fields)
        if changed:
            self.save(blurb, path)
            self.report.add("updated", f"blurb {blurb.title!r}", f"{', '.join(changed)} from {path.name}")
        else:
            self.report.add("skipped", f"blurb {blurb.title!r}", "unchanged")

    def page(self, path, meta, body):
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
        changed = _changed(page, fields)
        if changed:
            self.save(page, path)
            self.report.add("updated", f"page {page.slug!r}", f"{', '.join(changed)} from {path.name}")
        else:
            self.report.add("skipped", f"page {page.slug!r}", "unchanged")

    def post(self, path, post_file):
        fields = {
            "title": post_file.title,
            "body": post_file.body,
            "summary": post_file.summary,
            "status": Post.Status.DRAFT if post_file.draft else Post.Status.PUBLISHED,
            "published_at": post_file.date + self.shift,
            "comments_enabled": post_file.comments,
        }
        updated_at = None if post_file.updated is None else post_file.updated + self.shift
        tags = [self.tag(name, path) for name in post_file.tags]
        post = Post.objects.filter(slug=post_file.slug).first()
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

    def comment(self, path, post, data):
        created_at = data["created"] + self.shift
        if self.shift:
            # A demo comment moved past now would be from the future.
            created_at = min(created_at, timezone.now())
        fields = {"body": data["text"], "status": data["status"], "author_url": data["website"]}
        if "email" in data:
            fields["author_email"] = data["email"]
        what = f"comment by {data['name']!r} on {post.slug!r} at {created_at.isoformat()}"
        comment = Comment.objects.filter(post=post, author_name=data["name"], created_at=created_at).first()
        if comment is None:
            comment = Comment(post=post, author_name=data["name"], created_at=created_at, **fields)
            self.save(comment, path, exclude=[] if data.get("email") else ["author_email"])
            # Not through moderation.receive(): an imported comment was judged where it came from.
            moderation.record(
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


def export_folder(directory, *, with_comments=False, with_emails=False, dry_run=False) -> list[Path]:
    """Write the blog in the own format into `directory` (empty or new); returns the files, unwritten when dry."""
    files = {}
    tags = [{"name": tag.name, "featured": tag.featured} for tag in Tag.objects.order_by("pk")]
    files[BLOG_FILE] = frontmatter.dumps_data({"tags": tags})
    report = SpamReport.current()
    files[SPAM_REPORT_FILE] = frontmatter.dumps_data({"killed": report.killed, "since_year": report.since_year})
    files[site_file.SITE_FILE] = site_file.dumps(with_emails)

    for blurb in Blurb.objects.order_by("position", "pk"):
        meta = {"title": blurb.title, "position": blurb.position}
        if not blurb.visible:
            meta["visible"] = False
        name = _unique(files, f"{BLURBS_DIR}/{blurb.position:02d}-{slugify(blurb.title) or 'blurb'}", ".md")
        files[name] = frontmatter.dumps(meta, blurb.body.replace("\r\n", "\n"))

    for page in Page.objects.order_by("position", "slug"):
        meta = {"title": page.title, "slug": page.slug, "position": page.position}
        if not page.in_navigation:
            meta["navigation"] = False
        if page.status == Page.Status.DRAFT:
            meta["draft"] = True
        body = page.body.replace("\r\n", "\n")
        files[f"{PAGES_DIR}/{page.position:02d}-{page.slug}.md"] = frontmatter.dumps(meta, body)

    stored = [_upload_data(upload) for upload in Upload.objects.order_by("pk").select_related("post")]
    if stored:
        files[UPLOADS_FILE] = frontmatter.dumps_data(stored)

    posts = Post.objects.order_by("published_at", "pk").prefetch_related("tags")
    if with_comments:
        posts = posts.prefetch_related("comments")
    for post in posts:
        post_file = PostFile.from_post(post)
        # The date as the front matter states it, so the name and the file agree.
        stem = f"{post_file.date:%Y-%m-%d}-{post.slug}"
        files[f"{stem}.md"] = post_file.to_text()
        comments = sorted(post.comments.all(), key=lambda c: (c.created_at, c.pk)) if with_comments else []
        if comments:
            files[f"{stem}{COMMENTS_SUFFIX}"] = frontmatter.dumps_data(
                [_comment_data(comment, with_emails) for comment in comments]
            )

    directory = Path(directory)
    paths = [directory / name for name in files]
    media = _media_files(directory)
    if dry_run:
        return paths + list(media)
    for path, text in zip(paths, files.values(), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    for path, name in media.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Through the storage API: the uploads may live in an object store.
        with default_storage.open(name, "rb") as stored, open(path, "wb") as copy:
            for chunk in stored.chunks():
                copy.write(chunk)
    return paths + list(media)


def _media_files(directory):
    """{export path: storage name} of every upload and its copies, under media/ as the posts' URLs name them."""
    media = {}
    for upload in Upload.objects.order_by("pk"):
        for name in upload.stored_names():
            if _outside(name):
                raise OSError(f"the upload {upload.pk} has a file name that leads outside the folder: {name!r}")
            media[directory / MEDIA_DIR / Path(*PurePosixPath(name).parts)] = name
    return media


def _upload_data(upload):
    data = {"file": upload.file.name, "name": upload.original_name, "alt": upload.alt_text}
    data["uploaded"] = upload.uploaded_at
    data["post"] = upload.post.slug if upload.post else None
    sizes = ("width", "height", "type")
    data["copies"] = [{"file": v["name"], **{key: v[key] for key in sizes}} for v in upload.variants]
    return data


def _comment_data(comment, with_emails):
    data = {"name": comment.author_name}
    if with_emails and comment.author_email:
        data["email"] = comment.author_email
    if comment.author_url:
        data["website"] = comment.author_url
    data["status"] = comment.status
    data["created"] = comment.created_at
    # Comments typed into a browser's textarea arrive with CRLF; the files have one kind of line ending.
    data["text"] = comment.body.replace("\r\n", "\n")
    return data


def _unique(files, stem, suffix):
    name, number = f"{stem}{suffix}", 1
    while name in files:
        number += 1
        name = f"{stem}-{number}{suffix}"
    return name
