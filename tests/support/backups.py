"""Backups in a test: the `backup_dir` fixture points BACKUP_DIR at a temporary folder; the one backup made there."""

import pytest

from escribe import backups


@pytest.fixture
def backup_dir(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


def only_backup(folder):
    """The one backup's database copy in `folder` (its uploads folder is beside it)."""
    (path,) = [path for path in folder.iterdir() if backups.NAME.match(path.name)]
    return path
