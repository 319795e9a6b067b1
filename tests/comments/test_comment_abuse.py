"""What the submit view refuses, and how."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from comments.models import Comment, SpamReport
from tests.support.comment_helpers import post_comment
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db


class Form(HTMLParser):
    """The comment form's action and the values its fields would send, as a browser reads them."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.action, self.values, self._textarea, self._inside = None, {}, None, False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "comment-form" in attrs.get("class", ""):
            self.action, self._inside = attrs["action"], True
        elif not self._inside:
            return
        elif tag == "input" and attrs.get("type") == "checkbox":
            # A browser sends a ticked box only, as "on" unless it has a value.
            if attrs.get("name") and "checked" in attrs:
                self.values[attrs["name"]] = attrs.get("value") or "on"
        elif tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea:
            # Browsers drop the one line break that follows <textarea>.
            self.values[self._textarea] = self.values[self._textarea].removeprefix("\n").replace("\r\n", "\n")
            self._textarea = None


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
    response = post_comment(client, post, headers=headers, body="Text another site chose")
    assert response.status_code == 403
    html = response.content.decode()
    assert "own comment form" in html
    # Another site cannot use this page to fill in the blog's own form.
    assert "Text another site chose" not in html and "<form" not in html.split("<main")[-1]
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://testserver"}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}],
)
def test_same_origin_and_non_browser_posts_pass(client, post, headers):
    assert post_comment(client, post, headers=headers).status_code == 302
    assert Comment.objects.count() == 1


def test_filled_honeypot_is_kept_as_spam_with_the_same_answer(client, post, use_akismet):
    from tests.support.akismet_clients import CONFIG, HamClient

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
        # Control characters are dropped (tests/comments/test_control_characters.py): nothing else, nothing left.
        ("body", "\x00\x01\x0b", "This field is required."),
        ("author_name", "\x00\x1b", "This field is required."),
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
    assert 3590 <= int(response["Retry-After"]) <= 3600
    assert Comment.objects.count() == 3


def sent_before(minutes):
    """Move the comments stored so far back in time, as if sent `minutes` ago."""
    Comment.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_a_rate_limited_comment_comes_back_in_the_form_with_everything_typed(client, post, settings):
    settings.COMMENT_RATE = 2
    assert post_comment(client, post, body="First").status_code == 302
    sent_before(50)
    assert post_comment(client, post, body="Second").status_code == 302
    typed = {
        "author_name": "Grace <Hopper>",
        "author_email": "grace@example.com",
        "author_url": "https://grace.example/?a=1&b=2",
        "body": 'A long answer\n\nwith "quotes" & <tags>\n```\ncode\n```',
    }
    response = post_comment(client, post, **typed)
    assert response.status_code == 429
    html = response.content.decode()
    form = Form(html)
    assert form.values == {**typed, "homepage": ""}
    assert form.action == f"/post/{post.slug}/comment/"
    # The first comment leaves the hour in 10 minutes: then one more may go.
    assert 590 <= int(response["Retry-After"]) <= 600
    assert "You can send it again from" in html
    assert "(in 9\xa0minutes)" in html or "(in 10\xa0minutes)" in html
    assert "Your text is kept below, ready to send again." in html
    assert Comment.objects.count() == 2

    sent_before(61)  # an hour later, the same form goes through
    assert post_comment(client, post, **typed).status_code == 302
    assert Comment.objects.filter(body=typed["body"]).exists()


def test_the_form_on_the_429_page_keeps_the_honeypot_and_origin_guards(client, post, settings):
    settings.COMMENT_RATE = 1
    assert post_comment(client, post, body="First").status_code == 302
    response = post_comment(client, post, body="Again", homepage="bot was here")
    assert response.status_code == 429
    assert Form(response.content.decode()).values["homepage"] == "bot was here"
    sent_before(61)
    assert post_comment(client, post, body="Again", headers={"Origin": "https://evil.example"}).status_code == 403
    assert post_comment(client, post, body="Again", homepage="bot was here").status_code == 302
    assert Comment.objects.get(body="Again").status == Comment.Status.SPAM


def test_with_a_rate_of_zero_the_429_page_names_no_time_and_keeps_the_text(client, post, settings):
    settings.COMMENT_RATE = 0
    response = post_comment(client, post, body="Still mine")
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    html = response.content.decode()
    assert "You can send it again" not in html and Form(html).values["body"] == "Still mine"


def test_a_comment_on_a_closed_post_is_shown_back_to_copy(client, post):
    post.comments_enabled = False
    post.save()
    response = post_comment(client, post, body="Words I <do> not want to lose")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Comments on this post are closed." in html
    assert "Words I &lt;do&gt; not want to lose</textarea>" in html
    assert "<textarea" in html and " readonly " in html and "<form" not in html.split("<main")[-1]
    assert Comment.objects.count() == 0


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
