"""The author's comment mail links to Approve, Mark as spam and Reply: each asks for the login, then a POST."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import resolve

from comments import outbox
from comments.models import Comment, SpamReport
from tests.support.akismet_clients import CONFIG, HamClient
from tests.support.comment_helpers import history, make_comment, send_comment_mail
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db

LINKS = {"Approve": "approve", "Mark as spam": "spam", "Reply (and approve)": "reply"}


@pytest.fixture
def comment(author, settings):  # the author: a superuser with an address, the mail's recipient
    settings.SITE_URL = "https://blog.example"
    return make_comment(make_post(title="Mail me", slug="mail-me"), spam_check="ham")


def mailed_links(comment):
    """{label: address} of the action links in the author's mail about `comment`, as sent."""
    outbox.queue(comment)
    outbox.release(comment)
    assert send_comment_mail() == (1, 0)
    body = mail.outbox[-1].body
    return {label: re.search(rf"^{re.escape(label)}: (\S+)$", body, re.M).group(1) for label in LINKS}


def confirm_url(comment, action):
    return f"/admin/comments/comment/{comment.pk}/confirm/{action}/"


def test_the_mail_has_the_three_links_absolute_and_they_resolve(comment, author_client):
    links = mailed_links(comment)
    for label, url in links.items():
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("https", "blog.example"), label
        assert (
            resolve(parts.path).url_name
            == {
                "approve": "comments_comment_confirm",
                "spam": "comments_comment_confirm",
                "reply": "comments_comment_reply",
            }[LINKS[label]]
        )
        assert author_client.get(parts.path).status_code == 200, label
    assert urlsplit(links["Approve"]).path == confirm_url(comment, "approve")
    assert urlsplit(links["Mark as spam"]).path == confirm_url(comment, "spam")
    assert urlsplit(links["Reply (and approve)"]).path == f"/admin/comments/comment/{comment.pk}/reply/"


@pytest.mark.parametrize("action", ["approve", "spam"])
def test_a_get_shows_the_comment_and_a_button_and_changes_nothing(comment, author_client, action):
    html = author_client.get(confirm_url(comment, action)).content.decode()
    assert comment.body in html
    assert re.search(r'<form method="post">\s*<input type="hidden" name="csrfmiddlewaretoken"', html)
    assert author_client.head(confirm_url(comment, action)).status_code == 200
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert history(comment) == []


@pytest.mark.parametrize("action", ["approve", "spam"])
def test_a_reader_who_is_not_logged_in_is_sent_to_the_login_and_back(comment, client, action):
    response = client.get(confirm_url(comment, action))
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={confirm_url(comment, action)}"
    assert client.post(confirm_url(comment, action)).status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


@pytest.mark.parametrize("action", ["approve", "spam"])
def test_staff_without_the_queues_permission_get_403(comment, client, action):
    clerk = get_user_model().objects.create_user("clerk", "c@example.com", "pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(clerk)
    assert client.get(confirm_url(comment, action)).status_code == 403
    assert client.post(confirm_url(comment, action)).status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_the_post_approves_once_and_a_second_post_says_so(comment, author_client):
    response = author_client.post(confirm_url(comment, "approve"), follow=True)
    assert "Approved." in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    again = author_client.post(confirm_url(comment, "approve"), follow=True).content.decode()
    assert "already approved; nothing changed" in again
    assert history(comment) == ["approved"]
    # The page itself says so too, with no button left to press.
    page = author_client.get(confirm_url(comment, "approve")).content.decode()
    assert "already approved" in page and 'type="submit" class="default"' not in page


def test_the_post_marks_spam_reports_it_to_akismet_and_counts_it_once(comment, author_client, use_akismet):
    client = use_akismet(HamClient(config=CONFIG))
    response = author_client.post(confirm_url(comment, "spam"), follow=True)
    assert "Marked as spam. Reported to Akismet." in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM
    again = author_client.post(confirm_url(comment, "spam"), follow=True).content.decode()
    assert "already marked as spam; nothing changed" in again
    assert [call[0] for call in client.calls] == ["submit_spam"]
    assert SpamReport.current().killed == 1
    assert history(comment) == ["reported_spam", "reported"]


def test_approving_a_comment_marked_spam_meanwhile_is_not_spam(comment, author_client, use_akismet):
    client = use_akismet(HamClient(config=CONFIG))
    author_client.post(confirm_url(comment, "spam"))
    author_client.post(confirm_url(comment, "approve"))
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert [call[0] for call in client.calls] == ["submit_spam", "submit_ham"]
    assert SpamReport.current().killed == 0  # a false positive was never killed spam


def test_an_unknown_action_is_not_found(comment, author_client):
    assert author_client.get(confirm_url(comment, "delete")).status_code == 404
    assert author_client.post(confirm_url(comment, "delete")).status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_the_reply_link_approves_and_replies_with_one_post(comment, author_client):
    reply_path = urlsplit(mailed_links(comment)["Reply (and approve)"]).path
    assert author_client.get(reply_path).status_code == 200
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING  # the page alone approves nothing
    author_client.post(reply_path, {"body": "Thanks!", "approve": "Approve and reply"})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert Comment.objects.get(parent=comment).body == "Thanks!"
