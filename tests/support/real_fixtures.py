"""Where the tests find other projects' own test data, which is never committed here (its licence is theirs).

$ESCRIBE_REAL_FIXTURES names a folder holding:

    wordpress-importer/*.xml   the WordPress importer's phpunit/data/ and e2e/fixtures/ files (e2e's
                               wxr-simple.xml as e2e-wxr-simple.xml); theme-unit-test-data.xml among them
    jekyll/test/source/        Jekyll's own test site (git archive HEAD test/source of jekyll/jekyll)

Without it, each test that needs them skips, saying what is missing; the same
behaviours are checked in every run on our own small files (tests/moving/wxr/ and the
tests beside these).
"""

import os
from pathlib import Path

import pytest

ROOT = os.environ.get("ESCRIBE_REAL_FIXTURES", "")
UNSET = "ESCRIBE_REAL_FIXTURES is unset: other projects' test data (tests/support/real_fixtures.py) was not run"


def wordpress_folder():
    """The folder of the WordPress importer's test files, or skip."""
    if not ROOT:
        pytest.skip(UNSET)
    folder = Path(ROOT, "wordpress-importer")
    if not any(folder.glob("*.xml")):
        pytest.skip(f"no *.xml in {folder}: extract the WordPress importer's test files there")
    return folder


def wordpress_file(name):
    """One of the WordPress importer's test files by name, or skip; a missing one fails (the folder is stale)."""
    path = wordpress_folder() / name
    if not path.is_file():
        pytest.fail(f"{name} is not in {path.parent}: extract the WordPress importer's test files there again")
    return path


def jekyll_site():
    """Jekyll's own test site (test/source, with its _posts), or skip."""
    if not ROOT:
        pytest.skip(UNSET)
    site = Path(ROOT, "jekyll", "test", "source")
    if not (site / "_posts").is_dir():
        pytest.skip(f"no Jekyll test site (test/source with _posts) at {site}")
    return site
