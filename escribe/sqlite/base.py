"""Django's SQLite backend, with the database file created readable by its owner only.

SQLite creates a missing database file with the process's umask (0644 under
`make run`, 0660 under gunicorn's 007), and its -wal and -shm files with the
database file's mode. Creating the empty file 0600 before SQLite opens it
makes all three private, whatever the umask. Django's documented way to
change a backend is to subclass it; only the connection's first step differs.
"""

import os
from contextlib import suppress

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        if not self.is_in_memory_db():
            create_private(conn_params["database"])
        return super().get_new_connection(conn_params)


def create_private(path):
    """Create an empty file at `path`, mode 0600, unless something is there already."""
    # An existing file keeps its mode; a missing folder or a refusal is left
    # for SQLite to report as the database error callers expect.
    with suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
