"""Revisions: every admin save keeps what it replaced; a version's diff; restoring through the normal save."""

import pytest
from django.contrib.auth.models import Permission

from blog import revisions
from blog.models import Blurb, Page, Post, Redirect, Tag
from escribe import pages
from tests.blog.test_admin import post_form, run_action
from tests.support.factories import make_author, make_blurb, make_post, make_tag

pytestmark = pytest.mark.django_db


def edit(client, post, **changes):
    data = post_form(
        title=post.title, slug=post.slug, body=post.body, status=post.status,
        tag_names=", ".join(tag.name for tag in post.tags.all()),
    )  # fmt: skip
    data.update(changes)
    response = client.post(f"/admin/blog/post/{post.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return Post.objects.get(pk=post.pk)


def version_url(obj, version):
    return f"/admin/blog/{obj._meta.model_name}/{obj.pk}/revisions/{version.pk}/"


def oldest(obj):
    return revisions.versions_of(obj).last()


def test_an_admin_save_keeps_the_previous_version_with_its_tags(author_client):
    post = make_post(title="First title", body="first body", status=Post.Status.DRAFT, tags=[make_tag("Travel")])
    edit(author_client, post, title="Second title", body="second body", tag_names="Python", status="published")

    newest, previous = revisions.versions_of(post)
    kept = revisions.state(previous)
    assert (kept["title"], kept["body"], kept["status"]) == ("First title", "first body", "draft")
    assert [name for _, name in kept["tags"]] == ["Travel"]
    assert [name for _, name in revisions.state(newest)["tags"]] == ["Python"]
    assert revisions.state(newest)["title"] == "Second title"
    assert newest.revision.user.get_username() == "author"
    # The previous one's time is the post's own last change, not the moment of the edit.
    assert previous.revision.date_created == post.updated_at


def test_adding_a_post_keeps_its_first_version_with_the_tags_it_was_given(author_client):
    assert author_client.post("/admin/blog/post/add/", post_form(tag_names="SQLite, Deployment")).status_code == 302
    post = Post.objects.get()
    (version,) = revisions.versions_of(post)
    assert sorted(name for _, name in revisions.state(version)["tags"]) == ["Deployment", "SQLite"]
    assert version.revision.get_comment() == "Added."


def test_a_second_save_adds_one_version_and_keeps_no_second_baseline(author_client):
    post = make_post(body="one")
    post = edit(author_client, post, body="two")
    edit(author_client, post, body="three")
    assert [revisions.state(v)["body"] for v in revisions.versions_of(post)] == ["three", "two", "one"]


def test_publishing_from_the_list_keeps_a_version_before_and_after(author_client):
    post = make_post(status=Post.Status.DRAFT)
    run_action(author_client, "publish", [post])
    assert [revisions.state(v)["status"] for v in revisions.versions_of(post)] == ["published", "draft"]
    run_action(author_client, "unpublish", [post])
    assert revisions.versions_of(post).first().field_dict["status"] == "draft"
    assert revisions.versions_of(post).count() == 3


def test_publishing_several_posts_keeps_each_ones_own_tags(author_client):
    travel = make_post(status=Post.Status.DRAFT, tags=[make_tag("Travel")])
    food = make_post(status=Post.Status.DRAFT, tags=[make_tag("Food")])
    run_action(author_client, "publish", [travel, food])
    for post, name in [(travel, "Travel"), (food, "Food")]:
        assert [[tag for _, tag in revisions.state(v)["tags"]] for v in revisions.versions_of(post)] == [[name]] * 2


def test_the_history_page_lists_versions_with_who_and_the_comment(author_client):
    post = make_post()
    edit(author_client, post, title="Renamed")
    html = author_client.get(f"/admin/blog/post/{post.pk}/history/").content.decode()
    assert "Revisions" in html and "As it was before the first recorded change." in html
    assert "Changed Title" in html and version_url(post, oldest(post)) in html


def test_the_diff_shows_an_edited_line_escaped(author_client):
    post = make_post(body="same line\nold <b>line</b>\n")
    edit(author_client, post, body="same line\n<script>alert(1)</script>\n")
    response = author_client.get(version_url(post, oldest(post)))
    html = response.content.decode()
    assert "<del>&lt;script&gt;alert(1)&lt;/script&gt;</del>" in html
    assert "<ins>old &lt;b&gt;line&lt;/b&gt;</ins>" in html
    assert "<script>alert" not in html
    assert response.context["body_diff"][1:] == [
        ("same", "same line"),
        ("del", "<script>alert(1)</script>"),
        ("ins", "old <b>line</b>"),
    ]


def test_the_version_page_names_the_other_fields_that_differ(author_client):
    post = make_post(title="Old", status=Post.Status.DRAFT, tags=[make_tag("Travel")])
    edit(author_client, post, title="New", status="published", tag_names="Python")
    differences = author_client.get(version_url(post, oldest(post))).context["differences"]
    assert ("title", "New", "Old") in differences
    assert ("status", "published", "draft") in differences
    assert ("tags", "Python", "Travel") in differences


def test_restoring_brings_back_title_body_tags_and_status_as_a_new_version(author_client):
    travel = make_tag("Travel")
    post = make_post(title="Old", body="old body", status=Post.Status.DRAFT, tags=[travel])
    edit(author_client, post, title="New", body="new body", status="published", tag_names="Python, Django")
    first = oldest(post)

    response = author_client.post(version_url(post, first))
    assert response.status_code == 302
    post = Post.objects.get(pk=post.pk)
    assert (post.title, post.body, post.status) == ("Old", "old body", "draft")
    assert [tag.name for tag in post.tags.all()] == ["Travel"]
    assert "old body" in post.body_html  # rendered by the model's own save
    newest = revisions.versions_of(post).first()
    assert revisions.versions_of(post).count() == 3
    assert newest.revision.get_comment().startswith("Restored the version of")
    # The restore can itself be undone: the version before it is still there.
    assert revisions.state(revisions.versions_of(post)[1])["title"] == "New"


def test_restoring_a_deleted_tag_brings_it_back_by_name(author_client):
    post = make_post(tags=[make_tag("Ephemeral")])
    edit(author_client, post, tag_names="")
    Tag.objects.filter(name="Ephemeral").delete()
    author_client.post(version_url(post, oldest(post)))
    assert [tag.name for tag in Post.objects.get(pk=post.pk).tags.all()] == ["Ephemeral"]


def test_restoring_an_old_slug_goes_through_the_save_path_and_leaves_a_redirect(author_client):
    post = make_post(slug="old-address")
    edit(author_client, post, slug="new-address")
    author_client.post(version_url(post, oldest(post)))
    assert Post.objects.get(pk=post.pk).slug == "old-address"
    assert Redirect.objects.filter(old_path="/post/new-address/").exists()


def test_restoring_makes_the_page_files_stale(author_client, pages_dir, django_capture_on_commit_callbacks):
    post = make_post(title="Old")
    edit(author_client, post, title="New")
    pages.invalidate()
    before = pages.current()
    with django_capture_on_commit_callbacks(execute=True):
        author_client.post(version_url(post, oldest(post)))
    assert pages.current().name != before.name


def test_a_get_never_restores(author_client):
    post = make_post(title="Old")
    edit(author_client, post, title="New")
    response = author_client.get(version_url(post, oldest(post)))
    assert response.status_code == 200 and "Restore this version" in response.content.decode()
    assert Post.objects.get(pk=post.pk).title == "New"
    assert revisions.versions_of(post).count() == 2


def test_a_slug_taken_meanwhile_is_refused_plainly_and_changes_nothing(author_client):
    post = make_post(slug="taken-later", title="Old")
    edit(author_client, post, slug="moved", title="New")
    make_post(slug="taken-later")
    response = author_client.post(version_url(post, oldest(post)), follow=True)
    assert any("Not restored" in str(m) for m in response.context["messages"])
    assert Post.objects.get(pk=post.pk).title == "New"
    assert revisions.versions_of(post).count() == 2


def test_a_version_of_another_object_is_not_found(author_client):
    one, other = make_post(), make_post()
    edit(author_client, one, title="Changed")
    assert author_client.get(version_url(other, oldest(one))).status_code == 404
    assert author_client.post(version_url(other, oldest(one))).status_code == 404


def test_without_the_change_permission_versions_are_neither_shown_nor_restored(author_client, client):
    post = make_post(title="Old")
    edit(author_client, post, title="New")
    url = version_url(post, oldest(post))
    viewer = make_author("viewer")
    viewer.is_superuser = False
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(viewer)

    history = client.get(f"/admin/blog/post/{post.pk}/history/")
    assert history.status_code == 200 and url not in history.content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Post.objects.get(pk=post.pk).title == "New"


def test_pages_keep_and_restore_versions(author_client):
    page = Page.objects.create(title="About", slug="about", body="I write.", status=Page.Status.PUBLISHED)
    data = {"title": "About me", "slug": "about", "body": "I write a lot.", "status": "published",
            "in_navigation": "on", "position": "0"}  # fmt: skip
    assert author_client.post(f"/admin/blog/page/{page.pk}/change/", data).status_code == 302
    author_client.post(version_url(page, oldest(page)))
    page.refresh_from_db()
    assert (page.title, page.body) == ("About", "I write.")


def test_blurbs_keep_versions_from_the_list_too(author_client):
    blurb = make_blurb(title="Colophon", visible=True)
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(blurb.pk),
            "form-0-position": str(blurb.position), "_save": "Save"}  # fmt: skip
    author_client.post("/admin/blog/blurb/", data)
    assert Blurb.objects.get(pk=blurb.pk).visible is False
    assert [v.field_dict["visible"] for v in revisions.versions_of(blurb)] == [False, True]


def test_saves_outside_the_admin_make_no_revision():
    # Imports and commands write without revisions; the admin's first save keeps their result.
    post = make_post()
    post.title = "Changed by a script"
    post.save()
    assert not revisions.versions_of(post).exists()
