"""What restoring a backup would change: per model, the rows now and in the backup, and by name those lost and back.

Rows are matched by primary key over every installed model
(apps.get_models()), by table name, so any app's rows are listed and this
module imports no app's models. A row now that the backup lacks would be
lost (a post written since); a row in the backup that is gone now would come
back (a post deleted since). Only the tables the restore would take are read
(escribe/backup_contents.py): a view in the backup is never queried.
"""

import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from django.apps import apps
from django.db import connection

from escribe import backups

# Rows listed by name per model and direction; the rest are counted.
LISTED = 10


@dataclass
class Change:
    """One model's rows: how many now and in the backup, and which would be lost or come back."""

    name: str
    live: int
    backup: int | None  # None: the backup has no such table
    lost: list[str] = field(default_factory=list)
    lost_count: int = 0
    back: list[str] = field(default_factory=list)
    back_count: int = 0
    # Fields of a row in both whose value the restore would change: "title: 'Mine' -> 'Old name'".
    changed: list[str] = field(default_factory=list)


class ComparisonUnavailable(Exception):
    """The live database cannot be compared with the backup; the message says why."""


def compare(backup):
    """The models whose rows a restore of `backup` (from backups.opened()) would change (empty: none)."""
    live_tables = set(connection.introspection.table_names())
    with _backup_cursor(backup) as cursor:
        reader = _BackupReader(cursor, backup.tables)
        changes = []
        for model in _models():
            change = _compare_model(model, reader, live_tables)
            if change.live != change.backup or change.lost_count or change.back_count or change.changed:
                changes.append(change)
        return changes


def _models():
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            yield model


def _compare_model(model, reader, live_tables):
    manager = model._meta.default_manager
    live = set(manager.values_list("pk", flat=True)) if model._meta.db_table in live_tables else set()
    in_backup = reader.ids(model)
    change = Change(str(model._meta.verbose_name_plural), len(live), None if in_backup is None else len(in_backup))
    lost, back = sorted(live - (in_backup or set())), sorted((in_backup or set()) - live)
    change.lost_count, change.back_count = len(lost), len(back)
    change.lost = [_describe(row, _live_row) for row in manager.filter(pk__in=lost[:LISTED]).order_by("pk")]
    change.back = [_describe(row, reader.row) for row in reader.rows(model, back[:LISTED])]
    # A model may name the fields an author would miss if a restore changed them unseen (the blog's title):
    # `shown_on_restore`, read here without importing the app. Only rows on both sides, the first few.
    for name in getattr(model, "shown_on_restore", ()):
        model_field = model._meta.get_field(name)
        for pk in sorted(live & (in_backup or set()))[:LISTED]:
            now, then = _live_row(model, pk), reader.row(model, pk)
            if then is not None and model_field.value_from_object(now) != model_field.value_from_object(then):
                label = model_field.verbose_name
                change.changed.append(
                    f"{label}: {model_field.value_from_object(now)!r} -> {model_field.value_from_object(then)!r}"
                )
    return change


def _live_row(model, pk):
    return model._meta.default_manager.filter(pk=pk).first()


def _describe(row, find):
    """A row as its author knows it: its own name, and what it belongs to (a comment's post)."""
    try:
        text = str(row)
    except Exception:  # noqa: BLE001 - a name needing rows the backup's copy cannot give
        text = f"{row._meta.verbose_name} {row.pk}"
    for parent in row._meta.get_fields():
        if parent.many_to_one and parent.concrete and hasattr(parent.related_model, "get_absolute_url"):
            owner_id = getattr(row, parent.attname)
            owner = find(parent.related_model, owner_id) if owner_id is not None else None
            if owner is not None:
                return f"{text} (on “{owner}”)"
    return text


class _BackupReader:
    """Rows of the backup's tables a restore takes, through a DB-API cursor; no other table is read."""

    def __init__(self, cursor, tables):
        self.cursor = cursor
        self.tables = {name.lower() for name in tables}

    def ids(self, model):
        if model._meta.db_table.lower() not in self.tables:
            return None
        pk = model._meta.pk
        self.cursor.execute(f"SELECT {connection.ops.quote_name(pk.column)} FROM {self._table(model)}")
        return {_python(pk, value) for (value,) in self.cursor.fetchall()}

    def rows(self, model, pks):
        """The backup's rows with these primary keys, as unsaved model instances (for their names only)."""
        if not pks or model._meta.db_table.lower() not in self.tables:
            return []
        fields = model._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        placeholders = ", ".join(["%s" if connection.vendor == "postgresql" else "?"] * len(pks))
        self.cursor.execute(
            f"SELECT {columns} FROM {self._table(model)} WHERE {connection.ops.quote_name(model._meta.pk.column)} "
            f"IN ({placeholders}) ORDER BY 1",
            [model._meta.pk.get_db_prep_value(pk, connection) for pk in pks],
        )
        found = []
        for values in self.cursor.fetchall():
            found.append(model(**{f.attname: _python(f, value) for f, value in zip(fields, values, strict=True)}))
        return found

    def row(self, model, pk):
        rows = self.rows(model, [pk])
        return rows[0] if rows else None

    @staticmethod
    def _table(model):
        return connection.ops.quote_name(model._meta.db_table)


def _python(model_field, value):
    """A raw column value as the model field holds it (SQLite keeps dates as text)."""
    try:
        return model_field.to_python(value)
    except Exception:  # noqa: BLE001 - shown only: a value the field would not take stays as it is
        return value


@contextmanager
def _backup_cursor(backup):
    if connection.vendor == "sqlite":
        with backups.sqlite_read_only(backup.readable) as copy:
            yield copy.cursor()
        return
    with _scratch_database() as name:
        result = backups.pg_tool(
            "pg_restore", "--no-owner", "--no-privileges", "--use-list", str(backup.restore_list),
            "--dbname", backups.conninfo(name), str(backup.path),
        )  # fmt: skip
        if result.returncode != 0:
            raise ComparisonUnavailable(f"the backup could not be read into a scratch database: {result.stderr}")
        with psycopg.connect(backups.conninfo(name), password=backups.password(), autocommit=True) as scratch:
            yield scratch.cursor()


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
            f"(grant it CREATEDB to see what a restore would change): {error}"
        ) from None
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")
