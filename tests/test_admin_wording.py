"""What the admin says reads as English: named rows on delete pages, counts with the right plural."""

import pytest
from django.contrib.messages import get_messages

from tests.comment_helpers import make_comment
from tests.factories import make_post, make_tag

pytestmark = pytest.mark.django_db


def test_deleting_a_post_lists_its_tags_by_name(author_client):
    post = make_post(title="Old post", tags=[make_tag("Python"), make_tag("SQLite")])
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
