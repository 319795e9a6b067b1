import pytest

from tests.browser import browser  # noqa: F401  (a fixture for the browser tests)
from tests.stack import stack  # noqa: F401  (a fixture for the stack tests)


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
    """The in-memory cache outlives a test's database (the recheck back-off is kept there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_akismet_client_between_tests(monkeypatch):
    """Each test starts with no Akismet client built."""
    from comments import spam

    monkeypatch.setattr(spam, "_client", None)
