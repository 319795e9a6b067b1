"""Page files in a test: the `pages_dir` fixture turns them on in a temporary folder; what a generation holds."""

from pathlib import Path

import pytest

from escribe import pages


@pytest.fixture
def pages_dir(tmp_path, settings):
    """Page files on, in a temporary folder, for the test client's own address."""
    settings.PAGES_DIR = str(tmp_path / "pages")
    settings.SITE_URL = "http://testserver"
    return Path(settings.PAGES_DIR)


def kept_files(pages_dir):
    generation = pages.current()
    if generation is None:
        return []
    return sorted(str(p.relative_to(generation.path)) for p in generation.path.rglob("*") if p.is_file())
