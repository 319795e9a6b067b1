"""escribe/database.py: SQLite by default, PostgreSQL when ESCRIBE_DATABASE_URL names it."""

import os
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from escribe.database import connection_settings

SQLITE_FILE = Path("/srv/escribe/var/escribe.sqlite3")


def test_without_a_url_sqlite_keeps_its_pragmas_and_immediate_transactions():
    settings = connection_settings("", SQLITE_FILE)
    assert settings["ENGINE"] == "escribe.sqlite"
    assert settings["NAME"] == SQLITE_FILE
    assert settings["OPTIONS"] == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL",
    }
    assert settings["CONN_MAX_AGE"] is None
    assert settings["CONN_HEALTH_CHECKS"] is True


def test_a_postgres_url_selects_postgresql_with_persistent_checked_connections():
    settings = connection_settings("postgres://escribe:p%40ss@db.internal:6432/blog", SQLITE_FILE)
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert (settings["NAME"], settings["USER"], settings["PASSWORD"]) == ("blog", "escribe", "p@ss")
    assert (settings["HOST"], str(settings["PORT"])) == ("db.internal", "6432")
    assert settings["CONN_MAX_AGE"] is None
    assert settings["CONN_HEALTH_CHECKS"] is True
    # None of SQLite's options reach psycopg, which would refuse them.
    assert settings["OPTIONS"] == {"connect_timeout": 10, "application_name": "escribe"}


def test_options_in_the_url_reach_the_connection_and_override_the_defaults():
    settings = connection_settings("postgresql://escribe@/blog?sslmode=require&connect_timeout=3", SQLITE_FILE)
    assert settings["OPTIONS"]["sslmode"] == "require"
    assert settings["OPTIONS"]["connect_timeout"] == 3


@pytest.mark.parametrize("url", ["sqlite:///tmp/blog.sqlite3", "mysql://escribe:pw@db/blog", "not a url"])
def test_a_url_that_names_no_postgresql_database_is_refused_without_echoing_it(url):
    with pytest.raises(ImproperlyConfigured, match="ESCRIBE_DATABASE_URL must name a PostgreSQL database") as raised:
        connection_settings(url, SQLITE_FILE)
    assert url not in str(raised.value)


def test_the_suite_runs_on_the_database_the_environment_names():
    # Guards the PostgreSQL pass of CI against quietly testing SQLite again.
    expected = "postgresql" if os.environ.get("ESCRIBE_DATABASE_URL") else "sqlite"
    assert connection.vendor == expected
