import pytest

from tests.browser import browser  # noqa: F401  (a fixture for the browser tests)


@pytest.fixture
def author(db):
    from tests.factories import make_author

    return make_author()


@pytest.fixture
def author_client(client, author):
    client.force_login(author)
    return client


from tests.akismet_clients import use_akismet  # noqa: E402,F401  (fixture)


@pytest.fixture(autouse=True)
def _empty_cache_between_tests():
    """The in-memory cache outlives a test's database; pages must not."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _after_commit_work_without_commits(request, monkeypatch):
    """Run the page cache's and the post counts' after-commit work at once in `db` tests.

    Those tests run inside a transaction that is rolled back, never committed,
    so on_commit callbacks would never fire. Tests marked
    django_db(transaction=True) commit for real and keep the real behaviour
    (tests/test_pagecache.py and tests/test_counts.py check it).
    """
    marker = request.node.get_closest_marker("django_db")
    if marker and not marker.kwargs.get("transaction") and "live_server" not in request.fixturenames:
        from blog import counts
        from escribe import pagecache

        monkeypatch.setattr(pagecache, "invalidate_on_commit", pagecache.invalidate)
        monkeypatch.setattr(counts, "refresh_on_commit", counts.refresh)


@pytest.fixture(autouse=True)
def _no_akismet_client_between_tests(monkeypatch):
    """Each test starts with no Akismet client built."""
    from comments import spam

    monkeypatch.setattr(spam, "_client", None)
