"""Two writers at once, for the tests of counts kept under concurrent writes."""

import threading
import time

import pytest
from django.db import connection, transaction


def needs_two_waiting_writers():
    """Skip on SQLite's in-memory test database, which locks whole tables and does not wait.

    On a real SQLite file IMMEDIATE transactions make writers take turns; the
    PostgreSQL run of the suite is where two writers really overlap.
    """
    if connection.vendor == "sqlite":
        pytest.skip("needs a database that lets two writers wait for each other (the PostgreSQL run)")


def at_once(first, second):
    """Run first() in a transaction that stays open while second() runs, as two writers would."""

    def slowly():
        try:
            with transaction.atomic():
                first()
                time.sleep(0.5)
        finally:
            connection.close()

    other = threading.Thread(target=slowly)
    other.start()
    time.sleep(0.1)
    second()
    other.join(10)
