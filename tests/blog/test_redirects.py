"""The redirect table: old addresses answer 301, only where nothing else answers, and never become page files."""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Post, Redirect
from tests.blog.test_admin import post_form
from tests.support.factories import make_post
from tests.support.page_files import kept_files

pytestmark = pytest.mark.django_db


def assert_redirects_to(response, url):
    assert response.status_code == 301, response.status_code
    assert response["Location"] == url


# --- A slug changed in the admin ---------------------------------------------------------------


def test_a_slug_changed_in_the_admin_sends_its_old_url_to_the_post(author_client):
    post = make_post(title="SQLite in production", slug="sqlite-in-prod")
    response = author_client.post(f"/admin/blog/post/{post.pk}/change/", post_form(slug="sqlite-in-production"))
    assert response.status_code == 302, response.content.decode()[:2000]
    author_client.logout()
    assert_redirects_to(author_client.get("/post/sqlite-in-prod/"), "/post/sqlite-in-production/")
    assert author_client.get("/post/sqlite-in-production/").status_code == 200


def test_saving_a_post_without_changing_its_slug_records_nothing():
    post = make_post(slug="steady")
    post.title = "A new title"
    post.save()
    assert not Redirect.objects.exists()


def test_renaming_twice_sends_the_first_url_straight_to_the_last(client):
    post = make_post(slug="first")
    for slug in ("second", "third"):
        post.slug = slug
        post.save()
    assert_redirects_to(client.get("/post/first/"), "/post/third/")
    assert_redirects_to(client.get("/post/second/"), "/post/third/")


def test_a_path_redirect_chain_collapses_when_its_target_moves():
    Redirect.objects.record("/a/", new_path="/b/")
    Redirect.objects.record("/b/", new_path="/c/")
    assert Redirect.objects.get(old_path="/a/").new_path == "/c/"


def test_a_path_leading_to_a_renamed_post_leads_to_the_post_itself(client):
    post = make_post(slug="old-name")
    Redirect.objects.record("/elsewhere/", new_path="/post/old-name/")
    post.slug = "new-name"
    post.save()
    assert_redirects_to(client.get("/elsewhere/"), "/post/new-name/")


def test_the_old_markdown_source_follows_the_post(client):
    post = make_post(slug="before")
    post.slug = "after"
    post.save()
    assert_redirects_to(client.get("/post/before.md"), "/post/after.md")


# --- Never in front of a live URL ---------------------------------------------------------------


def test_a_redirect_never_shadows_a_live_url(client):
    elsewhere = make_post(slug="elsewhere")
    make_post(slug="taken")
    Redirect.objects.record("/post/taken/", post=elsewhere)
    assert client.get("/post/taken/").status_code == 200


def test_a_slug_given_back_to_its_post_serves_the_post_again(client):
    post = make_post(slug="original")
    post.slug = "renamed"
    post.save()
    post.slug = "original"
    post.save()
    assert client.get("/post/original/").status_code == 200
    assert_redirects_to(client.get("/post/renamed/"), "/post/original/")


def test_a_redirect_to_its_own_path_is_a_404_not_a_loop(client):
    Redirect.objects.record("/loop/", new_path="/loop/")
    assert client.get("/loop/").status_code == 404


def test_a_redirect_to_a_post_readers_may_not_see_is_a_404(client):
    draft = make_post(slug="draft", status=Post.Status.DRAFT)
    scheduled = make_post(slug="soon", published_at=timezone.now() + timedelta(days=1))
    Redirect.objects.record("/old-draft/", post=draft)
    Redirect.objects.record("/old-soon/", post=scheduled)
    assert client.get("/old-draft/").status_code == 404
    assert client.get("/old-soon/").status_code == 404


def test_only_a_read_follows_a_redirect(client):
    Redirect.objects.record("/2010/05/03/hello/", post=make_post())
    assert client.post("/2010/05/03/hello/").status_code == 404


# --- WordPress's addresses ---------------------------------------------------------------------


@pytest.mark.parametrize("old", ["/2010/05/03/hello-world/", "/2010/05/hello-world/", "/hello-world/", "/archives/12/"])
def test_each_old_wordpress_path_answers_301_to_the_post(client, old):
    post = make_post(slug="hello-world")
    Redirect.objects.record(old, post=post)
    assert_redirects_to(client.get(old), "/post/hello-world/")


def test_an_old_path_copied_without_its_trailing_slash_still_redirects(client):
    Redirect.objects.record("/2010/05/hello-world/", post=make_post(slug="hello-world"))
    assert_redirects_to(client.get("/2010/05/hello-world"), "/post/hello-world/")


def test_the_front_page_with_exactly_p_id_redirects_to_the_post(client):
    Redirect.objects.record("/?p=12", post=make_post(slug="hello-world"))
    assert_redirects_to(client.get("/?p=12"), "/post/hello-world/")


@pytest.mark.parametrize("query", ["p=12&utm_source=x", "page_id=12", "p=13", "p=12x"])
def test_the_front_page_with_any_other_query_is_the_front_page(client, query):
    Redirect.objects.record("/?p=12", post=make_post(slug="hello-world"))
    assert client.get(f"/?{query}").status_code == 200


def test_a_redirect_answers_head_as_well(client):
    Redirect.objects.record("/hello-world/", post=make_post(slug="hello-world"))
    assert_redirects_to(client.head("/hello-world/"), "/post/hello-world/")


# --- Page files ---------------------------------------------------------------------------------


def test_a_301_is_never_written_as_a_page_file(client, pages_dir):
    Redirect.objects.record("/2010/05/03/hello-world/", post=make_post(slug="hello-world"))
    assert client.get("/2010/05/03/hello-world/").status_code == 301
    assert not any(name.startswith("2010") for name in kept_files(pages_dir))


@pytest.mark.parametrize(
    ("new_path", "message"),
    [
        ("https://elsewhere.example/", "starting with a single /"),
        ("//elsewhere.example/", "starting with a single /"),
        ("/same/", "cannot lead to its own address"),
        ("/back/", "would be a loop"),
    ],
    ids=["another site", "scheme-relative", "itself", "a loop"],
)
def test_the_admin_refuses_a_redirect_off_the_site_or_into_a_loop(author_client, new_path, message):
    Redirect.objects.create(old_path="/back/", new_path="/same/")
    response = author_client.post("/admin/blog/redirect/add/", {"old_path": "/same/", "new_path": new_path})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Redirect.objects.count() == 1


def test_posts_loaded_from_a_fixture_are_searchable(tmp_path):
    from django.core.management import call_command

    from blog import search

    make_post(title="Moved between databases", slug="moved")
    fixture = tmp_path / "posts.json"
    call_command("dumpdata", "blog.post", "--output", str(fixture), verbosity=0)
    search.unindex_posts(Post.objects.values_list("pk", flat=True))
    call_command("loaddata", str(fixture), verbosity=0)
    results = search.search("moved databases")
    assert [post.title for post in results[0 : results.count()]] == ["Moved between databases"]
