"""export_site copies replies as readers see them: under their comment, the author's marked, with no Reply link."""

import pytest

from comments.models import Comment
from comments.replies import reply_as_author
from tests.moving.test_export_site import export
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db


def test_the_copy_shows_each_reply_under_its_comment_and_offers_no_reply_page(author, tmp_path):
    post = make_post(title="Threads")
    question = make_comment(post, status=Comment.Status.APPROVED, author_name="Bea", body="A question")
    answer = reply_as_author(question, author, "The answer")
    export(tmp_path / "site")
    html = (tmp_path / "site" / f"post/{post.slug}/index.html").read_text()
    start, end = html.index(f'id="comment-{question.pk}"'), html.index("The answer")
    # The reply sits inside the question's <li>, before the list item closes.
    assert "</li>" not in html[start:end] and f'id="comment-{answer.pk}"' in html[start:end]
    assert 'aria-label="Reply by the author, ' in html
    # A static server takes no POST: no Reply link, and no reply page was copied.
    assert "/reply/" not in html and not list((tmp_path / "site").rglob("reply"))
