"""The uploads in a backup: a copy of the media folder beside the database's, hard-linked to the previous one.

A backup `escribe-20261130T040512Z.sqlite3` (or `.pgdump`) has its uploads in
the folder `escribe-20261130T040512Z.media` beside it. Upload names are unique
and never reused (blog/uploads.py), so a file in the media folder does not
change once written: a new copy hard-links every file the previous copy
already holds with the same name, size and time, and copies only the rest
(rsync's --link-dest). Each night copies only that day's uploads, fourteen
copies of a 10 GB folder take 10 GB plus two weeks of uploads, and each copy
is still a whole folder on its own: deleting one (rotation) frees only what no
other links, and `rsync -aH` carries the links to another machine. A tar of
the database and the uploads would have been one file, but a whole copy of
the media folder every night.

Only a folder on this machine can be copied this way: with uploads in an
object store (STORAGES["default"] not a FileSystemStorage), media_root() is
None and the store keeps its own copies.
"""

import filecmp
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import FileSystemStorage, storages

SUFFIX = ".media"


def media_root():
    """The folder the uploads are stored in, or None when they are not on this machine's file system."""
    storage = storages["default"]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def beside(database_copy):
    """Where the uploads of the backup whose database copy is `database_copy` are (or go)."""
    return Path(database_copy).with_suffix(SUFFIX)


def files(folder):
    """The regular files under `folder`, as relative POSIX names (symbolic links are not uploads)."""
    found = set()
    if folder is None or not Path(folder).is_dir():
        return found
    folder = Path(folder)
    for parent, dirs, names in os.walk(folder):
        dirs[:] = [name for name in dirs if not (Path(parent) / name).is_symlink()]
        for name in names:
            path = Path(parent) / name
            if path.is_file() and not path.is_symlink():
                found.add(path.relative_to(folder).as_posix())
    return found


def copy(source, target, previous=None):
    """Copy the uploads in `source` into the new folder `target` (0700, files 0600), linking what `previous` holds."""
    target = Path(target)
    target.mkdir(mode=0o700)
    for name in sorted(files(source)):
        original, new = Path(source) / name, target / name
        new.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if previous is not None and _unchanged(original, Path(previous) / name):
            try:
                os.link(Path(previous) / name, new)
                continue
            except OSError:  # another file system, or too many links: copy it instead
                pass
        shutil.copy2(original, new)  # with its time, so tomorrow's copy can link to it
        os.chmod(new, 0o600)


def _unchanged(path, earlier):
    try:
        now, then = path.stat(), earlier.stat()
    except FileNotFoundError:
        return False
    return now.st_size == then.st_size and now.st_mtime_ns == then.st_mtime_ns


@dataclass
class Plan:
    """What restoring a backup's uploads does to the media folder, by file name."""

    back: list[str] = field(default_factory=list)  # in the backup, missing now
    replaced: list[str] = field(default_factory=list)  # in both, different now
    removed: list[str] = field(default_factory=list)  # now, not in the backup
    live: int = 0
    backup: int = 0


def plan(snapshot, root):
    in_backup, live = files(snapshot), files(root)
    both = in_backup & live
    return Plan(
        back=sorted(in_backup - live),
        replaced=sorted(name for name in both if not filecmp.cmp(Path(snapshot) / name, Path(root) / name)),
        removed=sorted(live - in_backup),
        live=len(live),
        backup=len(in_backup),
    )


def put_back(snapshot, root, names, done=None):
    """Copy `names` from the backup's uploads into the media folder, each whole or not at all.

    Each name is appended to `done` once its file is in place, so a caller can take back what a failure left.
    """
    mode = storages["default"].file_permissions_mode or 0o644
    done = [] if done is None else done
    for name in names:
        target = Path(root) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restoring")
        shutil.copy2(Path(snapshot) / name, partial)
        os.chmod(partial, mode)  # as the storage writes uploads: nginx serves them
        os.replace(partial, target)
        done.append(name)
    return done


def remove(root, names):
    """Delete `names` from the media folder, and the folders that leaves empty."""
    root = Path(root)
    for name in names:
        path = root / name
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == root or not parent.is_relative_to(root) or any(parent.iterdir()):
                break
            parent.rmdir()
