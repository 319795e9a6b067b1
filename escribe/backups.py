"""Backups of the database and the uploads, and restores from them, for `manage.py backup` and `manage.py restore`.

SQLite: SQLite's online backup API copies the live database through the
connection (a consistent snapshot while writers go on committing, WAL and
all) into one self-contained file, checked with PRAGMA integrity_check; a
restore copies the backup back the same way, into the live connection, so
other processes see the restored data at once and nothing is copied over an
open file. PostgreSQL: pg_dump --format=custom, checked with pg_restore
--list, restored with pg_restore in one transaction; the password goes to
both in the environment, never on the command line.

The uploads go into a folder beside the database's copy, hard-linked to
the previous backup's (escribe/backup_media.py). A restore takes from a
backup only the tables E-Scribe's migrations create (escribe/backup_contents.py):
it reads a cleaned private copy of a SQLite backup, and gives pg_restore a
filtered list.

What a restore would change is escribe/backup_changes.py.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import pathname2url

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from psycopg.conninfo import make_conninfo

from escribe import backup_contents, backup_media

# escribe-20261130T040512Z.sqlite3, escribe-20261130T040512Z-before-restore.pgdump
NAME = re.compile(r"^escribe-(?P<stamp>\d{8}T\d{6}Z)(?P<label>-[a-z-]+)?\.(?P<kind>sqlite3|pgdump)$")
STAMP = "%Y%m%dT%H%M%SZ"
BEFORE_RESTORE = "-before-restore"
# OPTIONS Django reads itself; everything else in OPTIONS is a libpq keyword.
DJANGO_ONLY_OPTIONS = {"isolation_level", "server_side_binding", "assume_role", "pool", "cursor_factory"}
PG_TIMEOUT = 3600  # seconds for pg_dump or pg_restore


class BackupError(Exception):
    """A backup could not be made, checked or restored; the message says why."""


class UploadsNotRestored(BackupError):
    """The database was restored, but not every upload could be put back or removed."""


def extension():
    return "sqlite3" if connection.vendor == "sqlite" else "pgdump"


def folder():
    return Path(settings.BACKUP_DIR)


def taken_at(path):
    """When the backup was taken, from its name (else the file's time)."""
    match = NAME.match(Path(path).name)
    if match:
        return datetime.strptime(match["stamp"], STAMP).replace(tzinfo=UTC)
    return datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)


