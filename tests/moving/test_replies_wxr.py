"""import_wxr keeps WordPress's threads: each reply under its comment, one level deep, the post author's marked."""

from datetime import timedelta
from pathlib import Path

import pytest

from comments.models import Comment
from comments.replies import threads
from tests.moving.test_import_wxr import PUBLISHED, gmt, item, run, wxr_text

pytestmark = pytest.mark.django_db

THREADS = Path(__file__).parent / "wxr" / "threads.xml"


def by_id(wordpress_id):
    return Comment.objects.get(events__detail__contains=f"(comment {wordpress_id},")


def answered(wordpress_id):
    """The WordPress id of the comment the imported one answers here, or None."""
    parent = by_id(wordpress_id).parent
    return None if parent is None else int(parent.events.get().detail.split("(comment ")[1].split(",")[0])


def wordpress_comment(comment_id, parent=0, user_id=0, author="Reader", email="", minutes=10):
    moment = gmt(PUBLISHED + timedelta(minutes=minutes))
    return f"""
      <wp:comment>
        <wp:comment_id>{comment_id}</wp:comment_id>
        <wp:comment_author><![CDATA[{author}]]></wp:comment_author>
        <wp:comment_author_email><![CDATA[{email or author.lower() + "@example.com"}]]></wp:comment_author_email>
        <wp:comment_date_gmt><![CDATA[{moment}]]></wp:comment_date_gmt>
        <wp:comment_content><![CDATA[Comment {comment_id}.]]></wp:comment_content>
        <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
        <wp:comment_parent>{parent}</wp:comment_parent>
        <wp:comment_user_id>{user_id}</wp:comment_user_id>
      </wp:comment>"""


def import_text(tmp_path, items, authors=""):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text(items).replace("<wp:base_site_url>", f"{authors}<wp:base_site_url>", 1))
    return run(path)


def test_a_reply_answers_its_comment_even_when_it_comes_first_in_the_file(author):
    run(THREADS)
    assert answered(104) == 101  # before 101 in the file
    assert answered(102) == 101 and answered(112) == 101 and answered(113) == 101
    assert answered(101) is None and answered(106) is None
    assert by_id(104).parent_ref == by_id(101).pk


def test_a_reply_dated_before_its_comment_answers_it(author, tmp_path):
    # WordPress lets the author edit a comment's date; a reply may then be older than what it answers.
    comments = wordpress_comment(2, parent=1, minutes=5) + wordpress_comment(1, minutes=50)
    import_text(tmp_path, [item(1, "Post", "post", comments=comments)])
    assert answered(2) == 1 and by_id(2).parent_ref == by_id(1).pk


def test_a_reply_to_a_reply_is_shown_under_the_top_of_its_thread_and_the_report_says_so(author):
    out = run(THREADS)
    assert answered(103) == 101 and answered(105) == 101  # 103 answers 102, 105 answers 103
    assert (
        "comment 103 on post 'threaded-comments': answers comment 102, itself a reply: shown under comment 101, "
        "the top of its thread (replies here are one level deep)" in out
    )
    assert "comment 105 on post 'threaded-comments': answers comment 103, itself a reply" in out
    assert "comment 102 on post" not in out  # a reply to a top-level comment needs no word


def test_the_post_authors_replies_are_marked_as_the_authors_as_wordpress_marks_them(author):
    run(THREADS)
    assert by_id(104).by_author and by_id(105).by_author  # wp:comment_user_id 1 is ada, the post's author
    assert not by_id(112).by_author  # another user of the old blog
    assert not by_id(113).by_author  # a visitor giving the author's name and email
    assert not by_id(106).by_author  # the author's own top-level comment is no reply
    assert not by_id(102).by_author


def test_without_user_ids_in_the_file_the_authors_email_tells_the_author(author, tmp_path):
    # WordPress.com writes <wp:author> without wp:author_id (as the theme unit test data has it).
    authors = (
        "<wp:author><wp:author_login>olduser</wp:author_login>"
        "<wp:author_email>me@old.example.org</wp:author_email></wp:author>"
    )
    comments = (
        wordpress_comment(1)
        + wordpress_comment(2, parent=1, user_id=7, author="Me", email="ME@old.example.org", minutes=20)
        + wordpress_comment(3, parent=1, user_id=0, author="Me", email="me@old.example.org", minutes=30)
        + wordpress_comment(4, parent=1, user_id=8, author="Other", minutes=40)
    )
    import_text(tmp_path, [item(1, "Post", "post", comments=comments)], authors)
    assert [by_id(n).by_author for n in (2, 3, 4)] == [True, False, False]


