"""The uploads in a backup: copied beside the database's copy, linked when unchanged, brought back by restore."""

import os
import shutil
import stat

import pytest

from blog.models import Post
from escribe import backup_media, backups
from tests.support.backups import only_backup
from tests.support.commands import run_or_refusal
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "uploads" / "2026" / "12").mkdir(parents=True)
    return settings.MEDIA_ROOT


def upload(media, name, content):
    path = media / "uploads" / "2026" / "12" / name
    path.write_bytes(content)
    return path


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_backup_copies_the_uploads_privately_and_links_those_the_last_one_holds(backup_dir, media):
    upload(media, "photo.jpg", b"a photo")
    out, error = run_or_refusal("backup")
    assert error is None, error
    first = backup_media.beside(only_backup(backup_dir))
    assert first.name.endswith(".media")
    assert f"Backed up 1 upload file to {first} (1 copied, 0 linked" in out
    photo = first / "uploads" / "2026" / "12" / "photo.jpg"
    assert photo.read_bytes() == b"a photo"
    assert (mode(first), mode(photo.parent), mode(photo)) == (0o700, 0o700, 0o600)

    upload(media, "book.pdf", b"a new book")
    out, error = run_or_refusal("backup")
    assert error is None, error
    second = max(path for path in backup_dir.iterdir() if path.suffix == ".media")
    assert second != first
    assert "Backed up 2 upload files" in out and "(1 copied, 1 linked to the previous backup's copies)" in out
    # The unchanged photo is the first backup's file, not a second copy of it.
    assert (second / "uploads" / "2026" / "12" / "photo.jpg").stat().st_ino == photo.stat().st_ino
    assert (second / "uploads" / "2026" / "12" / "book.pdf").read_bytes() == b"a new book"
    # Deleting the older backup leaves the newer one whole.
    shutil.rmtree(first)
    assert (second / "uploads" / "2026" / "12" / "photo.jpg").read_bytes() == b"a photo"


def test_a_backup_copies_an_upload_again_when_it_changed(backup_dir, media):
    photo = upload(media, "photo.jpg", b"a photo")
    run_or_refusal("backup")
    first = backup_media.beside(only_backup(backup_dir))
    photo.write_bytes(b"another photo")
    os.utime(photo, ns=(1, 1))
    run_or_refusal("backup")
    second = max(path for path in backup_dir.iterdir() if path.suffix == ".media")
    assert (first / "uploads" / "2026" / "12" / "photo.jpg").read_bytes() == b"a photo"
    assert (second / "uploads" / "2026" / "12" / "photo.jpg").read_bytes() == b"another photo"


def test_restore_brings_back_the_uploads_and_removes_those_made_since(backup_dir, media):
    make_post(title="With a photo")
    photo = upload(media, "photo.jpg", b"a photo")
    run_or_refusal("backup")
    path = only_backup(backup_dir)
    photo.unlink()
    later = upload(media, "later.pdf", b"uploaded after the backup")

    out, error = run_or_refusal("restore", str(path))
    assert error is None, error
    assert "upload files: 1 -> 1" in out
    assert "- uploads/2026/12/later.pdf" in out and "+ uploads/2026/12/photo.jpg" in out
    assert later.exists() and not photo.exists()  # a preview changes nothing

    out, error = run_or_refusal("restore", str(path), "--yes")
    assert error is None, error
    assert f"Restored the database and the uploads from {path}" in out
    assert photo.read_bytes() == b"a photo" and not later.exists()
    assert mode(photo) == 0o644  # as the storage writes uploads: nginx reads them
    assert sorted(p.name for p in photo.parent.iterdir()) == ["photo.jpg"]  # no partial copy left

    # The copy taken before the restore holds the uploads as they were: undoing brings them back.
    safety = next(p for p in backup_dir.iterdir() if p.name.endswith(f"-before-restore.{backups.extension()}"))
    _, error = run_or_refusal("restore", str(safety), "--yes")
    assert error is None, error
    assert later.read_bytes() == b"uploaded after the backup" and not photo.exists()


