"""What differs between SQLite and PostgreSQL, in one place: how Django connects to each.

SQLite is the default; ESCRIBE_DATABASE_URL names a PostgreSQL database
instead. settings.py reads the environment and passes the values in; this
module imports no app's models, so any app may ask it what the database can do.
Full-text search differs too; that sits in blog/search.py, the one module
that knows FTS5 and PostgreSQL's tsvector (blog/search_text.py holds what
is the same on both).
"""

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

POSTGRESQL = "django.db.backends.postgresql"
# Django's SQLite backend, creating the database file private (escribe/sqlite/base.py).
SQLITE = "escribe.sqlite"


def connection_settings(url, sqlite_path):
    """The DATABASES["default"] entry: PostgreSQL when `url` is set, else SQLite in the file `sqlite_path`."""
    common = {
        # Keep each thread's connection: opening one (SQLite's PRAGMAs, a
        # PostgreSQL login) per request cost more than some whole pages.
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": True,
    }
    if url:
        return {**_postgresql(url), **common}
    return {**_sqlite(sqlite_path), **common}


def _sqlite(path):
    return {
        "ENGINE": SQLITE,
        "NAME": path,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent workers
            # queue on the busy timeout instead of failing with "database is
            # locked" when a read transaction tries to upgrade to a write.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL",
        },
    }


def _postgresql(url):
    # PostgreSQL's row locks and MVCC need none of SQLite's measures; the URL
    # carries everything else (host, credentials, ?sslmode=...).
    try:
        settings = dj_database_url.parse(url)
    except ValueError:  # an unknown scheme or a malformed URL
        settings = {}
    if settings.get("ENGINE") != POSTGRESQL:
        # Not quoted back: the URL holds a password.
        raise ImproperlyConfigured(
            "ESCRIBE_DATABASE_URL must name a PostgreSQL database (postgres://user:password@host:5432/name); "
            "for SQLite leave it unset and set ESCRIBE_DB_PATH."
        )
    options = settings.setdefault("OPTIONS", {})
    # libpq waits forever for a server that does not answer; a request should
    # fail (and /healthz say so) well within gunicorn's timeout instead.
    options.setdefault("connect_timeout", 10)
    options.setdefault("application_name", "escribe")
    return settings


def serialize(name, using="default"):
    """Make transactions that name the same thing take turns, until the caller's transaction ends.

    For a check followed by an insert that must be one step (a rate limit, a
    duplicate check). SQLite needs nothing: IMMEDIATE transactions already
    hold the one write lock from BEGIN. PostgreSQL takes a transaction-level
    advisory lock on the name's hash. Call inside transaction.atomic().
    """
    from django.db import connections

    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("serialize() only means something inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])
