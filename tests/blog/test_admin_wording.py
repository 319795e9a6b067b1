"""What the admin says reads as English: named rows on delete pages, counts with the right plural."""

import pytest
from django.contrib.messages import get_messages

from tests.support.comment_helpers import make_comment
from tests.support.factories import make_post, make_tag

pytestmark = pytest.mark.django_db


def test_deleting_a_post_lists_its_tags_by_name(author_client):
    post = make_post(title="Old post", tags=[make_tag("Python"), make_tag("SQLite")])
    post.move_to_trash()  # the delete page of a post in the trash deletes for good, and lists what goes with it
    html = author_client.get(f"/admin/blog/post/{post.pk}/delete/").content.decode()
    assert "<li>Tag on a post: “Python” on “Old post”</li>" in html
    assert "<li>Tag on a post: “SQLite” on “Old post”</li>" in html
    assert "<li>Tags on posts: 2</li>" in html
    assert "object (" not in html


def test_deleting_a_tag_lists_the_posts_it_is_on(author_client):
    tag = make_tag("Python")
    make_post(title="First", tags=[tag])
    html = author_client.get(f"/admin/blog/tag/{tag.pk}/delete/").content.decode()
    assert "Tag on a post: “Python” on “First”" in html
    assert "object (" not in html


@pytest.mark.parametrize(
    ("action", "comments", "message"),
    [
        ("approve", 1, "Approved 1 comment."),
        ("approve", 2, "Approved 2 comments."),
        ("mark_spam", 1, "Marked 1 comment as spam. Not reported to Akismet: no API key is set."),
        ("mark_ham", 2, "Approved 2 comments as not spam. Not reported to Akismet: no API key is set."),
        ("delete_comments", 1, "Deleted 1 comment."),
    ],
)
def test_the_moderation_actions_count_in_english(author_client, action, comments, message):
    post = make_post()
    selected = [str(make_comment(post).pk) for _ in range(comments)]
    response = author_client.post(
        "/admin/comments/comment/", {"action": action, "_selected_action": selected, "index": "0"}
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [message]


def test_no_message_counts_with_a_parenthesised_plural():
    # "1 comment(s)" reads as a machine's; every count picks its own plural (pluralize, or a conditional "s").
    import io
    import re
    import tokenize
    from pathlib import Path

    from django.conf import settings

    base = Path(settings.BASE_DIR)
    found = []
    for folder in ("blog", "comments", "moving", "escribe", "deploy"):
        for path in sorted((base / folder).rglob("*.py")):
            for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
                # "http(s)" names two schemes; "%(s)s" is a format field.
                if token.type == tokenize.STRING and re.search(r"\w(?<!http)\(s\)", token.string):
                    found.append(f"{path.relative_to(base)}:{token.start[0]}")
    for path in sorted((base / "templates").rglob("*.html")):
        found += [f"{path.relative_to(base)}" for line in path.read_text().splitlines() if re.search(r"\w\(s\)", line)]
    assert found == []
