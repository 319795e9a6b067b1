"""What the submit view refuses, and how."""

import pytest

from comments.models import Comment, SpamReport
from tests.comment_helpers import post_comment
from tests.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return make_post(slug="target")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_cross_origin_posts_are_refused(client, post, headers):
    response = post_comment(client, post, headers=headers)
    assert response.status_code == 403
    assert "own comment form" in response.content.decode()
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://testserver"}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}],
)
def test_same_origin_and_non_browser_posts_pass(client, post, headers):
    assert post_comment(client, post, headers=headers).status_code == 302
    assert Comment.objects.count() == 1


def test_filled_honeypot_is_kept_as_spam_with_the_same_answer(client, post, use_akismet):
    from tests.akismet_clients import CONFIG, HamClient

    akismet_client = use_akismet(HamClient(config=CONFIG))
    response = post_comment(client, post, homepage="http://buy.example")
    assert response.status_code == 302
    assert response["Location"] == "/post/target/comment/received/"
    comment = Comment.objects.get()
    assert comment.status == "spam"
    assert akismet_client.calls == []
    assert SpamReport.current().killed == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("author_name", "n" * 101, "at most 100 characters"),
        ("author_email", "a" * 250 + "@example.com", "at most 254 characters"),
        ("author_url", "https://example.com/" + "a" * 200, "at most 200 characters"),
        ("body", "b" * 5001, "at most 5000 characters"),
        ("body", "null \x00 byte", "Null characters are not allowed."),
        ("author_name", "Ada\x00", "Null characters are not allowed."),
        ("author_url", "javascript:alert(1)", "starting with http:// or https://"),
        ("author_url", "data:text/html,hi", "starting with http:// or https://"),
        ("author_email", "ada@example.com\nBcc: victim@example.com", "single line"),
        ("author_email", "ada@example.com\r\n", "single line"),
        ("author_name", "Ada\nReader", "single line"),
        ("author_name", "", "This field is required."),
        ("body", "   ", "This field is required."),
    ],
)
def test_bad_fields_give_400_and_no_row(client, post, field, value, message):
    response = post_comment(client, post, **{field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Comment.objects.count() == 0


def test_rate_limit_answers_429_with_a_message(client, post, settings):
    settings.COMMENT_RATE = 3
    for n in range(3):
        assert post_comment(client, post, body=f"Comment number {n}").status_code == 302
    response = post_comment(client, post, body="One too many")
    assert response.status_code == 429
    assert "many comments in the past hour" in response.content.decode()
    assert response["Retry-After"] == "3600"
    assert Comment.objects.count() == 3


def test_rate_limit_is_per_client_ip(client, post, settings):
    settings.COMMENT_RATE = 1
    assert post_comment(client, post, body="first").status_code == 302
    other = client.post(
        f"/post/{post.slug}/comment/",
        {"author_name": "B", "author_email": "b@example.com", "body": "from elsewhere"},
        REMOTE_ADDR="192.0.2.99",
    )
    assert other.status_code == 302


def test_a_duplicate_is_not_stored_twice(client, post):
    assert post_comment(client, post).status_code == 302
    again = post_comment(client, post)
    assert again.status_code == 302
    assert again["Location"] == "/post/target/comment/received/"
    assert Comment.objects.count() == 1
