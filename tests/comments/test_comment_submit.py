"""Submitting a comment: saved first, checked by Akismet, never lost."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from comments.models import Comment, CommentEvent, SpamReport
from tests.support.akismet_clients import CONFIG, FAILURES, DiscardClient, HamClient, SpamClient, failing_client
from tests.support.comment_helpers import history, post_comment, send_comment_mail
from tests.support.factories import make_author, make_post, set_site

pytestmark = pytest.mark.django_db

RECEIVED_URL = "/post/{slug}/comment/received/"


@pytest.fixture
def post():
    make_author()  # the author gets the notification emails
    return make_post(title="SQLite in production", slug="sqlite")


def assert_answered_the_same(response, post):
    assert response.status_code == 302
    assert response["Location"] == RECEIVED_URL.format(slug=post.slug)


def test_post_page_shows_the_form_and_the_note(client, post):
    html = client.get(post.get_absolute_url()).content.decode()
    for text in ('for="comment-author_name"', 'for="comment-body"', '<h2 id="comment-form-title">Post a comment</h2>'):
        assert text in html
    note = (
        "Thanks for reading! Please note: Your comment will not appear until approved, "
        "which may take a few hours or more. Spammers will be torpedoed."
    )
    assert note in html
    assert 'action="/post/sqlite/comment/"' in html
    assert "csrfmiddlewaretoken" not in html


@pytest.mark.parametrize("bound", [False, True], ids=["blank", "sent back with errors"])
def test_the_notes_under_email_and_website_are_tied_to_their_inputs(client, post, bound):
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        """The order of controls and help texts, and what each control is described by."""

        def __init__(self, html):
            super().__init__()
            self.order, self.described_by, self.texts, self._in_help = [], {}, {}, None
            self.feed(html)

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag in ("input", "textarea") and attrs.get("id", "").startswith("comment-"):
                self.order.append(attrs["id"])
                self.described_by[attrs["id"]] = attrs.get("aria-describedby")
            elif tag == "div" and "helptext" in (attrs.get("class") or ""):
                self.order.append(attrs["id"])
                self._in_help = attrs["id"]

        def handle_data(self, data):
            if self._in_help:
                self.texts[self._in_help] = data.strip()
                self._in_help = None

    if bound:
        response = post_comment(client, post, author_email="not an address")
        assert response.status_code == 400
    else:
        response = client.get(post.get_absolute_url())
    fields = Fields(response.content.decode())
    for name, note in (("author_email", "(Will not be shared)"), ("author_url", "(Optional)")):
        control, help_id = f"comment-{name}", f"comment-{name}_helptext"
        assert fields.texts[help_id] == note
        assert help_id in fields.described_by[control].split()
        # Under the field, as on the old blog: the note follows its input.
        assert fields.order.index(help_id) == fields.order.index(control) + 1


def test_received_page_says_the_comment_awaits_approval(client, post):
    response = client.get(RECEIVED_URL.format(slug=post.slug))
    assert "awaiting approval" in response.content.decode()
    assert not response.cookies


def test_ham_stays_pending_and_the_author_is_told(client, post, use_akismet):
    akismet_client = use_akismet(HamClient(config=CONFIG))
    response = post_comment(client, post)
    assert_answered_the_same(response, post)
    comment = Comment.objects.get()
    assert (comment.status, comment.spam_check) == ("pending", "ham")
    assert comment.spam_checked_at is not None
    assert mail.outbox == []  # not inside the commenter's request
    send_comment_mail()
    assert history(comment) == ["received", "checked_ham", "notified"]
    assert len(mail.outbox) == 1 and "SQLite in production" in mail.outbox[0].subject
    assert [name for name, _ in akismet_client.calls] == ["comment_check"]
    assert SpamReport.current().killed == 0


def test_arguments_sent_to_akismet_are_complete_and_stored(client, post, use_akismet):
    akismet_client = use_akismet(HamClient(config=CONFIG))
    post_comment(client, post)
    comment = Comment.objects.get()
    sent = akismet_client.calls[0][1]
    assert sent == comment.akismet_arguments
    assert sent["user_ip"] == "203.0.113.7"
    assert sent["user_agent"] == "Mozilla/5.0 test"
    assert sent["referrer"] == "http://testserver/post/sqlite/"
    assert sent["permalink"] == "http://testserver/post/sqlite/"
    assert sent["comment_type"] == "comment"
    assert sent["comment_author"] == "Ada Reader"
    assert sent["comment_author_email"] == "ada@example.com"
    assert sent["comment_author_url"] == "https://ada.example/"
    assert sent["comment_content"].startswith("Thanks, this helped")
    for field in ("comment_date_gmt", "comment_post_modified_gmt", "blog_lang", "blog_charset"):
        assert sent[field], field


@pytest.mark.parametrize(("client_class", "check"), [(SpamClient, "spam"), (DiscardClient, "discard")])
def test_spam_and_discard_become_spam_and_count(client, post, use_akismet, client_class, check):
    use_akismet(client_class(config=CONFIG))
    response = post_comment(client, post)
    assert_answered_the_same(response, post)
    comment = Comment.objects.get()
    assert (comment.status, comment.spam_check) == ("spam", check)
    assert history(comment) == ["received", f"checked_{check}"]
    assert SpamReport.current().killed == 1
    assert send_comment_mail() == (0, 0)
    assert mail.outbox == []


def test_without_a_key_comments_are_queued_unchecked(client, post, settings):
    settings.AKISMET_API_KEY = ""
    response = post_comment(client, post)
    assert_answered_the_same(response, post)
    comment = Comment.objects.get()
    assert (comment.status, comment.spam_check) == ("pending", "unchecked")
    send_comment_mail()
    assert history(comment) == ["received", "notified"]
    assert "Spam check: Not checked\n" in mail.outbox[0].body


@pytest.mark.parametrize("failure", list(FAILURES))
def test_comment_is_kept_when_akismet_fails_and_recheck_classifies_it(client, post, use_akismet, failure):
    use_akismet(failing_client(failure))
    response = post_comment(client, post)
    assert_answered_the_same(response, post)
    comment = Comment.objects.get()
    assert (comment.status, comment.spam_check) == ("pending", "error")
    assert comment.spam_check_error
    send_comment_mail()
    assert history(comment) == ["received", "check_failed", "notified"]

    # Akismet is back: the timer's recheck classifies it.
    spam_client = use_akismet(SpamClient(config=CONFIG))
    call_command("recheck_comments", "--force", stdout=StringIO())
    comment.refresh_from_db()
    assert (comment.status, comment.spam_check) == ("spam", "spam")
    assert history(comment)[-1] == "rechecked"
    assert spam_client.calls[0][1]["recheck_reason"] == "retry"
    assert SpamReport.current().killed == 1


def test_comment_is_kept_when_mail_fails(client, post, settings, use_akismet):
    use_akismet(HamClient(config=CONFIG))
    settings.EMAIL_BACKEND = "tests.comments.test_comment_submit.BrokenMailBackend"
    response = post_comment(client, post)
    assert_answered_the_same(response, post)
    comment = Comment.objects.get()
    assert comment.status == "pending"
    assert send_comment_mail() == (0, 1)
    event = CommentEvent.objects.get(kind="notify_failed")
    assert "ConnectionRefusedError" in event.detail


class BrokenMailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_invalid_input_rerenders_the_form_with_values_and_messages(client, post):
    response = post_comment(client, post, author_email="not-an-email", body="x")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Ensure this value has at least 2 characters" in html
    assert 'value="Ada Reader"' in html and 'value="not-an-email"' in html
    assert Comment.objects.count() == 0


def test_closed_comments_are_refused(client, post):
    post.comments_enabled = False
    post.save()
    response = post_comment(client, post)
    assert response.status_code == 403
    assert "closed" in response.content.decode()
    assert Comment.objects.count() == 0
    assert "Comments are closed" in client.get(post.get_absolute_url()).content.decode()


def test_comments_close_after_the_configured_days(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    set_site(comments_close_after_days=30)
    old = make_post(published_at=timezone.now() - timedelta(days=31))
    assert post_comment(client, old).status_code == 403
    recent = make_post(published_at=timezone.now() - timedelta(days=29))
    assert post_comment(client, recent).status_code == 302
    assert Comment.objects.count() == 1


def test_draft_and_unknown_posts_are_404(client):
    from blog.models import Post

    draft = make_post(status=Post.Status.DRAFT)
    assert post_comment(client, draft).status_code == 404
    assert client.post("/post/no-such-post/comment/", {}).status_code == 404
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_the_submit_url_leads_to_the_post_form(client, post, method):
    response = getattr(client, method)(f"/post/{post.slug}/comment/")
    assert response.status_code == 302
    assert response["Location"] == "/post/sqlite/#comment-form"
    assert not response.cookies
    page = client.get(response["Location"]).content.decode()
    assert '<form class="comment-form" id="comment-form" action="/post/sqlite/comment/"' in page


def test_opening_the_submit_url_of_a_post_closed_to_comments_leads_to_its_comments(client, post):
    post.comments_enabled = False
    post.save()
    response = client.get(f"/post/{post.slug}/comment/")
    assert response["Location"] == "/post/sqlite/#comments"
    assert 'id="comments"' in client.get(response["Location"]).content.decode()


def test_opening_the_submit_url_of_a_draft_or_unknown_post_is_404(client):
    from blog.models import Post

    draft = make_post(slug="draft", status=Post.Status.DRAFT)
    scheduled = make_post(slug="later", published_at=make_post().published_at.replace(year=2999))
    for slug in (draft.slug, scheduled.slug, "no-such-post"):
        assert client.get(f"/post/{slug}/comment/").status_code == 404, slug


@pytest.mark.parametrize("method", ["put", "delete", "patch", "options"])
def test_other_methods_on_the_submit_url_get_the_405_page(client, post, method):
    response = getattr(client, method)(f"/post/{post.slug}/comment/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert "This address does not answer that kind of request" in response.content.decode()
    assert Comment.objects.count() == 0


def test_the_redirect_from_the_submit_url_is_never_a_page_file(client, post, settings, tmp_path):
    from escribe import pages

    settings.PAGES_DIR = str(tmp_path / "pages")
    settings.SITE_URL = "http://testserver"
    assert client.get(post.get_absolute_url()).status_code == 200  # the page itself is kept
    assert client.get(f"/post/{post.slug}/comment/").status_code == 302
    generation = pages.current()
    kept = sorted(str(p.relative_to(generation.path)) for p in generation.path.rglob("*") if p.is_file())
    assert kept and not any("comment" in name for name in kept), kept
