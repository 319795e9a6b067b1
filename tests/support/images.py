"""Pictures in a test: `image_bytes` makes one in a format Pillow writes; `media_root`, an empty MEDIA_ROOT per test."""

import io

import pytest
from PIL import Image


def image_bytes(width=100, height=50, format_="PNG", colour=(200, 30, 30)):
    """A picture of one colour, as the file a camera or an editor would save."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format_)
    return buffer.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    """An empty media folder for each test (the storage follows the setting)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
