"""export_markdown and import_markdown carry replies: each names the comment it answers, the author's are marked."""

import re
from datetime import timedelta

import pytest
from django.core.management import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post
from comments.models import Comment
from comments.replies import attach, reply_as_author
from moving.markdown.folder import read_folder
from moving.markdown.importer import import_folder
from tests.moving.test_markdown_io import empty_the_database, files_in
from tests.support.commands import run_both
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=123456)


def reply(post, parent, name, hours_ago, status="approved", **fields):
    comment = make_comment(post, status, author_name=name, created_at=NOW - timedelta(hours=hours_ago), **fields)
    attach(comment, parent).save()
    return comment


def a_blog_with_threads(author):
    """A post with a thread (a reader's, a pending and the author's reply) and a reply whose comment is gone."""
    post = make_post(slug="threads", published_at=NOW - timedelta(days=3))
    bea = make_comment(post, status="approved", author_name="Bea", created_at=NOW - timedelta(hours=30))
    reply(post, bea, "Carl", 20, body="Me too.")
    reply(post, bea, "Dee", 10, status="pending")
    reply_as_author(bea, author, "Thanks, *Bea*.")
    gone = make_comment(post, status="approved", author_name="Gone", created_at=NOW - timedelta(hours=29))
    reply(post, gone, "Eve", 28)
    gone.delete()
    make_comment(post, status="approved", author_name="Fay", created_at=NOW - timedelta(hours=5))
    return post


def threads_here():
    """Every comment with the one it answers (by name and time) and its marks: what must survive a move."""
    return sorted(
        (
            comment.post.slug, comment.author_name, comment.created_at, comment.status, comment.body,
            comment.parent and (comment.parent.author_name, comment.parent.created_at),
            comment.parent_ref is not None, comment.by_author,
        )
        for comment in Comment.objects.select_related("post", "parent")
    )  # fmt: skip


def export(folder):
    run_both("export_markdown", str(folder), "--with-comments", "--with-emails")
    return folder


def test_replies_move_to_an_empty_blog_with_the_same_threads_and_export_again_byte_identical(author, tmp_path):
    a_blog_with_threads(author)
    before = threads_here()
    first = files_in(export(tmp_path / "first"))
    empty_the_database()

    run_both("import_markdown", str(tmp_path / "first"))

    assert threads_here() == before
    eve = Comment.objects.get(author_name="Eve")
    assert eve.parent is None and eve.parent_ref == 0  # shown as answering a removed comment, as before
    assert files_in(export(tmp_path / "second")) == first


def test_a_reply_names_its_comment_and_top_level_comments_are_written_as_before(author, tmp_path):
    a_blog_with_threads(author)
    text = (export(tmp_path) / f"{Post.objects.get().published_at:%Y-%m-%d}-threads.comments.yaml").read_text()
    blocks = text.split("\n- ")

    def block(words):
        return next(block for block in blocks if words in block)

    bea = Comment.objects.get(author_name="Bea").created_at.isoformat()
    assert f'reply_to:\n    name: "Bea"\n    created: {bea}\n' in block('name: "Carl"')
    assert "by_author" not in block('name: "Carl"')
    assert "by_author: true" in block("Thanks, *Bea*.") and 'name: "Bea"' in block("Thanks, *Bea*.")
    assert 'reply_to: "a removed comment"' in block('name: "Eve"')
    assert "reply_to" not in block('name: "Fay"') and "by_author" not in block('name: "Fay"')


def test_importing_into_the_same_blog_changes_nothing(author, tmp_path):
    a_blog_with_threads(author)
    rows = sorted(Comment.objects.values_list("pk", "parent_id", "parent_ref", "by_author"))
    out, _ = run_both("import_markdown", str(export(tmp_path)), "-v", "2")
    assert "updated comment" not in out and "created comment" not in out
    # The reply to a deleted comment keeps that comment's id: the file says only that it was removed.
    assert sorted(Comment.objects.values_list("pk", "parent_id", "parent_ref", "by_author")) == rows


def test_an_export_from_before_replies_imported_into_the_same_blog_keeps_its_threads_and_marks(author, tmp_path):
    # Exports made before replies were exported (the database had them already), and hand-kept folders, name no
    # reply_to nor by_author: they say nothing of threads, so the threads here stay as they are.
    a_blog_with_threads(author)
    before = threads_here()
    folder = export(tmp_path)
    for path in folder.glob("*.comments.yaml"):
        text = re.sub(r"\n  reply_to:(\n    .*| .*)+", "", path.read_text())
        path.write_text(text.replace("\n  by_author: true", ""))
        assert "reply_to" not in path.read_text() and "by_author" not in path.read_text()
    out, _ = run_both("import_markdown", str(folder), "-v", "2")
    assert "updated comment" not in out
    assert threads_here() == before


def test_an_entry_naming_its_thread_moves_a_comment_already_here(author, tmp_path):
    a_blog_with_threads(author)
    folder = export(tmp_path)
    path = next(folder.glob("*.comments.yaml"))
    bea = Comment.objects.get(author_name="Bea").created_at.isoformat()
    carl = f'reply_to:\n    name: "Bea"\n    created: {bea}\n'
    assert carl in path.read_text()
    path.write_text(path.read_text().replace(carl, 'reply_to: "a removed comment"\n', 1))
    out, _ = run_both("import_markdown", str(folder), "-v", "2")
    assert "updated comment by 'Carl'" in out
    moved = Comment.objects.get(author_name="Carl")
    assert moved.parent is None and moved.parent_ref == 0


