"""Reading a Markdown folder, E-Scribe's own format or another engine's, into a Folder: checked, nothing written."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from django.utils import timezone

from blog import frontmatter
from blog.frontmatter import FrontMatterError, PostFile
from comments.models import Comment
from moving import safe_files, site_file
from moving.markdown.other_engines import read_other_folder
from moving.markdown.problems import Problems

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
COMMENT_FIELDS = {"name", "email", "website", "text", "status", "created", "reply_to", "by_author"}
# reply_to of a reply whose comment was deleted (the others name theirs: {name, created}).
REMOVED = "a removed comment"


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
    # Other engines: each post file's front matter as written (its permalink, url, aliases, categories).
    front_matter: dict[Path, dict] = field(default_factory=dict)


def read_folder(source, default_tz=None) -> Folder:
    """Read and check every file of the folder `source`; raises FrontMatterError naming every bad file, one a line.

    Another engine's repeated slugs are no problem here: the import gives them the next free one.
    """
    source = Path(source)
    if not source.is_dir():
        raise FrontMatterError(f"{source}: not a folder.")
    if (source / BLOG_FILE).exists() or (source / BLOG_FILE).is_symlink():
        return _read_own_folder(source)
    posts, notes, front_matter = read_other_folder(source, default_tz or timezone.get_current_timezone())
    return Folder(source, False, posts, notes=notes, front_matter=front_matter)


def _read_own_folder(source):
    problems = Problems()
    # The folder is E-Scribe's own export: a link anywhere in it (media/ included) is someone's doing.
    for link in safe_files.walk(source)[1]:
        problems.add(safe_files.refuse_link(link))
    folder = Folder(source, True, [])
    for step in (_read_blog_file, _read_blurbs, _read_pages, _read_posts, _read_comments, _read_extras):
        step(folder, problems)
    problems.raise_any()
    return folder


def _text(source, path):
    return safe_files.read_text(path, source)


def _read_blog_file(folder, problems):
    with problems.collect():
        folder.tags, folder.as_of = _blog_file(folder.source)


def _blog_file(source):
    name = str(source / BLOG_FILE)
    blog = frontmatter.load_yaml(_text(source, source / BLOG_FILE), name)
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
    return tags, as_of


def _read_blurbs(folder, problems):
    for path in sorted((folder.source / BLURBS_DIR).glob("*.md")):
        with problems.collect():
            meta, body = frontmatter.loads(_text(folder.source, path), str(path))
            if not (set(meta) <= {"title", "position", "visible"} and isinstance(meta.get("title"), str)):
                raise FrontMatterError(f"{path}: a blurb has a title, a position and optionally visible: false.")
            position, visible = meta.get("position"), meta.get("visible", True)
            if not isinstance(position, int) or isinstance(position, bool) or not isinstance(visible, bool):
                raise FrontMatterError(f"{path}: position must be a whole number and visible true or false.")
            folder.blurbs.append((path, meta, body))


def _read_pages(folder, problems):
    for path in sorted((folder.source / PAGES_DIR).glob("*.md")):
        with problems.collect():
            folder.pages.append(_page(folder.source, path))
    slugs = Counter(meta["slug"] for _, meta, _ in folder.pages)
    for path, meta, _ in folder.pages:
        if slugs[meta["slug"]] > 1:
            problems.add(f"{path}: another file in {PAGES_DIR}/ has the slug {meta['slug']!r} too.")


def _read_posts(folder, problems):
    seen = {}
    for path in sorted(folder.source.glob(POST_FILES)):
        with problems.collect():
            post = PostFile.from_text(_text(folder.source, path), str(path))
            folder.posts.append((path, post))
            if post.slug in seen:
                # An own folder is an export: its slugs are the posts' addresses, one each.
                raise FrontMatterError(f"{path}: the slug {post.slug!r} is also the slug of {seen[post.slug]}.")
            seen[post.slug] = path
    if not folder.posts and not problems.lines:
        problems.add(f"{folder.source}: no post files (named YYYY-MM-DD-slug.md).")


def _read_comments(folder, problems):
    for path in sorted(folder.source.glob("*" + COMMENTS_SUFFIX)):
        with problems.collect():
            post_path = path.with_name(path.name.removesuffix(COMMENTS_SUFFIX) + ".md")
            post = next((post for candidate, post in folder.posts if candidate == post_path), None)
            if post is None:
                raise FrontMatterError(f"{path}: there is no post file {post_path.name} beside it.")
            data = frontmatter.load_yaml(_text(folder.source, path), str(path)) or []
            if not isinstance(data, list):
                raise FrontMatterError(f"{path}: must be a list of comments.")
            folder.comments[post.slug] = (path, [_comment(item, path) for item in data])


def _read_extras(folder, problems):
    source = folder.source
    if (source / SPAM_REPORT_FILE).exists():
        with problems.collect():
            folder.spam_report = _spam_report(source, source / SPAM_REPORT_FILE)
    if (source / UPLOADS_FILE).exists():
        with problems.collect():
            folder.uploads = _uploads(source)
    with problems.collect():
        folder.site = site_file.read(source)


def _page(source, path):
    meta, body = frontmatter.loads(_text(source, path), str(path))
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
    data = frontmatter.load_yaml(_text(source, path), str(path)) or []
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
            if not isinstance(name, str) or outside(name):
                raise FrontMatterError(f"{path}: the file name {name!r} leads outside the media folder.")
            safe_files.check(source / MEDIA_DIR / name, source)
            if not (source / MEDIA_DIR / name).is_file():
                raise FrontMatterError(f"{path}: {MEDIA_DIR}/{name} is missing.")
    return data


def outside(name):
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
    if not isinstance(data.get("by_author", False), bool):
        raise FrontMatterError(f"{path}: a comment's 'by_author' must be true or false, not {data['by_author']!r}.")
    reply_to = data.get("reply_to", REMOVED)
    if reply_to != REMOVED and not (
        isinstance(reply_to, dict)
        and set(reply_to) == {"name", "created"}
        and isinstance(reply_to["name"], str)
        and isinstance(reply_to["created"], datetime)
        and reply_to["created"].utcoffset() is not None
    ):
        raise FrontMatterError(
            f"{path}: a comment's 'reply_to' names the comment it answers by its name and created "
            f"(an ISO 8601 date and time with an offset), or is {REMOVED!r}; not {reply_to!r}."
        )
    # The text as written: a literal block's final newline too, so an exported comment comes back unchanged.
    return {**data, "website": data.get("website", "")}


def _spam_report(source, path):
    data = frontmatter.load_yaml(_text(source, path), str(path))
    if (
        not isinstance(data, dict)
        or set(data) != {"killed", "since_year"}
        or not all(isinstance(value, int) and not isinstance(value, bool) and value >= 0 for value in data.values())
    ):
        raise FrontMatterError(f"{path}: must hold killed and since_year, both whole numbers.")
    return data["killed"], data["since_year"]
