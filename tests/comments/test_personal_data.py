"""Commenters' IP addresses and user agents are blanked after ESCRIBE_PERSONAL_DATA_DAYS (purge_personal_data)."""

from datetime import timedelta

import pytest
from django.core.management import CommandError
from django.utils import timezone

from comments import moderation
from comments.models import Comment, CommentEvent
from tests.support.commands import run
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db


def received(post, days_ago, ip="198.51.100.7", user_agent="Mozilla/5.0 (X11; Linux)"):
    """A comment taken in as the submit view does, `days_ago` days ago."""
    comment = Comment(
        post=post, author_name="Ann", author_email="ann@example.com", body="Nice post.",
        ip_address=ip, user_agent=user_agent, referrer="https://example.org/",
        created_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    assert moderation.receive(comment, post.get_absolute_url()) is None  # stored, not refused
    return comment


def test_ip_and_user_agent_of_old_comments_are_blanked_everywhere_they_were_kept(settings):
    settings.PERSONAL_DATA_DAYS = 90
    post = make_post()
    old, young = received(post, days_ago=91), received(post, days_ago=89)
    assert "Blanked the IP address and user agent of 1 comment older than 90 days." in run("purge_personal_data")
    old.refresh_from_db()
    assert (old.ip_address, old.user_agent) == (None, "")
    assert (old.akismet_arguments["user_ip"], old.akismet_arguments["user_agent"]) == ("", "")
    # The rest of the stored call stays, so spam/ham reports still replay it.
    assert old.akismet_arguments["comment_content"] == "Nice post."
    events = CommentEvent.objects.filter(comment=old, kind=CommentEvent.Kind.RECEIVED)
    assert list(events.values_list("detail", flat=True)) == [moderation.ADDRESS_FORGOTTEN]
    young.refresh_from_db()
    assert (young.ip_address, young.user_agent) == ("198.51.100.7", "Mozilla/5.0 (X11; Linux)")
    assert young.akismet_arguments["user_ip"] == "198.51.100.7"
    assert "198.51.100.7" in CommentEvent.objects.get(comment=young, kind=CommentEvent.Kind.RECEIVED).detail


def test_a_dry_run_counts_and_changes_nothing():
    old = received(make_post(), days_ago=200)
    assert "Would blank the IP address and user agent of 1 comment older" in run("purge_personal_data", "--dry-run")
    old.refresh_from_db()
    assert old.ip_address == "198.51.100.7"


def test_a_second_run_finds_nothing_left_to_blank():
    received(make_post(), days_ago=200)
    run("purge_personal_data", "--days", "30")
    assert "of 0 comments older" in run("purge_personal_data", "--days", "30")


def test_a_negative_retention_is_refused():
    with pytest.raises(CommandError, match="--days must be 0 or more"):
        run("purge_personal_data", "--days", "-1")


def test_the_retention_defaults_to_ninety_days():
    from escribe import settings as project_settings

    assert project_settings.PERSONAL_DATA_DAYS == 90


def test_the_daily_purge_timer_runs_the_command():
    from django.conf import settings

    unit = (settings.BASE_DIR / "deploy" / "systemd" / "escribe-purge-spam.service").read_text()
    assert "ExecStart=@@APP_DIR@@/.venv/bin/python manage.py run_job --every 20 purge_personal_data\n" in unit


def test_the_history_of_a_deleted_comment_forgets_its_address_too(settings):
    settings.PERSONAL_DATA_DAYS = 90
    comment = received(make_post(), days_ago=91)
    CommentEvent.objects.filter(comment_ref=comment.pk).update(created_at=comment.created_at)
    moderation.delete([comment], None)  # its "received" event stays, naming the address
    run("purge_personal_data")
    event = CommentEvent.objects.get(comment_ref=comment.pk, kind=CommentEvent.Kind.RECEIVED)
    assert event.detail == moderation.ADDRESS_FORGOTTEN
    assert "198.51.100.7" not in "".join(CommentEvent.objects.values_list("detail", flat=True))
