"""The trash: deleting a post or page in the admin keeps it, readers get 410 Gone, a restore brings it back."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from blog.models import Page, Post, Redirect
from comments.models import Comment
from moving.markdown.exporter import export_folder
from tests.blog.test_visibility import public_places
from tests.support.commands import run
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_post, make_tag
from tests.support.page_files import kept_files

pytestmark = pytest.mark.django_db

POSTS = "/admin/blog/post/"
PAGES = "/admin/blog/page/"


@pytest.fixture
def post():
    """A public post with a tag, an approved comment and an old address, found by a search for Zanzibar."""
    tag = make_tag("Travel")
    post = make_post(title="Zanzibar days", slug="zanzibar", tags=[tag])
    make_comment(post, status=Comment.Status.APPROVED)
    Redirect.objects.record("/2010/05/zanzibar/", post=post)
    return post


def trash_in_admin(client, post):
    return client.post(f"{POSTS}{post.pk}/delete/", {"post": "yes"}, follow=True)


def act(client, url, action, objects, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra}
    return client.post(url, data, follow=True)


def assert_gone(client, url):
    response = client.get(url)
    assert response.status_code == 410, url
    assert "was removed" in response.content.decode()
    assert not response.cookies, url
    return response


class TestMovingToTheTrash:
    def test_the_delete_button_asks_first_then_trashes_keeping_tags_comments_and_old_addresses(
        self, author_client, post
    ):
        asked = author_client.get(f"{POSTS}{post.pk}/delete/")
        assert "Move the post “Zanzibar days” to the trash?" in asked.content.decode()
        post.refresh_from_db()
        assert not post.in_trash

        response = trash_in_admin(author_client, post)
        assert "“Zanzibar days” moved to the trash." in response.content.decode()
        assert "deleted successfully" not in response.content.decode()
        post.refresh_from_db()
        assert post.in_trash and post.status == Post.Status.DRAFT
        assert [tag.name for tag in post.tags.all()] == ["Travel"]
        assert post.comments.count() == 1
        assert Redirect.objects.filter(post=post).count() == 1

    def test_the_list_action_asks_then_trashes_only_on_the_confirming_post(self, author_client, post):
        asked = act(author_client, POSTS, "move_to_trash", [post])
        assert "Move these posts to the trash?" in asked.content.decode()
        post.refresh_from_db()
        assert not post.in_trash
        act(author_client, POSTS, "move_to_trash", [post], confirmed="yes")
        post.refresh_from_db()
        assert post.in_trash

    def test_djangos_delete_action_is_not_offered_outside_the_trash(self, author_client, post):
        response = act(author_client, POSTS, "delete_selected", [post], post="yes")
        assert Post.objects.filter(pk=post.pk).exists()
        assert "No action selected." in response.content.decode()

    def test_a_page_goes_to_the_trash_too(self, author_client, client):
        page = Page.objects.create(title="About", slug="about", body="Me.", status=Page.Status.PUBLISHED)
        author_client.post(f"{PAGES}{page.pk}/delete/", {"post": "yes"})
        page.refresh_from_db()
        assert page.in_trash
        author_client.logout()
        assert_gone(client, "/about/")
        assert 'href="/about/"' not in client.get("/").content.decode()  # out of the navigation
        page.restore_from_trash()
        assert client.get("/about/").status_code == 200


class TestReadersOfATrashedPost:
    def test_its_address_its_source_and_its_old_address_answer_410(self, client, post):
        post.move_to_trash()
        assert_gone(client, post.get_absolute_url())
        assert_gone(client, post.get_source_url())
        assert_gone(client, "/2010/05/zanzibar/")
        assert_gone(client, "/post/zanzibar.md")
        assert_gone(client, f"/{post.pk}/")  # the old engine's numeric permalink

    def test_its_old_wordpress_query_address_answers_410(self, client, post):
        Redirect.objects.record("/?p=12", post=post)
        assert client.get("/?p=12").status_code == 301
        post.move_to_trash()
        assert_gone(client, "/?p=12")

    def test_browsers_ask_again_rather_than_keep_the_410(self, client, post):
        # Chromium keeps a 410 without an expiry for ever, as it does a 301: a reader who saw the post gone
        # would not see it restored. Each of its addresses says to revalidate, as the pages do.
        post.move_to_trash()
        for url in (post.get_absolute_url(), "/2010/05/zanzibar/", f"/{post.pk}/"):
            cache_control = assert_gone(client, url)["Cache-Control"]
            assert {"max-age=0", "must-revalidate"} <= set(cache_control.replace(" ", "").split(",")), url

    def test_staff_get_410_too_rather_than_a_draft_preview(self, author_client, post):
        post.move_to_trash()
        assert author_client.get(post.get_absolute_url()).status_code == 410

    def test_it_is_gone_from_every_list_feed_and_sitemap(self, client, post):
        tag = post.tags.get()
        post.move_to_trash()
        for url, marker in public_places(post, tag):
            response = client.get(url)
            assert response.status_code in (200, 404), url
            assert marker not in response.content.decode(), f"trashed post visible at {url}"

    def test_a_restore_brings_it_back_everywhere_with_its_status(self, author_client, client, post):
        tag = post.tags.get()
        post.move_to_trash()
        act(author_client, f"{POSTS}?trash=yes", "restore_from_trash", [post])
        post.refresh_from_db()
        assert not post.in_trash and post.status == Post.Status.PUBLISHED and post.slug == "zanzibar"
        for url, marker in public_places(post, tag):
            response = client.get(url)
            assert response.status_code == 200, url
            assert marker in response.content.decode(), f"restored post missing at {url}"
        assert client.get("/2010/05/zanzibar/").status_code == 301

    def test_a_restored_draft_stays_a_draft(self, post):
        post.status = Post.Status.DRAFT
        post.save()
        post.move_to_trash()
        post.restore_from_trash()
        assert Post.objects.get(pk=post.pk).status == Post.Status.DRAFT

    def test_the_410_is_never_kept_as_a_page_file_and_a_restore_answers_at_once(
        self, client, post, pages_dir, django_capture_on_commit_callbacks
    ):
        assert client.get(post.get_absolute_url()).status_code == 200
        assert "post/zanzibar/index.html" in kept_files(pages_dir)
        with django_capture_on_commit_callbacks(execute=True):
            post.move_to_trash()
        assert "post/zanzibar/index.html" not in kept_files(pages_dir)
        assert_gone(client, post.get_absolute_url())
        assert_gone(client, "/2010/05/zanzibar/")
        assert kept_files(pages_dir) == []
        with django_capture_on_commit_callbacks(execute=True):
            post.restore_from_trash()
        assert client.get(post.get_absolute_url()).status_code == 200
        assert "post/zanzibar/index.html" in kept_files(pages_dir)


class TestTheTrashInTheAdmin:
    def test_the_list_hides_the_trash_and_the_filter_shows_it(self, author_client, post):
        other = make_post(title="Still here")
        post.move_to_trash()
        listed = author_client.get(POSTS).content.decode()
        assert "Still here" in listed and "Zanzibar days" not in listed
        trash = author_client.get(f"{POSTS}?trash=yes").content.decode()
        assert "Zanzibar days" in trash and "Still here" not in trash
        assert "In the trash since" in trash and "In the trash since" not in listed
        assert "Restore the selected posts" in trash and "Delete the selected posts for good" in trash
        assert other.pk

    def test_delete_for_good_deletes_only_what_is_in_the_trash(self, author_client, post):
        kept = make_post(title="Kept")
        post.move_to_trash()
        act(author_client, f"{POSTS}?trash=yes", "delete_selected", [post, kept], post="yes")
        assert not Post.objects.filter(pk=post.pk).exists()
        assert Post.objects.filter(pk=kept.pk).exists()
        assert not Comment.objects.filter(post_id=post.pk).exists()

    def test_a_trashed_post_is_read_only_until_restored(self, author_client, post):
        post.move_to_trash()
        response = author_client.post(f"{POSTS}{post.pk}/change/", {"title": "Changed", "status": "published"})
        assert response.status_code == 403
        post.refresh_from_db()
        assert post.title == "Zanzibar days" and post.in_trash

    def test_a_revision_of_a_trashed_post_is_not_restored_over_the_trash(self, author_client, post):
        from blog import revisions

        revisions.record(post)
        version = revisions.versions_of(post).first()
        post.move_to_trash()
        response = author_client.post(f"{POSTS}{post.pk}/revisions/{version.pk}/")
        assert response.status_code == 403
        post.refresh_from_db()
        assert post.in_trash and post.status == Post.Status.DRAFT

    def test_a_get_never_trashes_restores_or_deletes(self, author_client, post):
        author_client.get(f"{POSTS}{post.pk}/delete/")
        author_client.get(POSTS, {"action": "move_to_trash", ACTION_CHECKBOX_NAME: post.pk, "confirmed": "yes"})
        post.refresh_from_db()
        assert not post.in_trash
        post.move_to_trash()
        author_client.get(POSTS, {"trash": "yes", "action": "restore_from_trash", ACTION_CHECKBOX_NAME: post.pk})
        author_client.get(f"{POSTS}{post.pk}/delete/")
        post.refresh_from_db()
        assert post.in_trash

    def test_a_trashed_post_cannot_be_made_public_by_any_write(self, post):
        post.move_to_trash()
        with pytest.raises(IntegrityError), transaction.atomic():
            Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)


class TestEmptyingTheTrash:
    def test_empty_trash_deletes_only_what_is_older_than_the_days(self, post, settings):
        settings.TRASH_DAYS = 30
        recent = make_post(title="Recent")
        post.move_to_trash(now=timezone.now() - timedelta(days=31))
        recent.move_to_trash(now=timezone.now() - timedelta(days=29))
        assert "Deleted 1 post and 0 pages" in run("empty_trash")
        assert list(Post.objects.values_list("title", flat=True)) == ["Recent"]
        assert "Deleted 0 posts" in run("empty_trash", "--days", "30")
        assert "Deleted 1 post" in run("empty_trash", "--days", "28")

    def test_empty_trash_leaves_what_is_not_in_the_trash(self, post):
        assert "Deleted 0 posts and 0 pages" in run("empty_trash", "--days", "0")
        assert Post.objects.filter(pk=post.pk).exists()

    def test_a_negative_number_of_days_is_refused(self):
        with pytest.raises(CommandError, match="--days must be 0 or more"):
            run("empty_trash", "--days", "-1")

    def test_the_daily_timer_runs_it(self):
        from pathlib import Path

        unit = Path("deploy/systemd/escribe-purge-spam.service").read_text()
        assert "manage.py run_job --every 20 empty_trash" in unit


def test_export_markdown_leaves_the_trash_out(post, tmp_path):
    kept = make_post(title="Kept", slug="kept")
    post.move_to_trash()
    names = [path.name for path in export_folder(tmp_path / "out")]
    assert any(kept.slug in name for name in names)
    assert not any("zanzibar" in name for name in names)


class TestTheTrashAmongTheAdminsPages:
    def test_an_author_without_the_right_to_delete_comments_may_still_trash_a_commented_post(self, client, post):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission

        editor = get_user_model().objects.create_user("editor", password="x", is_staff=True)
        editor.user_permissions.set(Permission.objects.filter(codename__in=["view_post", "change_post", "delete_post"]))
        client.force_login(editor)
        assert trash_in_admin(client, post).status_code == 200
        post.refresh_from_db()
        assert post.in_trash and post.comments.count() == 1

    def test_the_trash_of_pages_edits_nothing_in_its_list(self, author_client):
        page = Page.objects.create(title="About", slug="about", body="Me.", status=Page.Status.PUBLISHED)
        assert 'name="form-0-status"' in author_client.get(PAGES).content.decode()
        page.move_to_trash()
        assert 'name="form-0-status"' not in author_client.get(f"{PAGES}?trash=yes").content.decode()

    def test_the_dashboard_counts_no_trashed_post_among_the_drafts(self, author_client, post):
        make_post(status=Post.Status.DRAFT)
        post.move_to_trash()
        assert "1 draft<" in author_client.get("/admin/").content.decode()


@pytest.mark.usefixtures("media_root")
def test_an_upload_of_a_trashed_post_is_exported_unattached(post, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from blog.models import Upload
    from moving.markdown.folder import UPLOADS_FILE
    from tests.support.images import image_bytes

    Upload.objects.create(file=SimpleUploadedFile("a.png", image_bytes()), post=post)
    post.move_to_trash()
    export_folder(tmp_path / "out")
    assert "post: null" in (tmp_path / "out" / UPLOADS_FILE).read_text()
