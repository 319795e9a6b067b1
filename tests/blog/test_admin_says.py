"""The admin says what happened: what saving a post did for readers, and what the author checks first on the index."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from blog import publishing
from blog.models import Post
from comments.models import Notification
from tests.blog.test_admin import messages_of, post_form
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_post, set_site

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


# --- Saying when --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (datetime(2026, 12, 8, 9, 0, tzinfo=BERLIN), "Tuesday, December 8th, 2026, 09:00 (in 2 days)"),
        (datetime(2026, 12, 7, 8, 5, tzinfo=BERLIN), "Monday, December 7th, 2026, 08:05 (tomorrow)"),
        (datetime(2026, 12, 6, 15, 30, tzinfo=BERLIN), "Sunday, December 6th, 2026, 15:30 (in 4\xa0hours)"),
        # 00:30 in Berlin is still the day before in UTC: the day is the blog's.
        (datetime(2026, 12, 9, 0, 30, tzinfo=BERLIN), "Wednesday, December 9th, 2026, 00:30 (in 3 days)"),
    ],
)
def test_a_publication_time_is_said_in_the_blogs_zone_with_calendar_days(moment, said):
    now = datetime(2026, 12, 6, 11, 30, tzinfo=BERLIN)
    with timezone.override(BERLIN):
        assert publishing.when(moment, now=now) == said


def test_saving_a_future_post_says_when_it_goes_public_in_the_blogs_zone(author_client):
    set_site(time_zone="Europe/Berlin")
    later = timezone.now().astimezone(BERLIN).replace(second=0, microsecond=0) + timedelta(days=2)
    response = author_client.post(
        "/admin/blog/post/add/",
        post_form(published_at_0=later.strftime("%Y-%m-%d"), published_at_1=later.strftime("%H:%M")),
        follow=True,
    )
    [message] = messages_of(response)
    with timezone.override(BERLIN):
        assert message == f"Scheduled for {publishing.when(later)}: “SQLite in production” goes public then."
    assert f", {later:%H:%M} (in 2 days)" in message
    assert Post.objects.get().published_at == later


def test_publishing_says_published_with_a_link_to_the_live_page(author_client):
    response = author_client.post("/admin/blog/post/add/", post_form(), follow=True)
    [message] = messages_of(response)
    assert message == 'Published: <a href="/post/sqlite-in-production/">SQLite in production</a> is live.'
    post = Post.objects.get()
    response = author_client.post(f"/admin/blog/post/{post.pk}/change/", post_form(body="Changed."), follow=True)
    assert messages_of(response) == ['Updated: <a href="/post/sqlite-in-production/">SQLite in production</a> is live.']


def test_saving_a_draft_says_only_the_author_sees_it(author_client):
    response = author_client.post("/admin/blog/post/add/", post_form(status="draft"), follow=True)
    assert messages_of(response) == ["Saved as a draft: “SQLite in production” is visible only to you."]


def test_the_post_list_says_scheduled_and_filters_by_it(author_client):
    make_post(title="Out already")
    make_post(title="Coming soon", published_at=timezone.now() + timedelta(days=2))
    make_post(title="Not finished", status=Post.Status.DRAFT)
    html = author_client.get("/admin/blog/post/").content.decode()
    cells = {title: html.split(title, 1)[1].split('class="field-state">', 1)[1].split("<", 1)[0]
             for title in ("Out already", "Coming soon", "Not finished")}  # fmt: skip
    assert cells == {"Out already": "Published", "Coming soon": "Scheduled", "Not finished": "Draft"}
    scheduled = author_client.get("/admin/blog/post/?public=scheduled").content.decode()
    assert "Coming soon" in scheduled and "Out already" not in scheduled and "Not finished" not in scheduled
    drafts = author_client.get("/admin/blog/post/?public=draft").content.decode()
    assert "Not finished" in drafts and "Coming soon" not in drafts


# --- The index ----------------------------------------------------------------------------------


def glance(author_client):
    html = author_client.get("/admin/").content.decode()
    return html.split('id="at-a-glance"', 1)[1].split("</div>", 1)[0]


def test_the_index_links_the_comments_waiting_and_the_mail_that_failed(author_client):
    post = make_post()
    make_comment(post)
    make_comment(post)
    failed = make_comment(post)
    Notification.objects.create(comment=failed, next_attempt_at=timezone.now(), attempts=1, last_error="refused")
    html = glance(author_client)
    assert '<a href="/admin/comments/comment/"><strong>3 comments waiting</strong>' in html
    assert '<a href="/admin/comments/notification/?state=failing"><strong>1 comment mail could not be sent' in html


def test_the_index_lists_scheduled_posts_with_their_times_and_counts_drafts(author_client):
    set_site(time_zone="Europe/Berlin")
    soon = make_post(title="Coming soon", published_at=timezone.now() + timedelta(days=3))
    make_post(title="Not finished", status=Post.Status.DRAFT)
    make_post(title="Neither", status=Post.Status.DRAFT)
    html = glance(author_client)
    with timezone.override(BERLIN):
        when = publishing.when(soon.published_at)
    assert f'<a href="/admin/blog/post/{soon.pk}/change/">Coming soon</a>, {when}' in html
    assert '<a href="/admin/blog/post/?public=scheduled">1 post scheduled</a>' in html
    assert '<a href="/admin/blog/post/?public=draft">2 drafts</a>' in html


def test_the_index_says_so_when_nothing_waits(author_client):
    html = glance(author_client)
    assert "No comments are waiting." in html and "No posts are scheduled." in html and "No drafts." in html
    assert "failing" not in html


def test_the_index_gives_the_age_of_the_last_backup(author_client, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    assert "No backup yet." in glance(author_client)
    stamp = (timezone.now() - timedelta(hours=5)).astimezone(UTC)
    (tmp_path / f"escribe-{stamp:%Y%m%dT%H%M%SZ}.sqlite3").write_bytes(b"")
    (tmp_path / f"escribe-{stamp - timedelta(days=9):%Y%m%dT%H%M%SZ}.sqlite3").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a backup")
    assert "Last backup: 5\xa0hours ago." in glance(author_client)


def test_the_index_warns_when_the_last_backup_is_old(author_client, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    stamp = (timezone.now() - timedelta(days=4)).astimezone(UTC)
    (tmp_path / f"escribe-{stamp:%Y%m%dT%H%M%SZ}.sqlite3").write_bytes(b"")
    assert "<strong>The last backup is 4\xa0days old.</strong>" in glance(author_client)


def staff_client(client, *permissions):
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("helper", password="not used", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client.force_login(user)
    return client


def test_a_staff_user_without_permissions_sees_no_titles_counts_or_backups_on_the_index(client, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    post = make_post(title="Coming soon", published_at=timezone.now() + timedelta(days=3))
    make_comment(post)
    response = staff_client(client).get("/admin/")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="at-a-glance"' not in html
    assert "Coming soon" not in html and "waiting" not in html and "backup" not in html


def test_a_staff_user_who_may_see_posts_sees_the_posts_line_and_nothing_else(client):
    make_post(title="Coming soon", published_at=timezone.now() + timedelta(days=3))
    make_comment(make_post())
    html = glance(staff_client(client, "view_post"))
    assert "Coming soon" in html and 'id="moderation-queue"' not in html and 'id="last-backup"' not in html
