"""Jekyll, Octopress and Hugo folders: which files are posts, as the engine decides, each read by dialects.py.

Jekyll (and Octopress, a Jekyll site) reads a post from every _posts folder
of the site (foo/_posts/ too, which gives the category foo) and a draft from
_drafts; a post's file is named YYYY-MM-DD-title.EXT and may have any
extension: Markdown (.md, .markdown, .mkdown, .mkdn, .mkd, .mdown) and HTML
are imported as such; others (.text, .textile, .Rmd) Jekyll publishes
without converting, so they are imported as Markdown with a note; .yml and
.yaml are data to Jekyll and images are not text: both are skipped with a
note. A folder without _posts is Hugo's content/ (or a Hugo site whose
content/ it holds): every Markdown or HTML file in it is a post, but
_index.md (a section's page). Symbolic links are never followed; one where
posts are read refuses the folder.
"""

import mimetypes
import re

from moving import safe_files
from moving.markdown.dialects import MARKDOWN_SUFFIXES, read_other_engine
from moving.markdown.problems import Problems

OTHER_ENGINE_SUFFIXES = (*MARKDOWN_SUFFIXES, ".html", ".htm")
POST_FOLDERS = ("_posts", "_drafts")
HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml", "config.json", "config")
# Jekyll's default exclude: a theme gem under vendor/ may hold test posts of its own.
JEKYLL_EXCLUDED = ("node_modules", "vendor")
# Jekyll's DATE_FILENAME_MATCHER, for a file's name (four-digit years: Jekyll's two-digit ones are not read).
_JEKYLL_POST_NAME_RE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}-[^/]*\.[^.]+")
DATA_SUFFIXES = (".yml", ".yaml")


def read_other_folder(source, default_tz):
    """The posts of a Jekyll site or Hugo content folder, read and checked; every problem named in one error.

    Returns (posts, notes, front matter by path); folder.read_folder() makes them a Folder.
    """
    problems, notes, front_matter = Problems(), [], {}
    candidates = _jekyll_posts(source, problems, notes)
    if candidates is None:
        candidates = _hugo_posts(source, problems, notes)
    posts = []
    for path in candidates:
        with problems.collect():
            post, file_notes, front_matter[path] = read_other_engine(path, default_tz, root=source)
            posts.append((path, post))
            notes += file_notes
    if not posts and not problems.lines:
        problems.add(f"{source}: no post files (.md or .markdown) in it or below it.")
    problems.raise_any()
    return posts, notes, front_matter


def _jekyll_posts(source, problems, notes):
    """The files Jekyll reads as posts and drafts, or None when `source` has no _posts folder (not Jekyll's)."""

    def enter(path):
        inside = any(part in POST_FOLDERS for part in path.relative_to(source).parts)
        # Jekyll skips folders named _x or .x (_site, _layouts...) but its _posts and _drafts.
        if path.name.startswith(".") or (path.parent == source and path.name in JEKYLL_EXCLUDED):
            return False
        return inside or path.name in POST_FOLDERS or path.name[0] != "_"

    files, links = safe_files.walk(source, enter)
    in_post_folders = [path for path in files if set(path.relative_to(source).parts[:-1]) & set(POST_FOLDERS)]
    post_links = [path for path in links if set(path.relative_to(source).parts) & set(POST_FOLDERS)]
    if not in_post_folders and not post_links and not (source / "_posts").is_dir():
        return None
    for link in post_links:
        problems.add(safe_files.refuse_link(link))
    if len(links) > len(post_links):
        unread = len(links) - len(post_links)
        notes.append(f"{source}: {unread} symbolic links outside _posts and _drafts, not followed.")
    posts = []
    for path in in_post_folders:
        name = path.name
        if name.startswith((".", "_", "#")) or name.endswith("~"):
            continue  # Jekyll's EntryFilter: hidden, special and backup files
        if "_posts" in path.relative_to(source).parts and not _JEKYLL_POST_NAME_RE.fullmatch(name):
            notes.append(f"{path}: not named YYYY-MM-DD-title.ext, so Jekyll does not read it as a post; skipped.")
        elif path.suffix.lower() in DATA_SUFFIXES:
            notes.append(f"{path}: a {path.suffix} file is data to Jekyll, never a published post; skipped.")
        elif _binary(path):
            notes.append(f"{path}: not text, so Jekyll does not publish it as a post; skipped.")
        else:
            posts.append(path)
    return posts


def _hugo_posts(source, problems, notes):
    """Every Markdown or HTML file of a Hugo content folder (of the site's content/ when given the site)."""
    root = source
    if (source / "content").is_dir() and any((source / name).exists() for name in HUGO_CONFIGS):
        root = source / "content"
    files, links = safe_files.walk(root, lambda path: not path.name.startswith("."))
    for link in links:
        problems.add(safe_files.refuse_link(link))
    posts = []
    for path in files:
        if path.suffix.lower() not in OTHER_ENGINE_SUFFIXES:
            continue  # a page bundle's images and files
        if path.stem == "_index":
            notes.append(f"{path}: a Hugo section page, not a post; skipped.")
        else:
            posts.append(path)
    return posts


def _binary(path):
    kind = mimetypes.guess_type(path.name)[0] or "text/plain"
    return not kind.startswith("text/") and kind.split("/")[0] in ("image", "audio", "video", "font", "application")
