"""Conditional requests Django answers (escribe/conditional.py): 304 for GET and HEAD alike (RFC 9110 13.1.2)."""

import pytest

from tests.support.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def etag(client):
    make_post(title="Validated")
    response = client.get("/")
    assert response.status_code == 200
    return response["ETag"]


def test_head_carries_the_etag_of_get(client, etag):
    assert client.head("/")["ETag"] == etag


@pytest.mark.parametrize("method", ["get", "head"])
@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [("{etag}", 304), ("W/{etag}", 304), ("*", 304), ('"other", {etag}', 304), ('"other"', 200)],
    ids=["strong", "weak", "star", "in a list", "another tag"],
)
def test_if_none_match_is_answered_alike_for_get_and_head(client, etag, method, if_none_match, status):
    response = getattr(client, method)("/", headers={"If-None-Match": if_none_match.format(etag=etag)})
    assert response.status_code == status
