"""Jekyll, Octopress and Hugo folders: which files are posts, each read by moving/markdown/dialects.py."""

from blog.frontmatter import FrontMatterError
from moving.markdown.dialects import read_other_engine

OTHER_ENGINE_SUFFIXES = (".md", ".markdown")


def read_other_folder(source, default_tz):
    posts, notes, front_matter = [], [], {}
    # A Jekyll or Octopress site: its posts are in _posts and _drafts; its other pages (about.md, README.md) are not.
    roots = [source / name for name in ("_posts", "_drafts") if (source / name).is_dir()] or [source]
    for path in sorted(path for root in roots for path in root.rglob("*")):
        if path.suffix not in OTHER_ENGINE_SUFFIXES or not path.is_file():
            continue
        if path.name.startswith("_index."):
            notes.append(f"{path}: a Hugo section page, not a post; skipped.")
            continue
        post, file_notes, front_matter[path] = read_other_engine(path, default_tz)
        posts.append((path, post))
        notes += file_notes
    if not posts:
        raise FrontMatterError(f"{source}: no post files (.md or .markdown) in it or below it.")
    from moving.markdown.folder import Folder

    return Folder(source, False, posts, notes=notes, front_matter=front_matter)