def test_a_reply_to_a_comment_not_here_is_kept_at_the_top_level_and_reported(author):
    out = run(THREADS)
    missing, trashed, pingback = by_id(107), by_id(109), by_id(111)
    for reply in (missing, trashed, pingback):
        assert reply.parent is None and reply.parent_ref == 0 and reply.status == Comment.Status.APPROVED
    assert "comment 107 on post 'threaded-comments': answers comment 99, which is not in the file: kept at" in out
    assert "comment 109 on post 'threaded-comments': answers comment 108, which was not imported: kept at" in out
    assert "comment 111 on post 'threaded-comments': answers comment 110, which was not imported" in out
    # The page shows them at the top level, as answering a removed comment.
    shown = {comment.pk: comment for comment in threads(list(Comment.objects.approved()))}
    assert missing.pk in shown and shown[missing.pk].answers_removed
    assert by_id(101).pk in shown and not shown[by_id(101).pk].answers_removed


def test_the_page_shows_the_thread_with_the_authors_reply_marked(author, client):
    run(THREADS)
    html = client.get(by_id(101).post.get_absolute_url()).content.decode()
    top = html.index(f'id="comment-{by_id(101).pk}"')
    assert top < html.index(f'id="comment-{by_id(103).pk}"') < html.index(f'id="comment-{by_id(106).pk}"')
    assert 'aria-label="Reply by the author, Ada Author"' in html
    assert "In answer to a comment that was removed." in html


def test_a_thread_that_leads_back_to_itself_is_kept_at_the_top_level(author, tmp_path):
    comments = (
        wordpress_comment(1, parent=2) + wordpress_comment(2, parent=1, minutes=20) + wordpress_comment(3, parent=3)
    )
    out = import_text(tmp_path, [item(1, "Post", "post", comments=comments)])
    assert Comment.objects.count() == 3 and not Comment.objects.filter(parent__isnull=False).exists()
    assert "comment 1 on post 'post': its thread leads back to it through comment 2: kept at the top level" in out
    assert "comment 3 on post 'post': its thread leads back to it through comment 3" in out


def test_importing_twice_changes_no_thread(author):
    run(THREADS)
    before = sorted(Comment.objects.values_list("pk", "parent_id", "parent_ref", "by_author"))
    out = run(THREADS)
    assert "Comments: 0 created (0 spam, counted), 11 already imported.\n" in out and "To look at" not in out
    assert sorted(Comment.objects.values_list("pk", "parent_id", "parent_ref", "by_author")) == before


def test_comments_imported_before_threads_were_kept_are_threaded_by_the_next_import(author):
    run(THREADS)
    threaded = sorted(Comment.objects.values_list("pk", "parent_id", "parent_ref", "by_author"))
    # As an import made before replies existed left them: every comment at the top level.
    Comment.objects.update(parent=None, parent_ref=None, by_author=False)
    out = run(THREADS)
    assert "11 already imported, 9 of them put in their threads." in out
    assert sorted(Comment.objects.values_list("pk", "parent_id", "parent_ref", "by_author")) == threaded


def test_the_same_comment_id_twice_in_a_post_is_imported_once(author, tmp_path):
    comments = wordpress_comment(1) + wordpress_comment(1, minutes=20)
    out = import_text(tmp_path, [item(1, "Post", "post", comments=comments)])
    assert Comment.objects.count() == 1 and "Comments: 1 created (0 spam, counted), 1 already imported." in out


@pytest.mark.parametrize("odd", ["", "none", "-3", "1" * 40])
def test_a_comment_parent_that_is_no_id_leaves_the_comment_at_the_top_level(author, tmp_path, odd):
    comments = wordpress_comment(1) + wordpress_comment(2, minutes=20).replace(
        "<wp:comment_parent>0<", f"<wp:comment_parent>{odd}<"
    )
    out = import_text(tmp_path, [item(1, "Post", "post", comments=comments)])
    assert "Comments: 2 created" in out and "To look at" not in out
    assert not Comment.objects.filter(parent_ref__isnull=False).exists()


def test_without_the_authors_in_the_file_no_reply_is_the_authors(author, tmp_path):
    # Older and hand-made exports have no <wp:author>: a logged-in user's reply is a reply, nobody's in particular.
    comments = wordpress_comment(1) + wordpress_comment(2, parent=1, user_id=1, minutes=20)
    import_text(tmp_path, [item(1, "Post", "post", comments=comments)])
    assert answered(2) == 1 and not by_id(2).by_author
