"""Files that hold secrets or personal data are created readable by their owner only, whatever the umask."""

import os
import shutil
import stat
import subprocess

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler

from escribe.database import connection_settings


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    # What `make run` and most shells have: files 0644 unless the code says otherwise.
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def own_connections(django_db_blocker):
    """Connections to databases of the test's own, outside pytest-django's test database."""
    handlers = []

    def connect(path):
        handler = ConnectionHandler({"default": connection_settings("", path)})
        handlers.append(handler)
        return handler["default"]

    with django_db_blocker.unblock():
        yield connect
        for handler in handlers:
            handler.close_all()


def test_a_new_sqlite_database_and_its_wal_files_are_readable_by_their_owner_only(tmp_path, umask_022, own_connections):
    path = tmp_path / "escribe.sqlite3"
    with own_connections(path).cursor() as cursor:
        cursor.execute("CREATE TABLE note (body TEXT)")
        cursor.execute("INSERT INTO note VALUES ('hello')")
    files = [path, tmp_path / "escribe.sqlite3-wal", tmp_path / "escribe.sqlite3-shm"]
    assert {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}


def test_an_existing_database_file_keeps_its_mode(tmp_path, umask_022, own_connections):
    path = tmp_path / "escribe.sqlite3"
    path.touch(mode=0o640)
    own_connections(path).ensure_connection()
    assert mode(path) == 0o640


def test_make_creates_var_and_the_secret_key_for_their_owner_only(tmp_path, umask_022):
    make = shutil.which("make")
    if not make:
        pytest.skip("make is not installed")
    subprocess.run(
        [make, "-s", "-f", str(settings.BASE_DIR / "Makefile"), "var/secret_key"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert mode(tmp_path / "var") == 0o700
    assert mode(tmp_path / "var" / "secret_key") == 0o600
