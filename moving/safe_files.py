"""Reading a folder someone else made: no symbolic link followed, no path leaving it, no file too big to read.

An author imports folders others hand them. A link in one (media/uploads/x.txt
to /etc/passwd or to var/secret_key) would publish what it points to, so every
link is refused, never followed: each part of a path is checked with lstat,
the resolved path must stay inside the folder, and the file itself is opened
with O_NOFOLLOW (a link swapped in after the check fails to open).
"""

import os
import stat
from pathlib import Path

from blog.frontmatter import FrontMatterError

# A post or data file this big is not a post; reading it whole would only use up the memory.
MAX_TEXT_BYTES = 10 * 1024 * 1024


def refuse_link(path):
    """The problem of a symbolic link met in an imported folder."""
    return f"{path}: a symbolic link (to {os.readlink(path)}); an imported folder may hold none, so it is refused."


def check(path, root):
    """Raise FrontMatterError unless `path` is inside `root` with no symbolic link on the way."""
    path, root = Path(path), Path(root)
    try:
        relative = path.relative_to(root)
    except ValueError:
        raise FrontMatterError(f"{path}: outside the folder {root}; refused.") from None
    current = root
    for part in relative.parts:
        current = current / part
        if part == ".." or current.is_symlink():
            raise FrontMatterError(refuse_link(current) if part != ".." else f"{path}: leads outside {root}; refused.")
    if not path.resolve().is_relative_to(root.resolve()):
        raise FrontMatterError(f"{path}: leads outside {root}; refused.")


def open_binary(path, root):
    """The regular file at `path` inside `root`, opened for reading without following a link."""
    check(path, root)
    try:
        # O_NONBLOCK: a FIFO would otherwise block the open until someone writes to it.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise FrontMatterError(f"{path}: cannot be opened ({error.strerror}); refused.") from error
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FrontMatterError(f"{path}: not a regular file; refused.")
    return os.fdopen(fd, "rb")


def read_text(path, root, encoding="utf-8", limit=MAX_TEXT_BYTES):
    """The text of the file at `path` inside `root`: UTF-8, at most `limit` bytes; problems name the file."""
    with open_binary(path, root) as file:
        size = os.fstat(file.fileno()).st_size
        data = file.read(limit + 1) if size <= limit else b""
    if size > limit or len(data) > limit:
        raise FrontMatterError(
            f"{path}: {max(size, len(data)) / 1024 / 1024:.0f} MB, more than the {limit // 1024 // 1024} MB "
            "a post or data file may have; refused."
        )
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FrontMatterError(f"{path}: line {line}: not UTF-8 text; save it as UTF-8 and import again.") from None


def walk(root, enter=None):
    """The regular files under `root` (sorted) and the symbolic links met, which are never followed.

    `enter(path)` says whether to look inside the folder at `path` (all when None).
    """
    files, links = [], []
    folders = [Path(root)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                path = Path(entry.path)
                if entry.is_symlink():
                    links.append(path)
                elif entry.is_dir(follow_symlinks=False):
                    if enter is None or enter(path):
                        folders.append(path)
                elif entry.is_file(follow_symlinks=False):
                    files.append(path)
    return sorted(files), sorted(links)
