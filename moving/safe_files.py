"""Reading a folder someone else made: no symbolic link followed, no path leaving it, no file too big to read.

An author imports folders others hand them. A link in one (media/uploads/x.txt
to /etc/passwd or to var/secret_key) would publish what it points to, so every
link is refused, never followed: each part of a path is checked with lstat,
the resolved path must stay inside the folder, and the file itself is opened
with O_NOFOLLOW (a link swapped in after the check fails to open).
"""

import errno
import os
import stat
from pathlib import Path, PurePosixPath

from blog.frontmatter import FrontMatterError

# A post or data file this big is not a post; reading it whole would only use up the memory.
MAX_TEXT_BYTES = 10 * 1024 * 1024


class Refused(ValueError):
    """A file an import will not read (a link, a path leaving its folder, not a regular file, too big): why."""


class Missing(Refused):
    """No such file in the folder."""


def open_inside(root, relative):
    """The regular file `relative` (a /-separated path) under `root`, opened for reading; no link followed.

    Refused for a path that leaves the folder, a symbolic link anywhere on
    the way (checked on the resolved path, then each folder is opened with
    O_NOFOLLOW from the one above it, so a link put in meanwhile is no way
    out either) and anything but a regular file; Missing when it is not there.
    """
    relative = str(relative)
    parts = PurePosixPath(relative).parts
    if relative.startswith("/") or "\x00" in relative or not parts or any(part in (".", "..") for part in parts):
        raise Refused(f"{relative} leads outside {root}")
    real_root = os.path.realpath(root)
    where = os.path.join(real_root, *parts)
    resolved = os.path.realpath(where)
    if os.path.commonpath([real_root, resolved]) != real_root:
        raise Refused(f"{relative} is a symbolic link out of {root}")
    if resolved != where:
        raise Refused(f"{relative} is a symbolic link, or passes through one, in {root}")
    directory = os.open(real_root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = _open_part(directory, part, relative, root, os.O_DIRECTORY)
            os.close(directory)
            directory = inner
        # O_NONBLOCK: a FIFO would otherwise block the open until someone writes to it.
        descriptor = _open_part(directory, parts[-1], relative, root, os.O_NONBLOCK)
    finally:
        os.close(directory)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise Refused(f"{relative} is not a regular file")
    return os.fdopen(descriptor, "rb")


def read_inside(root, relative, limit):
    """The bytes of the regular file `relative` under `root` (open_inside()); Refused when over `limit` bytes."""
    with open_inside(root, relative) as opened:
        data = opened.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"{relative} is larger than {limit / 1024 / 1024:.0f} MB")
    return data


def _open_part(directory, part, relative, root, flags):
    try:
        return os.open(part, os.O_RDONLY | os.O_NOFOLLOW | flags, dir_fd=directory)
    except OSError as error:
        # A link is ELOOP, or ENOTDIR where a folder was asked for.
        if error.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(directory, part):
            raise Refused(f"{relative} is a symbolic link, or passes through one, in {root}") from None
        if isinstance(error, FileNotFoundError | NotADirectoryError):
            raise Missing(f"no {relative} in {root}") from None
        raise Refused(f"{relative} cannot be read ({error.strerror})") from None


def _is_link(directory, part):
    try:
        return stat.S_ISLNK(os.stat(part, dir_fd=directory, follow_symlinks=False).st_mode)
    except OSError:
        return False


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
    """The regular file at `path` inside `root`, opened for reading without following a link (open_inside())."""
    check(path, root)
    try:
        return open_inside(root, Path(path).relative_to(root).as_posix())
    except Refused as error:
        raise FrontMatterError(f"{path}: cannot be opened: {error}; refused.") from None


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
