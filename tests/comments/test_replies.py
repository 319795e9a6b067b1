"""Replies: the author's from the admin (at once), readers' through the form (moderated), one level deep."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model

from comments import moderation, replies
from comments.models import Comment, CommentEvent
from tests.support.comment_helpers import make_comment, post_comment
from tests.support.factories import make_post, set_site

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def post():
    set_site(author_name="Ada Lovelace")
    return make_post(title="Engines", slug="engines")


def reply_url(comment):
    return f"{CHANGELIST}{comment.pk}/reply/"


def page(client, post):
    return client.get(post.get_absolute_url()).content.decode()


def block(html, comment):
    """The <li> of one comment as the page has it, up to the next comment or the list's end."""
    return re.search(rf'<li id="comment-{comment.pk}".*?(?=<li id="comment-|</ol>\s*</section>|$)', html, re.S).group(0)


def test_the_author_replies_from_the_queue_and_it_is_published_nested_and_marked(author_client, client, post):
    question = make_comment(post, status="approved", author_name="Grace", body="Does it *loop*?")
    assert "Reply" in author_client.get(CHANGELIST + "?status=approved").content.decode()
    response = author_client.post(reply_url(question), {"body": "It does, with **cards**."})
    assert response.status_code == 302
    reply = Comment.objects.get(parent=question)
    assert (reply.status, reply.by_author, reply.author_name) == ("approved", True, "Ada Lovelace")
    assert reply.spam_check == "unchecked" and reply.akismet_arguments == {}  # Akismet never asked
    assert not hasattr(reply, "notification") or reply.notification is None
    html = page(client, post)
    question_block = html[html.index(f'id="comment-{question.pk}"') :]
    nested = re.search(r'<ol class="comment-replies">(.*?)</ol>', question_block, re.S).group(1)
    assert f'id="comment-{reply.pk}"' in nested
    assert "<strong>cards</strong>" in nested
    # In words, not by colour alone.
    assert "(the author)" in nested and 'aria-label="Reply by the author, Ada Lovelace"' in nested
    assert "2 comments" in html


def test_the_author_reply_form_is_on_the_comments_change_page(author_client, post):
    question = make_comment(post, status="approved")
    html = author_client.get(f"{CHANGELIST}{question.pk}/change/").content.decode()
    assert f'action="{reply_url(question)}"' in html
    # A form of its own after the change form, not nested in it.
    assert html.index(f'action="{reply_url(question)}"') > html.index("</form>")


def test_approve_and_reply_is_one_step(author_client, client, post, author):
    waiting = make_comment(post, author_name="Grace", body="First!")
    assert "Approve and reply" in author_client.get(CHANGELIST).content.decode()
    author_client.post(reply_url(waiting), {"body": "Welcome.", "approve": "1"})
    waiting.refresh_from_db()
    assert waiting.status == "approved" and waiting.moderated_by == author
    assert CommentEvent.objects.filter(comment=waiting, kind="approved").exists()
    reply = Comment.objects.get(parent=waiting)
    assert reply.status == "approved"
    html = page(client, post)
    assert "First!" in html and "Welcome." in html


def test_a_plain_reply_to_a_pending_comment_is_refused_and_publishes_nothing(author_client, post):
    waiting = make_comment(post)
    response = author_client.post(reply_url(waiting), {"body": "Hello."}, follow=True)
    assert "Approve and reply" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == "pending" and not Comment.objects.filter(parent=waiting).exists()


def test_the_author_cannot_reply_to_spam(author_client, post):
    junk = make_comment(post, status="spam")
    author_client.post(reply_url(junk), {"body": "Hello.", "approve": "1"})
    junk.refresh_from_db()
    assert junk.status == "spam" and Comment.objects.count() == 1


def test_an_empty_author_reply_is_refused(author_client, post):
    question = make_comment(post, status="approved")
    assert author_client.post(reply_url(question), {"body": "  "}).status_code == 400
    assert Comment.objects.count() == 1