def test_a_reply_before_its_comment_in_the_file_finds_it(author, tmp_path):
    post = make_post(slug="threads", published_at=NOW - timedelta(days=3))
    reply(
        post, make_comment(post, status="approved", author_name="Bea", created_at=NOW - timedelta(hours=3)), "Carl", 2
    )
    folder = export(tmp_path)
    path = folder / f"{post.published_at:%Y-%m-%d}-threads.comments.yaml"
    bea, carl = path.read_text().split("\n- name: ")
    path.write_text(f"- name: {carl.rstrip()}\n\n{bea.rstrip()}\n")
    assert path.read_text().index("Carl") < path.read_text().index('- name: "Bea"')
    empty_the_database()
    run_both("import_markdown", str(folder))
    assert Comment.objects.get(author_name="Carl").parent == Comment.objects.get(author_name="Bea")


def test_a_reply_to_no_comment_of_the_post_is_refused_naming_the_file_and_nothing_is_imported(author, tmp_path):
    post = make_post(slug="threads", published_at=NOW - timedelta(days=3))
    reply(
        post, make_comment(post, status="approved", author_name="Bea", created_at=NOW - timedelta(hours=3)), "Carl", 2
    )
    folder = export(tmp_path)
    path = folder / f"{post.published_at:%Y-%m-%d}-threads.comments.yaml"
    path.write_text(path.read_text().replace('    name: "Bea"', '    name: "Nobody"'))
    empty_the_database()
    with pytest.raises(CommandError) as refused:
        run_both("import_markdown", str(folder))
    assert "threads.comments.yaml: the reply by 'Carl' answers 'Nobody' at " in str(refused.value)
    assert "no comment of this post. Nothing was imported." in str(refused.value)
    assert not Post.objects.exists() and not Comment.objects.exists()


@pytest.mark.parametrize(
    "reply_to, by_author",
    [
        ("Bea", "false"),
        ("{name: Bea}", "false"),
        ("{name: Bea, created: 2020-01-01}", "false"),
        ("{name: Bea, created: 2020-01-01T10:00:00}", "false"),
        ("a removed comment", "yes please"),
    ],
)
def test_a_malformed_reply_to_or_by_author_is_refused_in_one_line(author, tmp_path, reply_to, by_author):
    post = make_post(slug="threads", published_at=NOW - timedelta(days=3))
    make_comment(post, status="approved", author_name="Bea", created_at=NOW - timedelta(hours=3))
    folder = export(tmp_path)
    path = folder / f"{post.published_at:%Y-%m-%d}-threads.comments.yaml"
    path.write_text(
        path.read_text().replace("  status:", f"  reply_to: {reply_to}\n  by_author: {by_author}\n  status:")
    )
    empty_the_database()
    with pytest.raises(CommandError) as refused:
        run_both("import_markdown", str(folder))
    message = str(refused.value)
    assert "\n" not in message and "threads.comments.yaml: a comment's " in message
    assert ("'by_author' must be true or false" if by_author != "false" else "'reply_to' names the comment") in message
    assert not Post.objects.exists()


def test_moved_dates_move_the_comment_a_reply_names_too(author, tmp_path):
    a_blog_with_threads(author)
    before = {(name, parent) for _, name, _, _, _, parent, _, _ in threads_here()}
    folder = export(tmp_path)
    empty_the_database()
    # As seed_demo moves the demo: every date later, none after now.
    import_folder(read_folder(folder), shift=timedelta(days=2))
    after = {(name, parent) for _, name, _, _, _, parent, _, _ in threads_here()}
    assert {name: parent and parent[0] for name, parent in after} == {
        name: parent and parent[0] for name, parent in before
    }


def test_a_reply_whose_comment_is_on_another_post_is_written_as_answering_a_removed_comment(author, tmp_path):
    # Only a hand-made row can be so; the export must still be whole and importable.
    post = make_post(slug="threads", published_at=NOW - timedelta(days=3))
    elsewhere = make_comment(make_post(slug="other"), status="approved", author_name="Bea")
    carl = make_comment(post, status="approved", author_name="Carl")
    Comment.objects.filter(pk=carl.pk).update(parent=elsewhere, parent_ref=elsewhere.pk)
    text = (export(tmp_path) / f"{post.published_at:%Y-%m-%d}-threads.comments.yaml").read_text()
    assert 'reply_to: "a removed comment"' in text


def test_the_exports_queries_do_not_grow_with_replies(author, tmp_path):
    post = a_blog_with_threads(author)
    with CaptureQueriesContext(connection) as few:
        export(tmp_path / "few")
    bea = Comment.objects.get(author_name="Bea")
    for hours in range(1, 6):
        reply(post, bea, f"Reader {hours}", hours)
    with CaptureQueriesContext(connection) as many:
        export(tmp_path / "many")
    assert len(many) == len(few)
