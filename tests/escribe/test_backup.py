"""manage.py backup and restore: checked, private, rotated copies; a restore says what it loses, and can be undone."""

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from blog.models import Post
from blog.site import SiteSettings
from comments.models import Comment
from escribe import backup_changes, backups, page_files, pages
from tests.support.backups import only_backup
from tests.support.commands import run_or_refusal
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_post, set_site
from tools.localstack import REPO, drop_database, fresh_database, production_env, run_manage

# Restores write through the test's own connection: no test transaction may be open around them.
pytestmark = pytest.mark.django_db(transaction=True)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def compare(path):
    with backups.opened(path) as backup:
        return backup_changes.compare(backup)


def test_a_backup_is_a_checked_private_copy_named_with_its_time(backup_dir):
    make_post(title="Kept safe")
    out, error = run_or_refusal("backup")
    assert error is None
    path = only_backup(backup_dir)
    assert re.fullmatch(r"escribe-\d{8}T\d{6}Z\.(sqlite3|pgdump)", path.name)
    assert f"Backed up the database to {path}" in out
    assert (mode(backup_dir), mode(path)) == (0o700, 0o600)
    backups.verify(path)
    assert compare(path) == []  # the copy holds exactly what the database holds


def test_backup_keeps_the_newest_and_never_deletes_the_one_just_made(tmp_path):
    old = [tmp_path / f"escribe-2026110{day}T030000Z.sqlite3" for day in range(1, 5)]
    # A clock once set wrong left a backup "from the future"; the new one must survive it.
    future = tmp_path / "escribe-20991231T000000Z.sqlite3"
    just_made = tmp_path / "escribe-20261130T030000Z.sqlite3"
    unrelated = tmp_path / "notes.txt"
    for path in [*old, future, just_made, unrelated]:
        path.touch()
    deleted = backups.rotate(tmp_path, keep=1, keeping=just_made)
    assert set(deleted) == set(old)
    assert {path.name for path in tmp_path.iterdir()} == {future.name, just_made.name, unrelated.name}


def test_backup_refuses_to_keep_no_backup(backup_dir):
    _, error = run_or_refusal("backup", "--keep", "0")
    assert "--keep must be 1 or more" in error
    assert not backup_dir.exists()


def test_backup_rotates_to_keep(backup_dir):
    backup_dir.mkdir()
    for day in range(1, 4):
        (backup_dir / f"escribe-2026110{day}T030000Z.{backups.extension()}").touch()
        (backup_dir / f"escribe-2026110{day}T030000Z.media" / "uploads").mkdir(parents=True)
    # Uploads whose database copy never got its name.
    (backup_dir / "escribe-20261104T030000Z.media").mkdir()
    out, _ = run_or_refusal("backup", "--keep", "2")
    assert "Deleted 2 older backups, keeping the 2 newest." in out
    # Their uploads went with them.
    names = sorted(path.name for path in backup_dir.iterdir())
    assert names[:2] == ["escribe-20261103T030000Z.media", f"escribe-20261103T030000Z.{backups.extension()}"]
    assert "escribe-20261104T030000Z.media" not in names


def test_restore_without_yes_is_a_preview_naming_what_would_be_lost_and_what_comes_back(backup_dir):
    post = make_post(title="Old post")
    deleted = make_post(title="Deleted since")
    make_comment(deleted, author_name="Bo", body="On the post deleted since.")
    run_or_refusal("backup")
    path = only_backup(backup_dir)
    contents = sorted(p.name for p in backup_dir.iterdir())
    deleted.delete()
    make_post(title="Written after the backup")
    make_comment(post, author_name="Ann", body="Written after the backup too.")
    out, error = run_or_refusal("restore", str(path))
    assert error is None  # a preview is not a failure: exit status 0
    assert out.endswith("This was a preview: nothing was restored. Run again with --yes to restore.\n")
    assert "posts: 2 -> 2" in out and "comments: 1 -> 1" in out
    lost, back = out.index("lost, not in the backup (1):"), out.index("back, deleted since the backup (1):")
    assert lost < out.index("- Written after the backup") < back < out.index("+ Deleted since")
    assert "- Ann on" in out and "(on “Old post”)" in out
    # A comment of the deleted post comes back with it, named with the backup's post.
    assert any(line.startswith("      + ") and "Bo" in line for line in out.splitlines())
    assert "(on “Deleted since”)" in out
    assert "- Old post\n" not in out and "+ Old post\n" not in out
    assert Post.objects.count() == 2 and Comment.objects.count() == 1
    assert sorted(p.name for p in backup_dir.iterdir()) == contents  # no safety copy, no scratch copy left


def test_restore_brings_back_the_backup_and_can_itself_be_undone(backup_dir):
    make_post(title="Old post")
    run_or_refusal("backup")
    path = only_backup(backup_dir)
    make_post(title="Written after the backup")
    out, error = run_or_refusal("restore", str(path), "--yes")
    assert error is None, error
    assert list(Post.objects.values_list("title", flat=True)) == ["Old post"]
    safety = next(p for p in backup_dir.iterdir() if p.name.endswith(f"-before-restore.{backups.extension()}"))
    assert f"Restored the database and the uploads from {path}" in out
    assert f"to undo: manage.py restore {safety} --yes" in out
    assert mode(safety) == 0o600
    out, error = run_or_refusal("restore", str(safety), "--yes")
    assert error is None, error
    assert set(Post.objects.values_list("title", flat=True)) == {"Old post", "Written after the backup"}