def test_an_older_backup_without_uploads_restores_the_database_and_leaves_the_uploads(backup_dir, media):
    make_post(title="Old post")
    run_or_refusal("backup")
    path = only_backup(backup_dir)
    shutil.rmtree(backup_media.beside(path))  # as made before backups held the uploads
    make_post(title="Written after the backup")
    kept = upload(media, "kept.png", b"an upload")
    out, error = run_or_refusal("restore", str(path))
    assert error is None, error
    assert "Uploads: this backup holds none; a restore leaves the uploads as they are." in out
    out, error = run_or_refusal("restore", str(path), "--yes")
    assert error is None, error
    assert f"Restored the database from {path}" in out
    assert kept.exists()
    assert list(Post.objects.values_list("title", flat=True)) == ["Old post"]


def test_uploads_put_back_are_taken_away_again_when_the_database_cannot_be_restored(backup_dir, media, monkeypatch):
    photo = upload(media, "photo.jpg", b"a photo")
    run_or_refusal("backup")
    path = only_backup(backup_dir)
    photo.unlink()

    def locked(backup):
        raise backups.BackupError("SQLite could not restore into the live database: database is locked")

    monkeypatch.setattr(backups, "_restore_database", locked)
    _, error = run_or_refusal("restore", str(path), "--yes")
    assert error == "Nothing was restored: SQLite could not restore into the live database: database is locked"
    assert not photo.exists()


def test_restore_puts_back_the_backups_copy_of_an_upload_changed_since(backup_dir, media):
    photo = upload(media, "photo.jpg", b"a photo")
    run_or_refusal("backup")
    photo.write_bytes(b"changed by hand")
    out, error = run_or_refusal("restore", str(only_backup(backup_dir)))
    assert error is None, error
    assert "replaced by the backup's (1):\n      ~ uploads/2026/12/photo.jpg" in out
    _, error = run_or_refusal("restore", str(only_backup(backup_dir)), "--yes")
    assert error is None, error
    assert photo.read_bytes() == b"a photo"


def test_a_restore_failing_halfway_through_the_uploads_takes_back_those_it_put_back(backup_dir, media, monkeypatch):
    make_post(title="Old post")
    first, second = upload(media, "a.jpg", b"first"), upload(media, "b.jpg", b"second")
    run_or_refusal("backup")
    first.unlink()
    second.unlink()
    make_post(title="Written after the backup")
    copy2 = shutil.copy2

    def full_disk_at_the_second(source, target):
        if os.path.basename(source) == "b.jpg":
            raise OSError(28, "No space left on device")
        return copy2(source, target)

    monkeypatch.setattr(backup_media.shutil, "copy2", full_disk_at_the_second)
    _, error = run_or_refusal("restore", str(only_backup(backup_dir)), "--yes")
    assert error == "Nothing was restored: [Errno 28] No space left on device"
    assert not first.exists() and not second.exists()
    assert Post.objects.count() == 2


def test_uploads_that_cannot_be_removed_after_the_database_is_restored_are_said_so(backup_dir, media, monkeypatch):
    make_post(title="Old post")
    run_or_refusal("backup")
    path = only_backup(backup_dir)
    make_post(title="Written after the backup")
    upload(media, "later.jpg", b"uploaded after the backup")

    def read_only(root, names):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(backup_media, "remove", read_only)
    _, error = run_or_refusal("restore", str(path), "--yes")
    assert error.startswith("the database was restored, but not every upload: [Errno 30] Read-only file system. ")
    assert error.endswith(f"-before-restore.{backups.extension()} --yes")
    assert list(Post.objects.values_list("title", flat=True)) == ["Old post"]


def test_uploads_in_an_object_store_are_left_to_it(backup_dir, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    make_post(title="Old post")
    out, error = run_or_refusal("backup")
    assert error is None, error
    assert "The uploads are in an object store, not on this machine: back them up there." in out
    path = only_backup(backup_dir)
    assert not backup_media.beside(path).exists()
    out, error = run_or_refusal("restore", str(path), "--yes")
    assert error is None, error
    assert f"Restored the database from {path}" in out