def make_backup(directory=None, label=""):
    """Write a checked backup of the live database, and the uploads beside it, into `directory` (0700).

    Returns the database copy's path. Both parts are written under temporary
    names and renamed once whole, the database's last, so a file with a
    backup's name is always a complete, verified backup.
    """
    directory = Path(directory or folder())
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for _attempt in range(3):
        target = directory / f"escribe-{timezone.now().astimezone(UTC):{STAMP}}{label}.{extension()}"
        if not target.exists():
            break
        time.sleep(1)  # names are to the second: the next second's is free
    else:
        raise BackupError(f"{target} exists already.")
    partial = target.with_name(target.name + ".partial")
    uploads = backup_media.beside(target)
    uploads_partial = uploads.with_name(uploads.name + ".partial")
    partial.unlink(missing_ok=True)  # left by a run that was killed
    shutil.rmtree(uploads_partial, ignore_errors=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(partial)
        else:
            _pg_dump(partial)
        verify(partial)
        # After the database: every upload it names is in the copy (unless deleted meanwhile).
        media = backup_media.media_root()
        if media is not None:
            backup_media.copy(media, uploads_partial, _latest_uploads(directory))  # no folder yet: no uploads
            os.replace(uploads_partial, uploads)
        os.replace(partial, target)  # last: a backup's name means both parts are whole
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(uploads_partial, ignore_errors=True)
    return target


def _latest_uploads(directory):
    """The newest backup's uploads folder in `directory`, to link unchanged files to (None: there is none)."""
    for path in newest_first(directory):
        if backup_media.beside(path).is_dir():
            return backup_media.beside(path)
    return None


def newest_first(directory):
    """The backups' database copies in `directory`, the newest first."""
    return sorted(
        (path for path in Path(directory).iterdir() if NAME.match(path.name)),
        key=lambda path: (NAME.match(path.name)["stamp"], path.name),
        reverse=True,
    )


def verify(path):
    """Raise BackupError unless `path` is a whole backup this database can restore."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    if connection.vendor == "sqlite":
        try:
            with sqlite_read_only(path) as backup:
                result = [row[0] for row in backup.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a SQLite database ({error}).") from None
        if result != ["ok"]:
            raise BackupError(f"{path} failed SQLite's integrity check: {'; '.join(result[:5])}")
    else:
        _pg_listing(path)


def rotate(directory, keep, keeping):
    """Delete all but the `keep` newest backups in `directory`, never `keeping`; returns the deleted paths.

    A backup's uploads folder goes with it; other backups' links keep the files they share.
    """
    backups = newest_first(directory)
    deleted = []
    for path in backups[keep:]:
        if path != Path(keeping):
            path.unlink()
            shutil.rmtree(backup_media.beside(path), ignore_errors=True)
            deleted.append(path)
    # Uploads whose database copy never got its name (a run killed between the two renames).
    named = {backup_media.beside(path) for path in backups}
    for uploads in Path(directory).glob(f"escribe-*{backup_media.SUFFIX}"):
        if uploads not in named and NAME.match(uploads.stem + ".sqlite3"):
            shutil.rmtree(uploads, ignore_errors=True)
    return deleted


@dataclass
class Backup:
    """A backup as a restore takes it (see opened())."""

    path: Path
    tables: set[str]  # the backup's tables a restore reads; nothing else of it is read
    refused: list[str]  # what the restore leaves out, as "trigger approve_all"
    readable: Path | None = None  # SQLite: the cleaned private copy that is read and restored
    restore_list: Path | None = None  # PostgreSQL: pg_restore's --use-list
    uploads: Path | None = None  # the backup's uploads folder (None: an older backup without one)


@contextmanager
def opened(path):
    """The backup at `path`, checked, with only the tables E-Scribe's migrations create; raises BackupError."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    uploads = backup_media.beside(path) if backup_media.beside(path).is_dir() else None
    try:
        if connection.vendor == "sqlite":
            judged = backup_contents.judge_sqlite(_sqlite_schema(path))
        else:
            listing = _pg_listing(path)  # verify()'s check, whose listing is judged
            script = pg_tool("pg_restore", "--schema-only", "--file=-", str(path))
            if script.returncode != 0:
                raise BackupError(f"{path} is not a whole pg_dump archive: {script.stderr.strip()}")
            judged, restore_list = backup_contents.judge_pg_list(listing, script.stdout)
    except backup_contents.Unrestorable as error:
        raise BackupError(f"{path} is not a backup E-Scribe can restore: {error}") from None
    # On the backups' disk, which has room for a database: /tmp may be a small tmpfs.
    folder().mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restoring-", dir=folder()) as scratch:
        backup = Backup(path, judged.tables, judged.refused, uploads=uploads)
        if connection.vendor == "sqlite":
            backup.readable = Path(scratch) / path.name
            _sqlite_clean_copy(path, backup.readable, judged)
        else:
            backup.restore_list = Path(scratch) / "restore.list"
            backup.restore_list.write_text(restore_list)
        yield backup


def restore(backup):
    """Replace the live database's contents, and the uploads, with those of `backup` (from opened()).

    The uploads the backup has and the media folder lacks are put back first,
    and taken away again if the database cannot be restored; the rest of the
    folder is made like the backup's only once the database is.

    Returns the uploads' Plan, or None when they were left as they are (an
    older backup without uploads, or uploads in an object store).
    """
    media = backup_media.media_root()
    plan = backup_media.plan(backup.uploads, media) if backup.uploads and media else None
    added = []
    try:
        if plan:
            backup_media.put_back(backup.uploads, media, plan.back, done=added)
        _restore_database(backup)
    except BaseException:
        backup_media.remove(media, added)
        raise
    if plan:
        try:
            backup_media.put_back(backup.uploads, media, plan.replaced)
            backup_media.remove(media, plan.removed)
        except OSError as error:
            raise UploadsNotRestored(f"the database was restored, but not every upload: {error}") from None
    return plan


def _restore_database(backup):
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            with sqlite_read_only(backup.readable) as copy:
                # Into the live connection: SQLite takes the write lock, other
                # connections wait on their busy timeout, then read the new pages.
                copy.backup(connection.connection)
        except sqlite3.Error as error:  # a full disk, a read-only or locked live database
            raise BackupError(f"SQLite could not restore into the live database: {error}") from None
    else:
        result = pg_tool(
            "pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
            "--no-owner", "--no-privileges", "--use-list", str(backup.restore_list),
            "--dbname", conninfo(), str(backup.path),
        )  # fmt: skip
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed, the database is unchanged: {result.stderr.strip()}")


def unapplied_migrations():
    """Migrations the database now lacks (a backup from before an upgrade), as 'app.name'."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


# SQLite.


@contextmanager
def sqlite_read_only(path):
    uri = "file:" + pathname2url(str(Path(path).resolve())) + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as backup:
        yield backup


def _sqlite_schema(path):
    """A backup's sqlite_master, read without reading anything else of it (no view, no table)."""
    try:
        with sqlite_read_only(path) as backup:
            return backup.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite database ({error}).") from None


def _sqlite_clean_copy(path, target, judged):
    """Copy the backup to `target` page by page (running nothing of it), drop what is refused, and check the rest."""
    try:
        with sqlite_read_only(path) as backup, closing(sqlite3.connect(target)) as copy:
            backup.backup(copy)
            backup_contents.sanitize_sqlite(copy, judged)
    except sqlite3.Error as error:
        raise BackupError(f"{path} could not be read: {error}") from None
    try:
        verify(target)
    except BackupError as error:  # named as the author knows it, not as the private copy
        raise BackupError(str(error).replace(str(target), str(path))) from None


def _sqlite_backup(target):
    connection.ensure_connection()
    try:
        with closing(sqlite3.connect(target)) as copy:
            # One step (pages=-1): a consistent snapshot; in WAL mode writers keep committing meanwhile.
            connection.connection.backup(copy)
            # One self-contained file: no -wal beside it to lose when it is copied elsewhere.
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:  # a full disk or an unwritable folder while copying
        raise BackupError(f"SQLite could not write the copy: {error}") from None


# PostgreSQL.


def conninfo(dbname=None):
    """libpq's connection string for the live database (or `dbname` on its server), without the password."""
    db = connection.settings_dict
    params = {
        "host": db["HOST"], "port": db["PORT"], "user": db["USER"], "dbname": dbname or db["NAME"],
        **{key: value for key, value in db.get("OPTIONS", {}).items() if key not in DJANGO_ONLY_OPTIONS},
    }  # fmt: skip
    return make_conninfo(**{key: str(value) for key, value in params.items() if value not in (None, "")})


def password():
    return connection.settings_dict.get("PASSWORD") or None


def pg_tool(program, *args):
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (Debian: apt install postgresql-client).")
    env = dict(os.environ)
    if password():
        env["PGPASSWORD"] = password()
    return subprocess.run([executable, *args], env=env, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False)


def _pg_listing(path):
    """pg_restore --list of the archive at `path`; raises BackupError unless it is a whole pg_dump archive."""
    result = pg_tool("pg_restore", "--list", str(path))
    if result.returncode != 0:
        raise BackupError(f"{path} is not a whole pg_dump archive: {result.stderr.strip()}")
    return result.stdout


def _pg_dump(target):
    result = pg_tool("pg_dump", "--format=custom", "--file", str(target), "--dbname", conninfo())
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
