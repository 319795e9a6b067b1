"""The default file cache: a disk that refuses writes costs a miss, never a page."""

import errno

import pytest
from django.core.cache import caches
from django.core.cache.backends.filebased import tempfile
from django.template import Context, Template

from escribe.cache import FileCache


@pytest.fixture
def full_disk(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)


@pytest.fixture
def file_cache(tmp_path, settings):
    settings.CACHES = {"default": {"BACKEND": "escribe.cache.FileCache", "LOCATION": str(tmp_path)}}
    cache = caches["default"]
    yield cache
    cache.close()


def test_the_cache_works_while_the_disk_does(file_cache):
    assert isinstance(file_cache, FileCache)
    file_cache.set("sidebar", "<aside>", 60)
    assert file_cache.get("sidebar") == "<aside>"
    assert file_cache.add("other", 1) is True


def test_a_full_disk_is_a_cache_miss_not_an_error(file_cache, full_disk):
    file_cache.set("sidebar", "<aside>", 60)
    assert file_cache.get("sidebar") is None
    assert file_cache.add("sidebar", "<aside>") is False


def test_a_cached_fragment_still_renders_on_a_full_disk(file_cache, full_disk):
    template = Template("{% load cache %}{% cache 60 sidebar %}Pile o'Tags{% endcache %}")
    assert template.render(Context()) == "Pile o'Tags"
