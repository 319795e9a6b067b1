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
