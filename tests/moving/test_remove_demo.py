"""remove_demo: what seed_demo brought goes, what the author made or edited stays, and the spam counter is theirs."""

from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Blurb, Page, Post, Tag, Upload
from comments import moderation
from comments.changes import spam_counted
from comments.models import Comment, CommentEvent, Notification, SpamReport
from escribe import pages
from moving import demo
from moving.models import DemoItem, DemoLoad
from tests.support.commands import run
from tests.support.comment_helpers import make_comment
from tests.support.demo_folders import PICTURE
from tests.support.factories import make_blurb, make_post, make_tag

pytestmark = pytest.mark.django_db


def seed(author=None):
    run("seed_demo", *(["--author", author.username] if author else []))


def everything():
    """What a blog holds, to compare before and after."""
    return {
        "posts": sorted(Post.objects.values_list("slug", flat=True)),
        "tags": sorted(Tag.objects.values_list("name", flat=True)),
        "blurbs": sorted(Blurb.objects.values_list("title", flat=True)),
        "pages": sorted(Page.objects.values_list("slug", flat=True)),
        "comments": Comment.objects.count(),
        "events": CommentEvent.objects.count(),
        "uploads": Upload.objects.count(),
        "spam": (SpamReport.current().killed, SpamReport.current().since_year),
    }


def test_a_fresh_database_counts_no_spam_and_the_demo_brings_its_own_count():
    # 237,132 since 2008 is the demo's story, not a new blog's.
    assert (SpamReport.current().killed, SpamReport.current().since_year) == (0, timezone.now().year)
    seed()
    assert (SpamReport.current().killed, SpamReport.current().since_year) == (237132, 2008)


def test_remove_demo_leaves_an_empty_blog(author):
    seed(author)
    assert demo.present() and Post.objects.count() >= 12 and Comment.objects.exists()
    output = run("remove_demo")
    assert "Removed post 'Upgrading this blog to Django 5.2'" in output and "Removed blurb 'Book'" in output
    assert "Demo removed: 18 posts, 2 pages, 3 blurbs, 8 tags, 5 comments, 5 comment events." in output
    assert everything() == {
        "posts": [], "tags": [], "blurbs": [], "pages": [], "comments": 0, "events": 0, "uploads": 0,
        "spam": (0, timezone.now().year),
    }  # fmt: skip
    assert not demo.present() and not DemoItem.objects.exists()
    # The author's account is not the demo's.
    assert author.__class__.objects.filter(pk=author.pk).exists()


def test_a_dry_run_lists_what_would_go_and_changes_nothing():
    seed()
    before = everything()
    output = run("remove_demo", "--dry-run")
    assert "Would remove post 'Upgrading this blog to Django 5.2'" in output
    assert "Would remove tag 'nginx'" in output and "Would remove page 'Uses'" in output
    assert "Would set the spam counter from 237,132 since 2008 to 0 since" in output
    assert "Dry run, nothing changed: would remove 18 posts" in output
    assert everything() == before and demo.present()


def test_the_spam_counter_keeps_what_this_blog_caught_since_the_demo_was_loaded():
    spam_counted(4)  # caught before the demo came
    seed()
    assert SpamReport.current().killed == 237132  # a load only raises the counter
    spam_counted(3)  # and after
    run("remove_demo")
    report = SpamReport.current()
    assert (report.killed, report.since_year) == (4 + 3, timezone.now().year)


def test_a_post_page_blurb_or_tag_the_author_edited_stays_and_is_named():
    seed()
    post = Post.objects.get(slug="pathlib-five-years-in")
    post.body += "\nMy own paragraph.\n"
    post.save()
    page = Page.objects.get(slug="now")
    page.title = "Now, really"
    page.save()
    blurb = Blurb.objects.get(title="About Me")
    blurb.body = "It is me, the real author."
    blurb.save()
    Tag.objects.filter(name="nginx").update(featured=True)

    output = run("remove_demo")
    assert "Kept post 'pathlib, five years in': edited since the demo loaded it." in output
    assert "Kept page 'Now, really': edited since the demo loaded it." in output
    assert "Kept blurb 'About Me': edited since the demo loaded it." in output
    assert "Kept tag 'nginx': edited since the demo loaded it." in output
    assert list(Post.objects.values_list("slug", flat=True)) == ["pathlib-five-years-in"]
    assert list(Page.objects.values_list("slug", flat=True)) == ["now"]
    assert list(Blurb.objects.values_list("title", flat=True)) == ["About Me"]
    # The kept post's tags stay with it; the other demo tags go.
    kept_tags = ["nginx", *post.tags.values_list("name", flat=True)]
    assert sorted(Tag.objects.values_list("name", flat=True)) == sorted(kept_tags)
    assert not demo.present()  # what stays is the author's: no banner, nothing more to remove


