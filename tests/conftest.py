import pytest

# The fixtures kept with their helpers (tests/support/), for every test folder: pytest reads
# pytest_plugins from the rootdir's conftest only. A plugin another one imports comes first (images before
# demo_folders): pytest rewrites a plugin's asserts only if it is the first to import it.
pytest_plugins = [
    "tests.support.akismet_clients",
    "tests.support.backups",
    "tests.support.browser",
    "tests.support.images",
    "tests.support.demo_folders",
    "tests.support.fake_services",
    "tests.support.page_files",
    "tests.support.stack",
    "tests.support.multistack",
]


@pytest.fixture
def author(db):
    from tests.support.factories import make_author

    return make_author()


@pytest.fixture
def author_client(client, author):
    client.force_login(author)
    return client


@pytest.fixture(autouse=True)
def _empty_cache_between_tests():
    """The in-memory cache outlives a test's database (the sidebar and navigation fragments are kept there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_akismet_client_between_tests(monkeypatch):
    """Each test starts with no Akismet client built."""
    from comments import spam

    monkeypatch.setattr(spam, "_client", None)
