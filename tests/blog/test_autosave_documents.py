"""Autosaves of pages and blurbs (blog/autosaveadmin.py, blog/models/autosave.py): each kind its own fields,
its own endpoint and permission; posts' autosaves are tests/blog/test_autosave.py."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from blog import revisions
from blog.models import Autosave, Blurb, Page
from escribe import pages
from tests.support.factories import make_blurb, make_post

pytestmark = pytest.mark.django_db

KINDS = ["page", "blurb"]


def make_page(**fields):
    fields.setdefault("title", "About")
    fields.setdefault("slug", "about")
    fields.setdefault("body", "Saved body.")
    return Page.objects.create(**fields)


def make_document(kind, **fields):
    return make_page(**fields) if kind == "page" else make_blurb(**{"body": "Saved body.", **fields})


def admin_url(kind, view):
    return f"/admin/blog/{kind}/{view}/"


def change_url(document):
    return f"/admin/blog/{document._meta.model_name}/{document.pk}/change/"


def autosave(client, kind, document=None, **fields):
    data = {"title": "Typed title", "body": "Typed body."}
    data.update({kind: document.pk} if document else {"autosave_key": "k" * 32})
    data.update(fields)
    return client.post(admin_url(kind, "autosave"), data)


def form_data(kind, **overrides):
    data = {"title": "About", "body": "Typed body.", "position": "0"}
    if kind == "page":
        data.update({"slug": "about", "status": "draft", "in_navigation": "on"})
    else:
        data["visible"] = "on"
    return {**data, **overrides}


def staff_with(*codenames):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.parametrize("kind", KINDS)
def test_the_endpoint_keeps_the_kinds_own_fields_apart_from_the_document(author_client, author, kind):
    document = make_document(kind, title="Saved title")
    # A post's fields sent to a page's endpoint are not the page's: nothing of them is kept.
    response = autosave(author_client, kind, document, title="New", body="New body.", tag_names="X", summary="Y")
    assert response.status_code == 200 and response.json()["when"]
    kept = Autosave.objects.get()
    assert (kept.kind, kept.document, kept.author, kept.title, kept.body) == (
        kind,
        document,
        author,
        "New",
        "New body.",
    )
    assert (kept.tag_names, kept.summary, kept.post) == ("", "", None)
    stored = type(document).objects.get(pk=document.pk)
    assert (stored.title, stored.body) == ("Saved title", "Saved body.")


@pytest.mark.parametrize("kind", KINDS)
def test_the_form_names_the_kind_and_the_fields_the_script_sends(author_client, settings, kind):
    settings.AUTOSAVE_SECONDS = 7
    document = make_document(kind)
    page = author_client.get(change_url(document)).content.decode()
    assert "/static/js/admin-autosave.js" in page
    url = admin_url(kind, "autosave")
    assert f'data-url="{url}" data-seconds="7" data-{kind}="{document.pk}" data-kind="{kind}"' in page
    assert 'data-fields="title body"' in page


@pytest.mark.parametrize("kind", KINDS)
def test_a_newer_autosave_is_offered_and_loading_it_fills_the_form_and_saves_nothing(author_client, kind):
    document = make_document(kind, title="Saved title")
    autosave(author_client, kind, document, title="Typed title", body="Typed body.")
    kept = Autosave.objects.get()
    page = author_client.get(change_url(document)).content.decode()
    assert "newer than the saved version" in page
    assert f'href="/admin/blog/{kind}/autosaves/{kept.pk}/"' in page and f'href="?autosave={kept.pk}"' in page

    response = author_client.get(change_url(document), {"autosave": kept.pk})
    form = response.context["adminform"].form
    assert (form["title"].value(), form["body"].value()) == ("Typed title", "Typed body.")
    assert "The form holds the autosave of" in response.content.decode()
    stored = type(document).objects.get(pk=document.pk)
    assert (stored.title, stored.body) == ("Saved title", "Saved body.")


@pytest.mark.parametrize("kind", KINDS)
def test_an_autosave_with_the_saved_text_is_not_offered(author_client, kind):
    document = make_document(kind, title="Same")
    autosave(author_client, kind, document, title="Same", body="Saved body.")
    assert "newer than the saved version" not in author_client.get(change_url(document)).content.decode()


def test_a_pages_autosave_older_than_its_last_change_is_offered_as_older(author_client):
    page = make_page()
    autosave(author_client, "page", page)
    Autosave.objects.update(saved_at=page.updated_at - timedelta(seconds=1))
    assert "older than the saved version" in author_client.get(change_url(page)).content.decode()


@pytest.mark.parametrize("kind", ["page", "blurb"])
def test_an_edit_in_the_list_keeps_the_unsaved_autosave(author_client, kind):
    # The list's editable columns save the document without its text: the author's typing is not saved by them.
    document = make_document(kind)
    autosave(author_client, kind, document, body="Typed, never saved.")
    columns = {
        "page": {"status": getattr(document, "status", ""), "position": "7"},
        "blurb": {"position": "7", "visible": "on"},
    }
    data = {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(document.pk), "_save": "Save",
        **{f"form-0-{name}": value for name, value in columns[kind].items()},
    }  # fmt: skip
    assert author_client.post(f"/admin/blog/{kind}/", data).status_code == 302
    assert type(document).objects.get(pk=document.pk).position == 7
    assert Autosave.objects.get().body == "Typed, never saved."


def test_a_blurbs_autosave_is_older_once_a_newer_revision_of_it_is_saved(author_client):
    # A blurb keeps no updated_at: its newest revision says when it was last saved.
    blurb = make_blurb(body="Saved body.")
    autosave(author_client, "blurb", blurb)
    Autosave.objects.update(saved_at=timezone.now() - timedelta(days=1))
    assert "newer than the saved version" in author_client.get(change_url(blurb)).content.decode()
    revisions.record(blurb)
    assert "older than the saved version" in author_client.get(change_url(blurb)).content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_saving_the_document_deletes_its_autosave(author_client, kind):
    document = make_document(kind)
    autosave(author_client, kind, document, body="Typed body.")
    assert author_client.post(change_url(document), form_data(kind)).status_code == 302
    assert not Autosave.objects.exists()
    assert type(document).objects.get(pk=document.pk).body == "Typed body."


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_document_autosaves_by_its_draft_key_and_its_first_save_deletes_that_one(author_client, kind):
    autosave(author_client, kind, autosave_key="a" * 32, title="Unsaved thoughts", body="This one.")
    autosave(author_client, kind, autosave_key="b" * 32, body="Another tab's.")
    assert Autosave.objects.filter(kind=kind, draft_key__in=["a" * 32, "b" * 32]).count() == 2
    add = author_client.get(admin_url(kind, "add")).content.decode()
    assert "Unsaved thoughts" in add and f"An unsaved {kind}, “Unsaved thoughts”" in add
    response = author_client.post(admin_url(kind, "add"), form_data(kind, autosave_key="a" * 32))
    assert response.status_code == 302
    assert list(Autosave.objects.values_list("body", flat=True)) == ["Another tab's."]


def test_each_add_page_lists_only_its_own_kinds_unsaved_drafts(author_client):
    autosave(author_client, "page", title="A page never saved")
    kept = Autosave.objects.get()
    assert "A page never saved" in author_client.get(admin_url("page", "add")).content.decode()
    for other in ["post", "blurb"]:
        assert "A page never saved" not in author_client.get(admin_url(other, "add")).content.decode()
        # Nor can another kind's form load it: it would be saved as a post or a blurb.
        response = author_client.get(admin_url(other, "add"), {"autosave": kept.pk})
        assert response.context["adminform"].form["body"].value() != "Typed body."
    response = author_client.get(admin_url("page", "add"), {"autosave": kept.pk})
    assert response.context["adminform"].form["body"].value() == "Typed body."


def test_a_staff_member_who_may_change_posts_but_not_pages_cannot_autosave_a_page(client):
    page = make_page()
    client.force_login(staff_with("change_post", "add_post", "view_page"))
    response = autosave(client, "page", page)
    assert response.status_code == 403 and "may not change this page" in response.json()["error"]
    assert autosave(client, "page").status_code == 403  # a new page: no right to add pages either
    assert not Autosave.objects.exists()
    assert autosave(client, "post", make_post()).status_code == 200


def test_a_staff_member_who_may_change_blurbs_but_not_pages_cannot_see_a_pages_autosave(client, author_client):
    page = make_page()
    blurb = make_blurb()
    editor = staff_with("change_blurb")
    client.force_login(editor)
    autosave(client, "blurb", blurb)
    assert autosave(client, "page", page).status_code == 403
    # The editor's own autosave of a page made while they could change pages: gone with the permission.
    theirs = Autosave.objects.create(kind="page", page=page, author=editor, body="x", saved_at=timezone.now())
    assert client.get(admin_url("page", f"autosaves/{theirs.pk}")).status_code == 403
    assert client.get(admin_url("blurb", f"autosaves/{Autosave.objects.get(kind='blurb').pk}")).status_code == 200


def test_an_autosave_is_found_only_through_its_own_kinds_admin(author_client):
    page = make_page()
    autosave(author_client, "page", page, title="Typed title")
    kept = Autosave.objects.get()
    assert author_client.get(admin_url("page", f"autosaves/{kept.pk}")).status_code == 200
    assert author_client.get(admin_url("post", f"autosaves/{kept.pk}")).status_code == 404
    assert author_client.post(admin_url("blurb", f"autosaves/{kept.pk}")).status_code == 404
    assert Autosave.objects.exists()


def test_a_pages_comparison_shows_its_own_fields_and_discarding_returns_to_the_page(author_client):
    page = make_page(title="Saved title", body="Line one.\nLine two.")
    autosave(author_client, "page", page, title="Typed title", body="Line one.\nLine three.")
    compare = admin_url("page", f"autosaves/{Autosave.objects.get().pk}")
    html = author_client.get(compare).content.decode()
    assert "<del>Line two.</del>" in html and "<ins>Line three.</ins>" in html
    assert "Typed title" in html and "after the last save of the page" in html
    assert '<th scope="row">Title</th>' in html
    assert '<th scope="row">Tags</th>' not in html and '<th scope="row">Summary</th>' not in html
    assert author_client.post(compare)["Location"] == change_url(page)
    assert not Autosave.objects.exists() and Page.objects.get(pk=page.pk).body == "Line one.\nLine two."


def test_an_autosave_of_a_published_page_changes_nothing_readers_see(
    author_client, pages_dir, django_capture_on_commit_callbacks
):
    page = make_page(body="What readers read.", status=Page.Status.PUBLISHED)
    stored = Page.objects.filter(pk=page.pk).values().get()
    pages.invalidate()
    before = pages.current()
    with django_capture_on_commit_callbacks(execute=True):
        assert autosave(author_client, "page", page, body="Not for readers yet.").status_code == 200
    assert pages.current().name == before.name
    assert Page.objects.filter(pk=page.pk).values().get() == stored
    assert not revisions.versions_of(page).exists()
    html = Client().get(page.get_absolute_url()).content.decode()
    assert "What readers read." in html and "Not for readers yet." not in html


def test_a_blurbs_autosave_changes_no_sidebar(author_client, pages_dir, django_capture_on_commit_callbacks):
    blurb = make_blurb(body="What readers read.")
    pages.invalidate()
    before = pages.current()
    with django_capture_on_commit_callbacks(execute=True):
        assert autosave(author_client, "blurb", blurb, body="Not for readers yet.").status_code == 200
    assert pages.current().name == before.name
    assert Blurb.objects.get(pk=blurb.pk).body == "What readers read."


def test_a_trashed_page_keeps_its_autosave_until_the_trash_is_emptied(author_client):
    page = make_page()
    autosave(author_client, "page", page, body="Typed before trashing.")
    page.move_to_trash()
    assert Autosave.objects.get().page == page
    # Read-only in the trash: nothing more is autosaved until it is restored.
    assert autosave(author_client, "page", page, body="Typed later.").status_code == 403
    assert Autosave.objects.get().body == "Typed before trashing."
    Page.objects.filter(pk=page.pk).update(trashed_at=timezone.now() - timedelta(days=400))
    call_command("empty_trash", stdout=StringIO())
    assert not Page.objects.exists() and not Autosave.objects.exists()


def test_a_restored_page_offers_the_autosave_it_kept_through_the_trash(author_client):
    # Restoring moves the page's time but saves none of the author's typing: that is still offered.
    page = make_page()
    autosave(author_client, "page", page, body="Typed before trashing.")
    page.move_to_trash()
    page.restore_from_trash()
    assert "older than the saved version" in author_client.get(change_url(page)).content.decode()
    assert author_client.post(change_url(page), form_data("page")).status_code == 302
    assert not Autosave.objects.exists()


def test_deleting_a_blurb_deletes_its_autosaves(author_client):
    blurb = make_blurb()
    autosave(author_client, "blurb", blurb)
    autosave(author_client, "blurb", autosave_key="d" * 32)
    blurb.delete()
    assert list(Autosave.objects.values_list("kind", "blurb")) == [("blurb", None)]


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "page", "post": "post"},
        {"kind": "post", "page": "page"},
        {"kind": "blurb", "post": "post", "blurb": "blurb"},
        {"kind": "page", "page": "page", "blurb": "blurb"},
    ],
)
def test_an_autosave_points_at_one_document_of_its_own_kind_at_most(author, fields):
    documents = {"post": make_post(), "page": make_page(), "blurb": make_blurb()}
    fields = {name: value if name == "kind" else documents[value] for name, value in fields.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        Autosave.objects.create(author=author, saved_at=timezone.now(), **fields)


def test_a_page_and_a_post_with_the_same_id_keep_their_autosaves_apart(author_client):
    post, page = make_post(), make_page()
    Page.objects.filter(pk=page.pk).update(id=post.pk)
    page = Page.objects.get(pk=post.pk)
    autosave(author_client, "post", post, body="The post's.", tag_names="", summary="")
    autosave(author_client, "page", page, body="The page's.")
    assert sorted(Autosave.objects.values_list("kind", "body")) == [("page", "The page's."), ("post", "The post's.")]
    response = author_client.get(change_url(page), {"autosave": Autosave.objects.get(kind="post").pk})
    assert response.context["adminform"].form["body"].value() == "Saved body."