def test_restore_makes_every_cached_page_stale(backup_dir, tmp_path, settings):
    settings.PAGES_DIR = str(tmp_path / "pages")
    make_post(title="Deleted later")
    run_or_refusal("backup")
    pages.invalidate()
    page = pages.current().path / "index.html"
    page_files.write_file(pages.current().path, "index.html", b"<p>a page from before the restore</p>")
    assert page.exists()
    _, error = run_or_refusal("restore", str(only_backup(backup_dir)), "--yes")
    assert error is None, error
    assert not (pages.current().path / "index.html").exists()
    assert not page.exists()


def test_restore_refuses_a_file_that_is_not_a_backup(backup_dir, tmp_path):
    make_post()
    bogus = tmp_path / "escribe-20261130T030000Z.sqlite3"
    bogus.write_text("not a database")
    out, error = run_or_refusal("restore", str(bogus), "--yes")
    assert error.startswith("Nothing was restored:")
    assert Post.objects.count() == 1
    assert not backup_dir.exists()


# A backup while writers commit, restored into a fresh folder.

WRITER = """
import itertools, pathlib
from blog.models import Post
stop, name = pathlib.Path(STOP_FILE), WRITER_NAME
for n in itertools.count():
    if stop.exists():
        break
    Post.objects.create(title=f"{name} {n}", slug=f"{name}-{n}", body="Written under load.")
"""

REPORT = """
import json
from blog.models import Post
print(json.dumps(list(Post.objects.values_list("slug", flat=True))))
"""


def install(tmp_path, name):
    """A production-like install of its own under tmp_path/name, its database migrated."""
    env = production_env(tmp_path / name, 443)
    (tmp_path / name).mkdir()
    env["ESCRIBE_BACKUP_DIR"] = str(tmp_path / name / "backups")
    if env["ESCRIBE_DATABASE_URL"]:
        env["ESCRIBE_DATABASE_URL"] = fresh_database(env["ESCRIBE_DATABASE_URL"])
    return env


def slugs(env):
    return json.loads(run_manage(env, "shell", "-v", "0", "-c", REPORT).stdout)


def written(slugs, writer):
    return sorted(int(slug.rsplit("-", 1)[1]) for slug in slugs if slug.startswith(f"{writer}-"))


def test_a_backup_taken_while_writers_commit_restores_whole_into_a_fresh_folder(tmp_path):
    live, fresh = install(tmp_path, "live"), install(tmp_path, "fresh")
    stop = tmp_path / "stop"
    writers = []
    try:
        run_manage(live, "migrate", "--noinput")
        for name in ("alpha", "beta"):
            code = WRITER.replace("WRITER_NAME", repr(name)).replace("STOP_FILE", repr(str(stop)))
            writers.append(subprocess.Popen(
                [sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=REPO, env=live,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            ))  # fmt: skip
        deadline = time.monotonic() + 60
        while len(slugs(live)) < 20:
            assert time.monotonic() < deadline, "the writers wrote nothing"
            assert all(writer.poll() is None for writer in writers), writers[0].communicate()
        out = run_manage(live, "backup").stdout
        time.sleep(0.5)  # the writers go on after the backup
        stop.touch()
        for writer in writers:
            _, errors = writer.communicate(timeout=60)
            assert writer.returncode == 0, errors
        path = Path(re.search(r"Backed up the database to (\S+) ", out).group(1))

        run_manage(fresh, "restore", str(path), "--yes")
        restored, final = slugs(fresh), slugs(live)
        assert len(restored) < len(final)  # the backup ran while the writers committed
        for writer in ("alpha", "beta"):
            # A consistent snapshot: each writer's posts up to some point, none missing in between.
            numbers = written(restored, writer)
            assert numbers == list(range(len(numbers))) and numbers, writer
            assert set(numbers) <= set(written(final, writer))
        if not fresh["ESCRIBE_DATABASE_URL"]:
            with sqlite3.connect(fresh["ESCRIBE_DB_PATH"]) as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert mode(fresh["ESCRIBE_DB_PATH"]) == 0o600
    finally:
        stop.touch()
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.communicate()
        for env in (live, fresh):
            drop_database(SimpleNamespace(env=env))


def test_the_suite_compares_on_the_database_it_runs_on():
    # The PostgreSQL pass of CI must exercise pg_dump, not SQLite's backup API.
    expected = "pgdump" if os.environ.get("ESCRIBE_DATABASE_URL") else "sqlite3"
    assert backups.extension() == expected == {"sqlite": "sqlite3", "postgresql": "pgdump"}[connection.vendor]


def test_a_copy_that_fails_its_check_is_not_kept_as_a_backup(backup_dir, monkeypatch):
    def broken_copy(target):
        Path(target).write_bytes(b"half a database")

    monkeypatch.setattr(backups, "_sqlite_backup", broken_copy)
    monkeypatch.setattr(backups, "_pg_dump", broken_copy)
    _, error = run_or_refusal("backup")
    assert error.startswith("No backup was made:")
    assert list(backup_dir.iterdir()) == []


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's own errors; pg_dump reports its failures through its exit status"
)
def test_a_database_error_while_copying_is_a_clear_message(backup_dir, monkeypatch):
    import sqlite3

    def full_disk(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backups.sqlite3, "connect", full_disk)
    _, error = run_or_refusal("backup")
    assert error == "No backup was made: SQLite could not write the copy: database or disk is full"
    assert list(backup_dir.iterdir()) == []


def test_the_preview_names_the_site_settings_a_restore_would_change(backup_dir):
    set_site(title="Old name", comments_open=True)
    run_or_refusal("backup")
    set_site(title="My blog", comments_open=False)
    out, error = run_or_refusal("restore", str(only_backup(backup_dir)))
    assert error is None
    assert "site settings: 1 -> 1" in out and "changed since the backup (2):" in out
    assert "~ title: 'My blog' -> 'Old name'" in out and "~ comments open: False -> True" in out
    assert SiteSettings.objects.get().title == "My blog"
