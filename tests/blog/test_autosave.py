"""Autosaves (blog/models/autosave.py, blog/autosaveadmin.py): kept apart from the post, offered when newer."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from blog import revisions
from blog.models import AUTOSAVE_MAX_CHARS, Autosave, Post
from escribe import pages
from tests.blog.test_admin import post_form
from tests.support.factories import make_post, make_tag

pytestmark = pytest.mark.django_db

URL = "/admin/blog/post/autosave/"


def change_url(post):
    return f"/admin/blog/post/{post.pk}/change/"


def autosave(client, for_post=None, **fields):
    data = {"title": "Typed title", "body": "Typed body.", "tag_names": "", "summary": ""}
    data.update({"post": for_post.pk} if for_post else {"autosave_key": "k" * 32})
    data.update(fields)
    return client.post(URL, data)


def staff_with(*codenames):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_an_autosave_keeps_the_text_apart_from_the_post(author_client, author):
    post = make_post(title="Saved title", body="Saved body.")
    response = autosave(author_client, post, title="New title", body="New body.", tag_names="Travel")
    assert response.status_code == 200 and response.json()["when"]
    kept = Autosave.objects.get()
    assert (kept.post, kept.author, kept.title, kept.body, kept.tag_names) == (
        post,
        author,
        "New title",
        "New body.",
        "Travel",
    )
    assert Post.objects.get(pk=post.pk).body == "Saved body."


def test_a_second_autosave_replaces_the_first(author_client):
    post = make_post()
    autosave(author_client, post, body="First.")
    autosave(author_client, post, body="Second.")
    assert list(Autosave.objects.values_list("body", flat=True)) == ["Second."]


def test_autosaves_of_two_unsaved_posts_are_kept_apart_by_their_draft_keys(author_client):
    autosave(author_client, autosave_key="a" * 32, body="One.")
    autosave(author_client, autosave_key="b" * 32, body="Two.")
    autosave(author_client, autosave_key="a" * 32, body="One, longer.")
    assert sorted(Autosave.objects.values_list("body", flat=True)) == ["One, longer.", "Two."]
    assert not Post.objects.exists()


def test_an_autosave_of_a_published_post_changes_nothing_readers_see(
    author_client, pages_dir, django_capture_on_commit_callbacks
):
    post = make_post(title="Public", body="What readers read.")
    stored = Post.objects.filter(pk=post.pk).values().get()
    pages.invalidate()
    before = pages.current()
    with django_capture_on_commit_callbacks(execute=True):
        assert autosave(author_client, post, title="Half-typed", body="Not for readers yet.").status_code == 200
    assert pages.current().name == before.name
    assert Post.objects.filter(pk=post.pk).values().get() == stored
    assert not revisions.versions_of(post).exists()
    page = Client().get(post.get_absolute_url()).content.decode()
    assert "What readers read." in page and "Not for readers yet." not in page


def test_an_anonymous_autosave_is_sent_to_the_login_page(client):
    post = make_post(body="Saved.")
    response = autosave(client, post)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Autosave.objects.exists()


def test_a_staff_member_who_may_not_change_the_post_is_refused(client):
    post = make_post()
    client.force_login(staff_with("view_post"))
    response = autosave(client, post)
    assert response.status_code == 403 and "may not" in response.json()["error"]
    assert not Autosave.objects.exists()


def test_a_staff_member_who_may_not_add_posts_cannot_autosave_a_new_one(client):
    client.force_login(staff_with("change_post"))
    assert autosave(client).status_code == 403
    assert not Autosave.objects.exists()


def test_a_get_autosaves_nothing(author_client):
    post = make_post()
    assert author_client.get(URL, {"post": post.pk, "body": "x"}).status_code == 405
    assert not Autosave.objects.exists()


def test_an_autosave_without_the_csrf_token_is_refused(author):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    assert autosave(client, make_post()).status_code == 403
    assert not Autosave.objects.exists()


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"body": "x" * (AUTOSAVE_MAX_CHARS + 1)}, "The body is too long to autosave"),
        ({"summary": "x" * (AUTOSAVE_MAX_CHARS + 1)}, "The summary is too long"),
        ({"title": "x" * 1001}, "The title is too long"),
        ({"body": "a\x00b"}, "Null characters are not allowed"),
        ({"post": "nine"}, "Enter a whole number"),
        ({"post": "", "autosave_key": ""}, "Neither the post nor its draft key arrived"),
        ({"post": "", "autosave_key": "../../etc"}, "The draft key is not one this site made"),
    ],
)
def test_bad_input_is_refused_with_one_line_and_keeps_nothing(author_client, fields, said):
    response = autosave(author_client, make_post(), **fields)
    assert response.status_code == 400
    assert response.json()["error"].startswith(said) and "\n" not in response.json()["error"]
    assert not Autosave.objects.exists()


def test_an_autosave_of_a_deleted_post_says_so(author_client):
    post = make_post()
    pk = post.pk
    post.delete()
    response = author_client.post(URL, {"post": pk, "body": "x"})
    assert response.status_code == 404 and "deleted" in response.json()["error"]


def test_the_post_form_loads_the_script_and_says_where_and_how_often(author_client, settings):
    settings.AUTOSAVE_SECONDS = 7
    post = make_post()
    page = author_client.get(change_url(post)).content.decode()
    assert "/static/js/admin-autosave.js" in page
    assert f'data-url="{URL}" data-seconds="7" data-post="{post.pk}"' in page


def test_a_newer_autosave_is_offered_on_the_posts_page(author_client):
    post = make_post(body="Saved.")
    autosave(author_client, post, body="Typed since.")
    page = author_client.get(change_url(post)).content.decode()
    kept = Autosave.objects.get()
    assert "newer than the saved version" in page
    assert f'href="/admin/blog/post/autosaves/{kept.pk}/"' in page
    assert f'href="?autosave={kept.pk}"' in page


def test_an_autosave_older_than_the_last_change_is_still_offered_as_older(author_client):
    # Something moved the post's time without saving the author's text (another author, an action, an import).
    post = make_post(body="Saved.")
    autosave(author_client, post, body="Typed since.")
    Autosave.objects.update(saved_at=timezone.now() - timedelta(days=1))
    page = author_client.get(change_url(post)).content.decode()
    assert "older than the saved version, with text that was never saved" in page
    assert "newer than the saved version" not in page


def test_publishing_from_the_list_keeps_offering_the_unsaved_autosave(author_client):
    post = make_post(title="Saved title", body="Saved body.", status=Post.Status.DRAFT)
    autosave(author_client, post, title="Saved title", body="Typed, never saved.")
    author_client.post("/admin/blog/post/", {"action": "publish", "_selected_action": [post.pk]})
    assert Post.objects.get(pk=post.pk).status == Post.Status.PUBLISHED
    page = author_client.get(change_url(post)).content.decode()
    assert f'href="?autosave={Autosave.objects.get().pk}"' in page


# The tags as saving the form would read them: case, spaces and a name twice change nothing.
@pytest.mark.parametrize("typed", ["travel", "Travel, travel", " Travel ,"])
def test_an_autosave_with_the_saved_text_is_not_offered(author_client, typed):
    post = make_post(title="Same", body="Same.", tags=[make_tag("Travel")])
    autosave(author_client, post, title="Same", body="Same.", tag_names=typed)
    page = author_client.get(change_url(post)).content.decode()
    assert Autosave.objects.exists() and 'href="?autosave=' not in page


def test_another_authors_autosave_is_neither_offered_nor_shown(author_client):
    post = make_post()
    theirs = Client()
    theirs.force_login(User.objects.create_superuser("other", "other@example.com", "x"))
    autosave(theirs, post, body="Theirs.")
    kept = Autosave.objects.get()
    assert "newer than the saved version" not in author_client.get(change_url(post)).content.decode()
    assert author_client.get(f"/admin/blog/post/autosaves/{kept.pk}/").status_code == 404
    assert "Theirs." not in author_client.get(change_url(post) + f"?autosave={kept.pk}").content.decode()


def test_the_comparison_shows_the_autosave_beside_the_saved_text(author_client):
    post = make_post(title="Saved title", body="Line one.\nLine two.")
    autosave(author_client, post, title="Typed title", body="Line one.\nLine three.")
    page = author_client.get(f"/admin/blog/post/autosaves/{Autosave.objects.get().pk}/").content.decode()
    assert "<del>Line two.</del>" in page and "<ins>Line three.</ins>" in page
    assert "Typed title" in page and "Load it into the form" in page


def test_loading_an_autosave_fills_the_form_and_saves_nothing(author_client):
    post = make_post(title="Saved title", body="Saved body.", status=Post.Status.DRAFT)
    autosave(author_client, post, title="Typed title", body="Typed body.", tag_names="Travel")
    response = author_client.get(change_url(post) + f"?autosave={Autosave.objects.get().pk}")
    form = response.context["adminform"].form
    assert (form["title"].value(), form["body"].value(), form["tag_names"].value()) == (
        "Typed title",
        "Typed body.",
        "Travel",
    )
    assert "The form holds the autosave of" in response.content.decode()
    stored = Post.objects.get(pk=post.pk)
    assert (stored.title, stored.body, stored.status) == ("Saved title", "Saved body.", Post.Status.DRAFT)
    assert Autosave.objects.exists()


def test_saving_the_post_deletes_its_autosave(author_client):
    post = make_post(slug="kept", status=Post.Status.DRAFT)
    autosave(author_client, post, body="Typed.")
    data = post_form(slug="kept", body="Typed.", status="draft")
    assert author_client.post(change_url(post), data).status_code == 302
    assert not Autosave.objects.exists()


def test_the_first_save_of_a_new_post_deletes_its_draft_autosave_only(author_client):
    autosave(author_client, autosave_key="a" * 32, body="This one.")
    autosave(author_client, autosave_key="b" * 32, body="Another tab's.")
    assert author_client.post("/admin/blog/post/add/", post_form(autosave_key="a" * 32)).status_code == 302
    assert list(Autosave.objects.values_list("body", flat=True)) == ["Another tab's."]


def test_the_add_page_offers_unsaved_drafts_and_loads_one_with_its_key(author_client):
    autosave(author_client, autosave_key="a" * 32, title="Unsaved thoughts", body="Half a post.")
    kept = Autosave.objects.get()
    page = author_client.get("/admin/blog/post/add/").content.decode()
    assert "Unsaved thoughts" in page and f'href="?autosave={kept.pk}"' in page
    response = author_client.get(f"/admin/blog/post/add/?autosave={kept.pk}")
    assert response.context["adminform"].form["body"].value() == "Half a post."
    assert f'name="autosave_key" value="{"a" * 32}"' in response.content.decode()


def test_discarding_an_autosave_is_a_post_and_leaves_the_post_alone(author_client):
    post = make_post(body="Saved.")
    autosave(author_client, post, body="Typed.")
    compare = f"/admin/blog/post/autosaves/{Autosave.objects.get().pk}/"
    assert author_client.get(compare).status_code == 200 and Autosave.objects.exists()
    assert author_client.post(compare)["Location"] == change_url(post)
    assert not Autosave.objects.exists() and Post.objects.get(pk=post.pk).body == "Saved."


def test_a_staff_member_who_may_not_change_the_post_cannot_see_an_autosave_of_it(client):
    post = make_post()
    editor = staff_with("change_post")
    client.force_login(editor)
    autosave(client, post, body="Typed.")
    editor.user_permissions.clear()
    editor = User.objects.get(pk=editor.pk)  # permissions are cached on the user object
    client.force_login(editor)
    assert client.get(f"/admin/blog/post/autosaves/{Autosave.objects.get().pk}/").status_code == 403


@pytest.mark.parametrize("value", ["²", "1" * 30, "-1", "x", ""])
def test_a_load_parameter_that_names_no_autosave_shows_the_saved_form(author_client, value):
    post = make_post(body="Saved.")
    response = author_client.get(change_url(post), {"autosave": value})
    assert response.status_code == 200
    assert response.context["adminform"].form["body"].value() == "Saved."
