"""Control characters: dropped from what readers send, and never able to break a feed once stored."""

import xml.etree.ElementTree as ET

import pytest

from comments.models import Comment
from escribe.text import without_controls, xml_safe
from tests.support.comment_helpers import make_comment, post_comment
from tests.support.factories import make_post, make_tag

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
# Every C0 control XML 1.0 forbids but NUL, which PostgreSQL cannot store (xml_safe's own test has it).
FORBIDDEN_IN_XML = "".join(chr(n) for n in [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


@pytest.fixture
def post():
    return make_post(slug="target", title="Target")


@pytest.mark.parametrize(
    ("field", "sent", "stored"),
    [
        pytest.param("author_name", "Dora\x0bExplorer", "Dora Explorer", id="name-vertical-tab-is-a-space"),
        pytest.param("author_name", "Dora\x01\x1b[31mExplorer\x7f\x9b", "Dora[31mExplorer", id="name-escape-codes"),
        pytest.param("author_name", "Dora\tExplorer", "Dora Explorer", id="name-tab-is-a-space"),
        pytest.param("author_email", "dora\x01@example.com", "dora@example.com", id="email"),
        pytest.param("author_url", "https://dora\x01.example/\x0b", "https://dora.example/", id="url"),
        pytest.param("body", "Hello\x01 there\x0c\x08!", "Hello there !", id="body"),
        pytest.param(
            "body", "Kept:\ta tab,\r\nand lines\n", "Kept:\ta tab,\r\nand lines", id="body-keeps-tab-and-lines"
        ),
    ],
)
def test_control_characters_a_reader_sends_in_a_comment_are_dropped(client, post, field, sent, stored):
    response = post_comment(client, post, **{field: sent})
    assert response.status_code == 302, response.content.decode()
    assert getattr(Comment.objects.get(), field) == stored


def test_a_comment_sent_with_control_characters_is_in_the_feeds_once_approved(client, post):
    response = post_comment(client, post, author_name="Dora\x0bExplorer", body="Hi\x01 all")
    assert response.status_code == 302
    Comment.objects.update(status=Comment.Status.APPROVED)
    for url in ["/feeds/comments/atom/", "/feeds/post/target/comments/atom/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        entry = ET.fromstring(response.content).find(f"{ATOM}entry")
        assert entry.find(f"{ATOM}author/{ATOM}name").text == "Dora Explorer"


@pytest.mark.parametrize("header", ["User-Agent", "Referer"])
def test_control_characters_in_a_stored_header_are_dropped(client, post, header):
    response = post_comment(client, post, headers={header: "Mozilla\x01/5.0\x0b(X11)"})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert "Mozilla/5.0 (X11)" in (comment.user_agent, comment.referrer)


def test_control_characters_in_a_search_are_ignored(client, post):
    response = client.get("/search/", {"q": "Tar\x01get\x0b"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "\x01" not in html and "\x0b" not in html
    assert "<mark>Target</mark>" in html


def test_the_comment_feeds_answer_for_a_control_character_already_stored(client, post):
    # Stored before the form dropped them, or brought in by an import.
    make_comment(post, status="approved", author_name="Dora\x0bExplorer", body=f"Every one: {FORBIDDEN_IN_XML}.")
    for url in ["/feeds/comments/atom/", "/feeds/post/target/comments/atom/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        entry = ET.fromstring(response.content).find(f"{ATOM}entry")
        assert entry.find(f"{ATOM}author/{ATOM}name").text == "DoraExplorer"
        assert "Every one: ." in entry.find(f"{ATOM}summary").text


def test_the_post_feeds_answer_for_a_control_character_already_stored(client):
    tag = make_tag("Vert\x0bical")
    make_post(title="Dora\x0bExplorer", body="Body\x01 text", summary="Sum\x02mary", tags=[tag])
    for url in ["/feeds/atom/", "/feeds/rss/", f"/feeds/tag/{tag.slug}/atom/", f"/feeds/tag/{tag.slug}/rss/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        feed = ET.fromstring(response.content)  # parses: no character XML forbids
        titles = [element.text for element in feed.iter() if element.tag in ("title", f"{ATOM}title")]
        assert "DoraExplorer" in titles, url


def test_xml_safe_keeps_what_xml_allows_and_cleans_inside_lists_and_dicts():
    allowed = "Tab\t, lines\n\r, DEL\x7f, C1\x85, é, 😀"
    assert xml_safe(allowed) == allowed
    assert xml_safe(("a\x00\x01", ["b\x02"], {"c": "d\x1f"}, 3, None)) == ("a", ["b"], {"c": "d"}, 3, None)


def test_without_controls_keeps_only_what_it_is_told_to():
    assert without_controls("a\tb\nc\rd\x0be\x00f\x85g") == "a b c d ef g"
    assert without_controls("a\tb\nc\rd", keep="\t\n\r") == "a\tb\nc\rd"