def test_saving_a_demo_post_in_the_admin_unchanged_is_not_an_edit(author_client):
    seed()
    post = Post.objects.get(slug="upgrading-this-blog-to-django-52")
    response = author_client.get(f"/admin/blog/post/{post.pk}/change/")
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    # What a browser sends: the textarea's lines end in CRLF, the date split in two fields.
    data.update(body=post.body.replace("\n", "\r\n"), tags=", ".join(post.tags.values_list("name", flat=True)))
    local = timezone.localtime(post.published_at)
    data.update({"published_at_0": local.strftime("%Y-%m-%d"), "published_at_1": local.strftime("%H:%M:%S")})
    data.pop("published_at", None)
    data.update({"uploads-TOTAL_FORMS": "0", "uploads-INITIAL_FORMS": "0"})
    response = author_client.post(f"/admin/blog/post/{post.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Post.objects.get(pk=post.pk).body.count("\r\n") > 0
    run("remove_demo")
    assert not Post.objects.exists()


def test_a_demo_post_with_a_comment_the_demo_did_not_bring_stays_unless_that_is_spam():
    seed()
    reader = Post.objects.get(slug="shell-scripts-that-fail-loudly")
    make_comment(reader, status=Comment.Status.APPROVED, author_name="A real reader")
    spammed = Post.objects.get(slug="vim-registers-i-actually-use")
    spam = make_comment(spammed, status=Comment.Status.SPAM, author_name="Cheap pills")
    output = run("remove_demo")
    assert "Kept post 'Shell scripts that fail loudly': it has comments the demo did not bring." in output
    assert list(Post.objects.values_list("slug", flat=True)) == [reader.slug]
    assert not Comment.objects.filter(pk=spam.pk).exists()


def test_the_history_and_mail_of_demo_comments_go_too_even_of_those_already_deleted(author):
    seed()
    pending = Comment.objects.pending().first()
    Notification.objects.create(comment=pending, next_attempt_at=timezone.now())
    approved = Comment.objects.approved().first()
    moderation.delete([approved], actor=author)
    assert CommentEvent.objects.filter(comment_ref=approved.pk, comment=None).exists()
    own = make_post(slug="my-own")
    mine = make_comment(own, author_name="Mine")
    CommentEvent.objects.record(mine, CommentEvent.Kind.RECEIVED)

    output = run("remove_demo")
    assert "1 comment mails" in output
    assert not Notification.objects.exists()
    assert list(CommentEvent.objects.values_list("comment_ref", flat=True)) == [mine.pk]


def test_the_authors_own_posts_blurbs_and_tags_are_never_touched():
    own_tag = make_tag("Cooking")
    own_blurb = make_blurb(title="My links")
    seed()
    python = Tag.objects.get(name="Python")
    mine = make_post(slug="my-first-post", tags=[python, own_tag])
    run("remove_demo")
    assert list(Post.objects.values_list("slug", flat=True)) == ["my-first-post"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Cooking", "Python"]  # Python: my post carries it
    assert list(Blurb.objects.values_list("pk", flat=True)) == [own_blurb.pk]
    assert set(mine.tags.values_list("name", flat=True)) == {"Python", "Cooking"}


def test_the_demos_uploads_go_with_their_files(demo_with_a_picture, settings, django_capture_on_commit_callbacks):
    run("seed_demo", "--from", str(demo_with_a_picture))
    stored = Path(settings.MEDIA_ROOT) / PICTURE
    assert Upload.objects.get().file.name == PICTURE and stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        output = run("remove_demo")
    assert f"Removed upload '{PICTURE}'" in output
    assert not Upload.objects.exists() and not stored.exists()


def test_an_upload_a_kept_post_shows_stays(demo_with_a_picture, settings, django_capture_on_commit_callbacks):
    run("seed_demo", "--from", str(demo_with_a_picture))
    post = Post.objects.get(slug="a-picture")
    post.title = "My picture"
    post.save()
    with django_capture_on_commit_callbacks(execute=True):
        output = run("remove_demo")
    assert f"Kept upload '{PICTURE}': still linked from 'My picture'." in output
    assert Upload.objects.exists() and (Path(settings.MEDIA_ROOT) / PICTURE).exists()


def test_a_removed_demo_does_not_come_back_with_the_next_make_run():
    seed()
    run("remove_demo")
    assert "loads it no more" in run("seed_demo")
    assert not Post.objects.exists() and SpamReport.current().killed == 0


def test_a_demo_deleted_by_hand_is_loaded_again_and_removed_whole():
    seed()
    Post.objects.all().delete()
    seed()
    assert DemoLoad.objects.count() == 2
    run("remove_demo")
    assert everything()["posts"] == [] and everything()["blurbs"] == [] and SpamReport.current().killed == 0


def test_everything_goes_in_one_transaction(monkeypatch):
    seed()
    before = everything()

    def broken():
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(demo, "_remove_spam_count", broken)
    with pytest.raises(RuntimeError):
        run("remove_demo")
    assert everything() == before and demo.present()


def test_without_a_recorded_demo_there_is_nothing_to_remove():
    make_post(slug="mine")
    assert "No demo content is recorded" in run("remove_demo")
    assert Post.objects.exists()


def test_the_pages_readers_get_go_stale(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.PAGES_DIR = str(tmp_path / "pages")
    seed()
    pages.invalidate()
    before = pages.current()
    with django_capture_on_commit_callbacks(execute=True):
        run("remove_demo")
    assert pages.current().name != before.name


BANNER = 'id="demo-banner"'


@pytest.mark.parametrize("path", ["/admin/", "/admin/blog/post/", "/admin/comments/comment/", "/admin/blog/blurb/"])
def test_the_admin_says_how_to_remove_the_demo_while_it_is_here(author_client, path):
    assert BANNER not in author_client.get(path).content.decode()
    seed()
    html = author_client.get(path).content.decode()
    assert BANNER in html and "<code>manage.py remove_demo</code>" in html
    run("remove_demo")
    assert BANNER not in author_client.get(path).content.decode()


def test_the_banner_asks_one_small_question_of_the_author_and_none_of_a_visitor(author_client):
    assert len(demo_queries(author_client, "/admin/blog/post/")) == 1
    seed()
    client = Client()  # not logged in
    assert demo_queries(client, "/admin/login/") == []
    assert BANNER not in client.get("/admin/login/").content.decode()


def demo_queries(client, path):
    """The SQL a page of the admin sends to the demo's tables."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in captured if "moving_demo" in query["sql"]]


def forget_the_record():
    """The database as a make run from before seed_demo recorded the demo left it."""
    DemoLoad.objects.all().delete()
    assert not demo.present() and not DemoItem.objects.exists()


def test_a_demo_loaded_before_it_was_recorded_is_recognised_by_its_content_on_the_next_make_run():
    seed()
    forget_the_record()
    post = Post.objects.get(slug="pathlib-five-years-in")
    post.body += "\nMine now.\n"
    post.save()
    assert "Recognised the demo content an earlier make run loaded." in run("seed_demo")
    assert demo.present()
    output = run("remove_demo")
    assert "Kept post 'pathlib, five years in': edited since the demo loaded it." in output
    assert "Removed post 'Upgrading this blog to Django 5.2'" in output
    assert list(Post.objects.values_list("slug", flat=True)) == [post.slug]
    assert not Comment.objects.exists() and not Blurb.objects.exists() and not Page.objects.exists()
    # Before the demo the counter read 0, since the year this database was made.
    assert (SpamReport.current().killed, SpamReport.current().since_year) == (0, post.created_at.year)


def test_remove_demo_recognises_an_unrecorded_demo_itself():
    seed()
    forget_the_record()
    output = run("remove_demo", "--dry-run")
    assert "Recognised the demo content" in output and "Would remove post 'Upgrading this blog to Django 5.2'" in output
    assert not demo.present()  # a dry run records nothing either
    run("remove_demo")
    assert everything()["posts"] == [] and everything()["tags"] == []


def test_the_authors_own_blog_is_never_taken_for_the_demo():
    # Same slug as a demo post, the author's own words.
    make_post(slug="upgrading-this-blog-to-django-52", title="Upgrading this blog to Django 5.2", body="My notes.")
    make_blurb(title="About Me", body="The real me.")
    assert "Recognised" not in run("seed_demo")
    assert "No demo content is recorded" in run("remove_demo")
    assert Post.objects.count() == 1 and Blurb.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_upgrading_an_install_keeps_its_spam_counter():
    """moving 0002 (the demo's record) leaves the counter of a blog that has one as it is."""
    executor = MigrationExecutor(connection)
    executor.migrate([("moving", "0001_wordpress_ids")])
    SpamReport.objects.update_or_create(pk=1, defaults={"killed": 4321, "since_year": 2011})
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert (SpamReport.current().killed, SpamReport.current().since_year) == (4321, 2011)
    assert not demo.present()