def test_a_user_without_change_permission_cannot_reply(client, post):
    from django.contrib.auth.models import Permission

    question = make_comment(post, status="approved")
    clerk = get_user_model().objects.create_user("clerk", "c@example.com", "pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(clerk)
    client.post(reply_url(question), {"body": "Sneaky."})
    assert Comment.objects.count() == 1


def test_a_reader_reply_goes_through_the_form_and_the_queue(client, post):
    question = make_comment(post, status="approved", author_name="Grace")
    html = page(client, post)
    link = f"/post/engines/comment/{question.pk}/reply/"
    assert f'href="{link}#comment-form"' in html
    form = client.get(link).content.decode()
    assert f'name="reply_to" value="{question.pk}"' in form and "Reply to <bdi>Grace</bdi>" in form
    response = post_comment(client, post, reply_to=str(question.pk), body="Me too, here.")
    assert response.status_code == 302
    reply = Comment.objects.get(parent=question)
    assert (reply.status, reply.by_author, reply.parent_ref) == ("pending", False, question.pk)
    assert reply.akismet_arguments  # the same Akismet path as any comment
    assert "Me too, here." not in page(client, post)  # not before it is approved
    moderation.approve([reply], None)
    nested = re.search(r'<ol class="comment-replies">(.*?)</ol>', page(client, post), re.S).group(1)
    assert "Me too, here." in nested and "(the author)" not in nested


@pytest.mark.parametrize("status", ["pending", "spam"])
def test_a_reply_to_a_comment_readers_cannot_see_is_refused_and_the_text_kept(client, post, status):
    hidden = make_comment(post, status=status)
    response = post_comment(client, post, reply_to=str(hidden.pk), body="Answering the unseen.")
    assert response.status_code == 404
    html = response.content.decode()
    assert "not shown under this post" in html and "Answering the unseen." in html
    assert 'name="reply_to"' not in html  # sent again, it is a comment on the post
    assert client.get(f"/post/engines/comment/{hidden.pk}/reply/").status_code == 404
    assert Comment.objects.count() == 1


def test_a_reply_to_a_comment_on_another_post_is_refused(client, post):
    elsewhere = make_comment(make_post(slug="other"), status="approved")
    assert post_comment(client, post, reply_to=str(elsewhere.pk)).status_code == 404
    assert post_comment(client, post, reply_to="x").status_code == 404
    assert Comment.objects.count() == 1


def test_a_reply_to_a_reply_answers_the_comment_above_it(client, author, post):
    top = make_comment(post, status="approved", author_name="Grace")
    first = replies.reply_as_author(top, author, "First answer.")
    post_comment(client, post, reply_to=str(first.pk), body="Answering the answer.")
    second = Comment.objects.get(body="Answering the answer.")
    assert second.parent == top and second.parent_ref == top.pk
    moderation.approve([second], None)
    html = page(client, post)
    assert html.count('<ol class="comment-replies">') == 1
    nested = re.search(r'<ol class="comment-replies">(.*?)</ol>', html, re.S).group(1)
    assert "First answer." in nested and "Answering the answer." in nested


@pytest.mark.parametrize("removal", ["deleted", "spam"])
def test_a_reply_outlives_the_comment_it_answers_and_says_so(client, author, post, removal):
    top = make_comment(post, status="approved", author_name="Grace", body="Soon gone.")
    reply = replies.reply_as_author(top, author, "Still here.")
    if removal == "deleted":
        moderation.delete([top], author)
    else:
        moderation.mark_spam([top], author)
    reply.refresh_from_db()
    assert reply.status == "approved"
    html = page(client, post)
    assert "Soon gone." not in html and "Grace" not in html
    assert "Still here." in block(html, reply)
    assert "In answer to a comment that was removed." in block(html, reply)
    entry_titles = [e.findtext(f"{ATOM}title") for e in feed(client)]
    assert entry_titles == ["Ada Lovelace (the author) replying to a removed comment on “Engines”"]


def test_a_reader_cannot_claim_to_be_the_author(client, post):
    question = make_comment(post, status="approved")
    post_comment(client, post, reply_to=str(question.pk), author_name="Ada Lovelace", by_author="1")
    post_comment(client, post, author_name="Ada Lovelace", body="Top-level claim.", by_author="on")
    assert Comment.objects.filter(by_author=True).count() == 0
    moderation.approve(Comment.objects.pending(), None)
    assert "(the author)" not in page(client, post)


def test_hostile_input_in_replies_is_escaped(client, author, post):
    top = make_comment(post, status="approved", author_name='<img src=x onerror="alert(1)">')
    post_comment(client, post, reply_to=str(top.pk), author_name="<b>Mallory</b>", body="<script>alert(2)</script>")
    moderation.approve(Comment.objects.pending(), None)
    replies.reply_as_author(top, author, "<script>alert(3)</script> [x](javascript:alert(4))")
    html = page(client, post)
    html = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", html)
    assert "<script" not in html.lower() and "<img src=x" not in html and "<b>Mallory" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    form = client.get(f"/post/engines/comment/{top.pk}/reply/").content.decode()
    assert "<img src=x" not in form and "&lt;img src=x" in form


def test_the_post_page_costs_the_same_queries_with_no_replies_or_many(client, author, post, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.blog.test_pages import PAGES

    comments = [make_comment(post, status="approved", author_name=f"Reader {n}") for n in range(3)]
    with CaptureQueriesContext(connection) as without_replies:
        assert client.get(post.get_absolute_url()).status_code == 200
    # A post without tags needs one query less than tests/blog/test_pages.py's.
    assert len(without_replies) <= PAGES["post"]
    for comment in comments:
        for n in range(4):
            replies.reply_as_author(comment, author, f"Answer {n}.")
            make_comment(post, status="approved", parent=comment, parent_ref=comment.pk, body=f"Reader reply {n}.")
    with django_assert_num_queries(len(without_replies)):
        html = page(client, post)
    assert html.count('<ol class="comment-replies">') == 3 and html.count("(the author)") == 12


def feed(client, path="/feeds/comments/atom/"):
    return ET.fromstring(client.get(path).content).findall(f"{ATOM}entry")


def test_the_feeds_carry_replies_and_mark_the_authors(client, author, post):
    top = make_comment(post, status="approved", author_name="Grace")
    replies.reply_as_author(top, author, "From the author.")
    make_comment(post, status="approved", author_name="Linus", parent=top, parent_ref=top.pk, body="From Linus.")
    for path in ("/feeds/comments/atom/", "/feeds/post/engines/comments/atom/"):
        titles = [entry.findtext(f"{ATOM}title") for entry in feed(client, path)]
        assert titles == [
            "Linus replying to Grace on “Engines”",
            "Ada Lovelace (the author) replying to Grace on “Engines”",
            "Grace on “Engines”",
        ]


def test_no_reply_links_where_readers_cannot_send_the_form(client, post):
    question = make_comment(post, status="approved")
    post.comments_enabled = False
    post.save()
    assert "/reply/" not in page(client, post)
    assert client.get(f"/post/engines/comment/{question.pk}/reply/").status_code == 302


def test_the_reply_page_is_kept_as_a_page_file_and_the_authors_reply_makes_pages_stale(
    client, author, post, pages_dir, django_capture_on_commit_callbacks
):
    from escribe import pages
    from tests.support.page_files import kept_files

    question = make_comment(post, status="approved")
    pages.invalidate()
    client.get(f"/post/engines/comment/{question.pk}/reply/")
    client.get(post.get_absolute_url())
    assert {f"post/engines/comment/{question.pk}/reply/index.html", "post/engines/index.html"} <= set(
        kept_files(pages_dir)
    )
    before = pages.current()
    with django_capture_on_commit_callbacks(execute=True):
        replies.reply_as_author(question, author, "Now answered.")
    assert pages.current().name != before.name
