"""demo/ as a test changes it: `demo_with_a_picture` copies it with an upload and a post showing it."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from blog.frontmatter import PostFile
from tests.support.images import image_bytes

DEMO = Path(settings.BASE_DIR) / "demo"
PICTURE = "uploads/2026/11/red.png"


@pytest.fixture
def demo_with_a_picture(tmp_path, settings):
    """demo/ with an upload, as an export_markdown folder holds one, and a post showing it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    (folder / "media" / "uploads" / "2026" / "11").mkdir(parents=True)
    (folder / "media" / PICTURE).write_bytes(image_bytes(40, 20))
    (folder / "uploads.yaml").write_text(f"- file: {PICTURE}\n  uploaded: 2026-11-20T10:00:00+00:00\n  alt: Red\n")
    post = PostFile(title="A picture", slug="a-picture", date=timezone.now() - timedelta(days=9),
                    body=f"![Red](/media/{PICTURE})\n")  # fmt: skip
    (folder / "2026-11-21-a-picture.md").write_text(post.to_text(), encoding="utf-8")
    return folder
