"""Which file keeps which page, and writing it: the naming and disk rules of readers' pages as files.

escribe/pages.py decides which generation (folder) a page goes into and when
it goes stale; this module knows only a folder, a URL path and a body, so the
static export (moving/static_site) writes its copy by the same rules.
"""

import gzip
import os
import re
import threading
from pathlib import Path, PurePosixPath

# What a file's extension says to nginx (its `types` block in deploy/nginx
# lists the same pairs); other content types are never written.
EXTENSIONS = {
    "text/html": "html",
    "application/atom+xml": "atom",
    "application/rss+xml": "rss",
    "application/xml": "xml",
    "text/plain": "txt",
    "text/markdown": "md",
}
# A path segment that is a plain name: no dot files, no "..", nothing to escape.
_SEGMENT = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,199}$")
MAX_PATH = 1000
# gzip's default: level 9 took 40% longer on a front page for a file 0.5% smaller.
GZIP_LEVEL = 6


def file_for(path, content_type, extensions=EXTENSIONS):
    """The file (relative to a generation) that keeps the page at URL path `path`, or None if it may not be kept.

    "/" -> index.html, "/post/x/" -> post/x/index.html, "/feeds/atom/" ->
    feeds/atom/index.atom, "/robots.txt" -> robots.txt. Only plain names make
    it: nothing that could leave the folder, hide as a dot file or collide
    with a folder URL's index file. `extensions` lets the static export name
    more kinds of files than nginx's page files hold.
    """
    extension = extensions.get(content_type.split(";")[0].strip().lower())
    if extension is None or not path.startswith("/") or len(path) > MAX_PATH:
        return None
    segments = path[1:].split("/")
    if path.endswith("/"):
        segments, name = segments[:-1], f"index.{extension}"
    else:
        name = segments.pop()
        if not name.endswith(f".{extension}") or name.startswith("index."):
            return None
    if not all(_SEGMENT.match(segment) for segment in (*segments, name)):
        return None
    return PurePosixPath(*segments, name)


def write_file(folder, relative, body):
    """Write body (and a gzip twin for nginx's gzip_static) at folder/relative, atomically."""
    folder = Path(folder)
    target = folder / relative
    if folder.resolve() not in target.resolve().parents:
        raise ValueError(f"{relative} leaves {folder}")
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is gone")  # a generation deleted meanwhile: never recreate it
    target.parent.mkdir(parents=True, exist_ok=True)
    # The twin first: a reader may briefly get the new .gz with the old page,
    # both valid for this generation, but never a page without its twin's content.
    _write_atomically(target.with_name(f"{target.name}.gz"), gzip.compress(body, GZIP_LEVEL, mtime=0))
    _write_atomically(target, body)


def _write_atomically(target, data):
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
