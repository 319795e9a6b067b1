"""Backups of the database, and restores from them, for `manage.py backup` and `manage.py restore`.

SQLite: SQLite's online backup API copies the live database through the
connection (a consistent snapshot while writers go on committing, WAL and
all) into one self-contained file, checked with PRAGMA integrity_check; a
restore copies the backup back the same way, into the live connection, so
other processes see the restored data at once and nothing is copied over an
open file. PostgreSQL: pg_dump --format=custom, checked with pg_restore
--list, restored with pg_restore in one transaction; the password goes to
both in the environment, never on the command line.

What a restore would lose is worked out over every installed model
(apps.get_models()), by table name, so any app's rows are counted and this
module imports no app's models.
"""

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import pathname2url

import psycopg
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from psycopg.conninfo import make_conninfo

# escribe-20261130T040512Z.sqlite3, escribe-20261130T040512Z-before-restore.pgdump
NAME = re.compile(r"^escribe-(?P<stamp>\d{8}T\d{6}Z)(?P<label>-[a-z-]+)?\.(?P<kind>sqlite3|pgdump)$")
STAMP = "%Y%m%dT%H%M%SZ"
BEFORE_RESTORE = "-before-restore"
# Live rows listed by name per model; the rest are counted.
LISTED = 10
# OPTIONS Django reads itself; everything else in OPTIONS is a libpq keyword.
DJANGO_ONLY_OPTIONS = {"isolation_level", "server_side_binding", "assume_role", "pool", "cursor_factory"}
PG_TIMEOUT = 3600  # seconds for pg_dump or pg_restore


