"""Working the queue in the admin: approve, spam, not spam, delete; recheck; purge."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import CommandError
from django.utils import timezone

from comments import moderation
from comments.management.commands.recheck_comments import BACKOFF_JOB
from comments.models import Comment, CommentEvent, SpamReport
from tests.support.akismet_clients import CONFIG, HamClient, SpamClient, failing_client
from tests.support.commands import run
from tests.support.comment_helpers import history, make_comment
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def post():
    return make_post(slug="queue")


def action(client, name, comments):
    return client.post(
        CHANGELIST + "?status=all",
        {"action": name, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )


def test_the_comment_list_opens_on_the_queue(author_client, post):
    make_comment(post, body="waiting one")
    make_comment(post, status="approved", body="approved one")
    make_comment(post, status="spam", body="spam one")
    html = author_client.get(CHANGELIST).content.decode()
    assert "waiting one" in html and "approved one" not in html and "spam one" not in html
    assert "spam one" in author_client.get(CHANGELIST + "?status=spam").content.decode()
    assert "approved one" in author_client.get(CHANGELIST + "?status=approved").content.decode()
    everything = author_client.get(CHANGELIST + "?status=all").content.decode()
    assert all(text in everything for text in ("waiting one", "approved one", "spam one"))
    assert "198.51.100.1" in html  # the IP is shown


def test_filter_by_spam_check_result(author_client, post):
    make_comment(post, body="check failed", spam_check="error")
    make_comment(post, body="was ham", spam_check="ham")
    html = author_client.get(CHANGELIST + "?spam_check__exact=error").content.decode()
    assert "check failed" in html and "was ham" not in html


def test_bulk_approve_records_history_and_updates_the_post(author_client, post, author):
    comments = [make_comment(post), make_comment(post)]
    action(author_client, "approve", comments)
    for comment in comments:
        comment.refresh_from_db()
        assert comment.status == "approved" and comment.moderated_by == author
        assert history(comment)[-1] == "approved"
    post.refresh_from_db()
    assert post.approved_comment_count == 2


def test_bulk_mark_spam_reports_the_stored_arguments_and_counts(author_client, post, use_akismet):
    akismet_client = use_akismet(SpamClient(config=CONFIG))
    comments = [make_comment(post, body="buy pills"), make_comment(post, status="approved", body="cheap watches")]
    action(author_client, "mark_spam", comments)
    assert [c.status for c in Comment.objects.order_by("id")] == ["spam", "spam"]
    assert SpamReport.current().killed == 2
    sent = [args for name, args in akismet_client.calls if name == "submit_spam"]
    assert sent == [c.akismet_arguments for c in comments]
    assert all(history(c)[-2:] == ["reported_spam", "reported"] for c in comments)
    post.refresh_from_db()
    assert post.approved_comment_count == 0


def test_not_spam_approves_reports_ham_and_corrects_the_counter(author_client, post, use_akismet):
    akismet_client = use_akismet(HamClient(config=CONFIG))
    SpamReport.add(5)
    comment = make_comment(post, status="spam", spam_check="spam")
    action(author_client, "mark_ham", [comment])
    comment.refresh_from_db()
    assert comment.status == "approved"
    assert akismet_client.calls == [("submit_ham", comment.akismet_arguments)]
    assert history(comment) == ["reported_ham", "reported"]
    assert SpamReport.current().killed == 4


def test_two_moderators_acting_on_the_same_comment_at_once_change_it_once(author, post, use_akismet):
    # Both loaded the comment while it waited (two tabs of the mail's links, a double submit).
    akismet_client = use_akismet(SpamClient(config=CONFIG))
    comment = make_comment(post, body="buy pills")
    first, second = Comment.objects.get(pk=comment.pk), Comment.objects.get(pk=comment.pk)
    assert moderation.mark_spam([first], author).changed == 1
    assert moderation.mark_spam([second], author).changed == 0
    assert SpamReport.current().killed == 1
    assert [name for name, _ in akismet_client.calls] == ["submit_spam"]
    assert history(comment) == ["reported_spam", "reported"]
    # Not spam, twice from stale copies: the counter comes back down once.
    stale = Comment.objects.get(pk=comment.pk)
    assert moderation.mark_ham([Comment.objects.get(pk=comment.pk)], author).changed == 1
    assert moderation.mark_ham([stale], author).changed == 0
    assert SpamReport.current().killed == 0


def test_delete_through_the_action_keeps_a_deleted_event(author_client, post):
    comments = [make_comment(post, body="remove me"), make_comment(post, body="and me")]
    refs = [c.pk for c in comments]
    action(author_client, "delete_comments", comments)
    assert Comment.objects.count() == 0
    for ref in refs:
        event = CommentEvent.objects.get(comment_ref=ref, kind="deleted")
        assert event.actor.username == "author"


def test_delete_from_the_change_page_goes_through_moderation(author_client, post):
    comment = make_comment(post, status="approved")
    response = author_client.post(f"{CHANGELIST}{comment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert CommentEvent.objects.filter(comment_ref=comment.pk, kind="deleted").exists()
    post.refresh_from_db()
    assert post.approved_comment_count == 0


@pytest.mark.parametrize(
    ("button", "status", "event"),
    [
        ("approve", "approved", ["approved"]),
        ("spam", "spam", ["reported_spam", "reported"]),
        ("ham", "approved", ["reported_ham", "reported"]),
    ],
)
def test_one_by_one_buttons_on_the_comment_page(author_client, post, use_akismet, button, status, event):
    use_akismet(HamClient(config=CONFIG))
    comment = make_comment(post)
    page = author_client.get(f"{CHANGELIST}{comment.pk}/change/").content.decode()
    assert f"/moderate/{button}/" in page
    response = author_client.post(f"{CHANGELIST}{comment.pk}/moderate/{button}/")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == status and history(comment) == event


def test_a_failed_report_never_blocks_the_moderator(author_client, post, use_akismet):
    use_akismet(failing_client("connect error"))
    comment = make_comment(post)
    action(author_client, "mark_spam", [comment])
    comment.refresh_from_db()
    assert comment.status == "spam"
    assert history(comment) == ["reported_spam", "report_failed"]
    assert "ConnectError" in CommentEvent.objects.get(kind="report_failed").detail


def test_history_is_shown_on_the_comment_page(author_client, post):
    comment = make_comment(post)
    CommentEvent.objects.create(comment=comment, comment_ref=comment.pk, kind="received", detail="From 198.51.100.1.")
    CommentEvent.objects.create(comment=comment, comment_ref=comment.pk, kind="check_failed", detail="timeout")
    html = author_client.get(f"{CHANGELIST}{comment.pk}/change/").content.decode()
    assert "History" in html and "Akismet check failed" in html and "timeout" in html


def test_admin_index_shows_how_many_wait(author_client, post):
    make_comment(post)
    make_comment(post)
    make_comment(post, status="approved")
    html = author_client.get("/admin/").content.decode()
    assert "2 comments waiting" in html


def test_author_sets_the_spam_report_starting_figures(author_client):
    report = SpamReport.current()
    response = author_client.post(
        f"/admin/comments/spamreport/{report.pk}/change/", {"killed": "237132", "since_year": "2008"}
    )
    assert response.status_code == 302
    html_after = author_client.get("/").content.decode()
    assert "At least 237,132 pieces of comment spam killed since 2008, mostly via Akismet." in html_after


def test_recheck_follows_the_wordpress_rules(post, use_akismet):
    now = timezone.now()
    due = [make_comment(post, spam_check="error", created_at=now - timedelta(hours=h)) for h in (3, 2, 1)]
    too_old = make_comment(post, spam_check="error", created_at=now - timedelta(days=16))
    not_failed = make_comment(post, spam_check="ham")
    not_pending = make_comment(post, status="approved", spam_check="error")
    akismet_client = use_akismet(HamClient(config=CONFIG))
    out = run("recheck_comments", "--limit", "2")
    assert "Rechecked 2 comments." in out
    checked = [args["comment_content"] for name, args in akismet_client.calls]
    assert checked == [due[0].body, due[1].body]  # oldest first, at most the limit
    assert all(args["recheck_reason"] == "retry" for _, args in akismet_client.calls)
    for comment in (too_old, not_failed, not_pending):
        comment.refresh_from_db()
        assert history(comment) == []


def test_recheck_stops_at_the_first_failure(post, use_akismet):
    comments = [make_comment(post, spam_check="error", created_at=timezone.now() - timedelta(hours=h)) for h in (2, 1)]
    akismet_client = use_akismet(failing_client("timeout"))
    out = run("recheck_comments")
    assert "stopped at the first failure" in out
    assert len(akismet_client.calls) == 1
    comments[0].refresh_from_db()
    assert comments[0].spam_check == "error" and history(comments[0]) == ["rechecked"]


def test_recheck_backs_off_after_an_invalid_key(post, use_akismet):
    make_comment(post, spam_check="error")
    akismet_client = use_akismet(failing_client("invalid key"))
    assert "backing off" in run("recheck_comments")
    # Held in the database, where every host looks, for the hour.
    until = apps.get_model("escribe", "JobClaim").objects.get(name=BACKOFF_JOB).claimed_until
    assert timedelta(minutes=59) < until - timezone.now() <= timedelta(hours=1)
    assert "not retrying yet" in run("recheck_comments")
    assert len(akismet_client.calls) == 1
    run("recheck_comments", "--force")
    assert len(akismet_client.calls) == 2


def test_purge_spam_deletes_old_spam_but_keeps_the_counter(post, settings):
    settings.SPAM_RETENTION_DAYS = 15
    SpamReport.add(3)
    old = make_comment(post, status="spam", created_at=timezone.now() - timedelta(days=20))
    young = make_comment(post, status="spam", created_at=timezone.now() - timedelta(days=2))
    old_pending = make_comment(post, created_at=timezone.now() - timedelta(days=20))
    assert "Would delete 1 spam comment older" in run("purge_spam", "--dry-run")
    assert Comment.objects.count() == 3
    assert "Deleted 1 spam comment older" in run("purge_spam")
    assert set(Comment.objects.values_list("pk", flat=True)) == {young.pk, old_pending.pk}
    assert not Comment.objects.filter(pk=old.pk).exists()
    assert SpamReport.current().killed == 3


def test_purge_spam_refuses_a_negative_retention_and_deletes_nothing(post):
    young = make_comment(post, status="spam", created_at=timezone.now() - timedelta(days=2))
    with pytest.raises(CommandError, match="--days must be 0 or more"):
        run("purge_spam", "--days", "-1")
    assert Comment.objects.filter(pk=young.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_moderators_approving_on_one_post_at_once_leave_the_right_count():
    from blog.models import Post
    from tests.support.concurrency import at_once, needs_two_waiting_writers

    needs_two_waiting_writers()
    post = make_post()
    first, second = make_comment(post), make_comment(post, body="Another")
    at_once(lambda: moderation.approve([first], None), lambda: moderation.approve([second], None))
    assert Post.objects.get(pk=post.pk).approved_comment_count == 2
