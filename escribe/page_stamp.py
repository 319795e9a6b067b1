"""The database's word on what changed, for every host's page files (escribe/pages.py).

Each host keeps its page files on its own disk, so a host learns of a change
made on another from the database, the one thing they share: a change
replaces the random `token` of one row (escribe.models.PagesStamp) in its own
transaction, so the row says "changed" exactly when the change is committed.
Each generation records the token it was started under; every worker's
watcher reads the row a few times a second and switches its host's
generation when the tokens differ. Compared for inequality, never order: a
restore that brings back an older row is a change too.

`lazy_token` is replaced by changes pages may lag (the spam counter): other
hosts then make their pages stale within LAZY_SECONDS.
"""

import logging
import secrets

from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

ROW = 1
TOKEN = "token"
LAZY = "lazy_token"
# What a generation records when the database could not say: never equal to a token, so the next look switches.
UNKNOWN = "unknown"
# What it records when the row is missing (a database just emptied): the row's return is a change.
NO_ROW = "none"
# The lag the lazy token allows other hosts (comments.changes.SPAM_COUNTER_LAG).
LAZY_SECONDS = 60

_table_present = False


def table():
    # Asked of the app registry: escribe/ imports no models module, its own included (test_dependencies.py).
    return apps.get_model("escribe", "PagesStamp")._meta.db_table


def present(recheck=False):
    """Whether the table exists: not before its migration (comments' 0003 may change pages before it runs).

    Asked of the schema, not by catching an error, which would break a
    PostgreSQL transaction; once seen, remembered for the process.
    """
    global _table_present
    if recheck or not _table_present:
        _table_present = table() in connection.introspection.table_names()
    return _table_present


def bump(column=TOKEN):
    """Announce a change to every host, in the caller's transaction (at once outside one); once per transaction."""
    if not present():
        return
    if connection.in_atomic_block:
        # Already bumped in this transaction: its callback is still pending
        # (a rolled-back savepoint takes both the row's update and the callback with it).
        if any(getattr(entry[1], "page_stamp", None) == column for entry in connection.run_on_commit):
            return
        transaction.on_commit(_Bumped(column))
    _write(column)


def announce():
    """For commands that replaced data outside any transaction (restore, refresh_pages): bump, or say why not."""
    try:
        if present(recheck=True):
            _write(TOKEN)
        else:
            logger.warning("No %s table (run manage.py migrate): other hosts cannot learn of this change", table())
    except DatabaseError as error:
        logger.warning("Could not tell other hosts the page files are stale: %s", error)


def read():
    """(token, lazy token) as committed, as strings; (NO_ROW, NO_ROW) without the row or the table."""
    if not present():
        return NO_ROW, NO_ROW
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, lazy_token FROM {_quoted()} WHERE id = %s", [ROW])
        row = cursor.fetchone()
    return (str(row[0]), str(row[1])) if row else (NO_ROW, NO_ROW)


def _write(column):
    # Inserted if missing (a test database emptied between tests), else one row's update.
    value = secrets.randbits(63)
    cursor_sql = (
        f"INSERT INTO {_quoted()} (id, token, lazy_token, changed_at) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (id) DO UPDATE SET {column} = excluded.{column}, changed_at = excluded.changed_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(cursor_sql, [ROW, value, value, timezone.now()])


def _quoted():
    return connection.ops.quote_name(table())


class _Bumped:
    """The on_commit marker that says this transaction has bumped `column` already; does nothing when run."""

    def __init__(self, column):
        self.page_stamp = column

    def __call__(self):
        pass