class BackupError(Exception):
    """A backup could not be made, checked or restored; the message says why."""


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
    """Write a checked backup of the live database into `directory` (0700); returns its path.

    The copy is written under a temporary name and renamed once checked, so a
    file with a backup's name is always a complete, verified backup.
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
    partial.unlink(missing_ok=True)  # left by a run that was killed
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(partial)
        else:
            _pg_dump(partial)
        verify(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def verify(path):
    """Raise BackupError unless `path` is a whole backup this database can restore."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    if connection.vendor == "sqlite":
        try:
            with _sqlite_read_only(path) as backup:
                result = [row[0] for row in backup.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a SQLite database ({error}).") from None
        if result != ["ok"]:
            raise BackupError(f"{path} failed SQLite's integrity check: {'; '.join(result[:5])}")
    else:
        result = _pg_tool("pg_restore", "--list", str(path))
        if result.returncode != 0:
            raise BackupError(f"{path} is not a whole pg_dump archive: {result.stderr.strip()}")


def rotate(directory, keep, keeping):
    """Delete all but the `keep` newest backups in `directory`, never `keeping`; returns the deleted paths."""
    backups = sorted(
        (path for path in Path(directory).iterdir() if NAME.match(path.name)),
        key=lambda path: (NAME.match(path.name)["stamp"], path.name),
        reverse=True,
    )
    deleted = []
    for path in backups[keep:]:
        if path != Path(keeping):
            path.unlink()
            deleted.append(path)
    return deleted


def restore(path):
    """Replace the live database's contents with the backup at `path` (already verified)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            with _sqlite_read_only(path) as backup:
                # Into the live connection: SQLite takes the write lock, other
                # connections wait on their busy timeout, then read the new pages.
                backup.backup(connection.connection)
        except sqlite3.Error as error:  # a full disk, a read-only or locked live database
            raise BackupError(f"SQLite could not restore into the live database: {error}") from None
    else:
        result = _pg_tool(
            "pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
            "--no-owner", "--no-privileges", "--dbname", _conninfo(), str(path),
        )  # fmt: skip
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed, the database is unchanged: {result.stderr.strip()}")


def unapplied_migrations():
    """Migrations the database now lacks (a backup from before an upgrade), as 'app.name'."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


# What a restore would lose.


@dataclass
class Change:
    """One model's rows: how many now, how many in the backup, and the live ones newer than the backup's newest."""

    name: str
    live: int
    backup: int | None  # None: the backup has no such table
    newer: list[str] = field(default_factory=list)
    newer_count: int = 0


class ComparisonUnavailable(Exception):
    """The live database cannot be compared with the backup; the message says why."""


def compare(path):
    """The models whose rows a restore of `path` would change, as Change objects (empty: nothing changes)."""
    live_tables = set(connection.introspection.table_names())
    with _backup_cursor(path) as backup:
        changes = []
        for model in _models():
            change = _compare_model(model, backup, live_tables)
            if change.live != change.backup or change.newer_count:
                changes.append(change)
        return changes


def _models():
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            yield model


def _date_field(model):
    """The field that says when a row was made: created_at, published_at or Meta.get_latest_by."""
    names = ["created_at", "published_at"]
    if isinstance(model._meta.get_latest_by, str):
        names.append(model._meta.get_latest_by.lstrip("-"))
    for name in names:
        try:
            date_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(date_field, models.DateTimeField):
            return date_field
    return None


def _compare_model(model, backup, live_tables):
    table = connection.ops.quote_name(model._meta.db_table)
    live_count = 0  # a fresh database, not migrated yet
    if model._meta.db_table in live_tables:
        with connection.cursor() as live:
            live.execute(f"SELECT COUNT(*) FROM {table}")
            live_count = live.fetchone()[0]
    change = Change(str(model._meta.verbose_name_plural), live_count, backup.count(table))
    date_field = _date_field(model)
    if date_field is None or not live_count:
        return change
    rows = model._meta.default_manager.all()
    if change.backup:
        newest = backup.newest(table, connection.ops.quote_name(date_field.column))
        if newest is not None:
            rows = rows.filter(**{f"{date_field.name}__gt": newest})
    change.newer_count = rows.count()
    change.newer = [_describe(row) for row in rows.order_by(date_field.name)[:LISTED]]
    return change


def _describe(row):
    """A row as its author knows it: its own name, and what it belongs to (a comment's post)."""
    text = str(row)
    for parent in row._meta.get_fields():
        if parent.many_to_one and parent.concrete and hasattr(parent.related_model, "get_absolute_url"):
            owner = getattr(row, parent.name)
            if owner is not None:
                return f"{text} (on “{owner}”)"
    return text


class _BackupReader:
    """Counts and newest dates in a backup, through a DB-API cursor."""

    def __init__(self, cursor, errors):
        self.cursor = cursor
        self.errors = errors

    def count(self, table):
        try:
            self.cursor.execute(f"SELECT COUNT(*) FROM {table}")
        except self.errors:  # a table the backup's older schema did not have
            return None
        return self.cursor.fetchone()[0]

    def newest(self, table, column):
        self.cursor.execute(f"SELECT MAX({column}) FROM {table}")
        value = self.cursor.fetchone()[0]
        if isinstance(value, str):  # SQLite keeps datetimes as UTC text
            value = parse_datetime(value)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
        return value


@contextmanager
def _backup_cursor(path):
    if connection.vendor == "sqlite":
        with _sqlite_read_only(path) as backup:
            yield _BackupReader(backup.cursor(), sqlite3.Error)
        return
    with _scratch_database() as name:
        result = _pg_tool("pg_restore", "--no-owner", "--no-privileges", "--dbname", _conninfo(name), str(path))
        if result.returncode != 0:
            raise ComparisonUnavailable(f"the backup could not be read into a scratch database: {result.stderr}")
        with psycopg.connect(_conninfo(name), password=_password(), autocommit=True) as scratch:
            yield _BackupReader(scratch.cursor(), psycopg.Error)


@contextmanager
def _scratch_database():
    """A new, empty PostgreSQL database to read a backup into, dropped afterwards."""
    name = f"escribe_restore_check_{secrets.token_hex(4)}"
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    except Exception as error:  # noqa: BLE001 - any refusal means the same to the author
        raise ComparisonUnavailable(
            "comparing needs a scratch database, and the database role may not create one "
            f"(grant it CREATEDB to see what a restore would lose): {error}"
        ) from None
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")


# SQLite.


@contextmanager
def _sqlite_read_only(path):
    uri = "file:" + pathname2url(str(Path(path).resolve())) + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as backup:
        yield backup


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


def _conninfo(dbname=None):
    """libpq's connection string for the live database (or `dbname` on its server), without the password."""
    db = connection.settings_dict
    params = {
        "host": db["HOST"], "port": db["PORT"], "user": db["USER"], "dbname": dbname or db["NAME"],
        **{key: value for key, value in db.get("OPTIONS", {}).items() if key not in DJANGO_ONLY_OPTIONS},
    }  # fmt: skip
    return make_conninfo(**{key: str(value) for key, value in params.items() if value not in (None, "")})


def _password():
    return connection.settings_dict.get("PASSWORD") or None


def _pg_tool(program, *args):
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (Debian: apt install postgresql-client).")
    env = dict(os.environ)
    if _password():
        env["PGPASSWORD"] = _password()
    return subprocess.run(
        [executable, *args], env=env, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False
    )


def _pg_dump(target):
    result = _pg_tool("pg_dump", "--format=custom", "--file", str(target), "--dbname", _conninfo())
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
