"""What an author's browser (or a forged form) may send the admin: a clear answer, never a 500."""

import pytest
from django.contrib.messages import get_messages

from blog.models import Post
from tests.blog.test_admin import post_form
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db

CHANGE_LISTS = ["/admin/blog/post/", "/admin/blog/tag/", "/admin/comments/comment/", "/admin/auth/user/"]


@pytest.mark.parametrize("url", CHANGE_LISTS)
@pytest.mark.parametrize("selected", ["abc", "99999999999999999999999", "1.5"], ids=["letters", "huge", "decimal"])
def test_a_bulk_action_on_a_selection_that_is_no_key_is_refused_with_a_message(author_client, url, selected):
    post = make_post()
    data = {"action": "delete_selected", "_selected_action": [str(post.pk), selected], "index": "0"}
    response = author_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == url
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The selection was not understood: select the items again."
    ]
    assert Post.objects.filter(pk=post.pk).exists()


def test_a_bulk_action_on_a_good_selection_still_runs(author_client):
    post = make_post(status=Post.Status.DRAFT)
    response = author_client.post(
        "/admin/blog/post/", {"action": "publish", "_selected_action": [str(post.pk)], "index": "0"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


@pytest.mark.parametrize("day", ["9999-12-31", "9999-01-01", "0999-12-31", "0001-01-01"])
def test_a_post_dated_beyond_what_the_site_can_count_is_a_form_error(author_client, day):
    response = author_client.post("/admin/blog/post/add/", post_form(published_at_0=day, published_at_1="23:59:59"))
    assert response.status_code == 200
    assert "Choose a date between the years 1000 and 9998." in response.content.decode()
    assert not Post.objects.exists()


def test_a_post_dated_in_the_last_year_allowed_is_saved_and_counted(author_client):
    response = author_client.post("/admin/blog/post/add/", post_form(published_at_0="9998-12-31"))
    assert response.status_code == 302
    assert Post.objects.get().published_at.year == 9998


@pytest.fixture(params=["Pacific/Kiritimati", "America/Los_Angeles"], ids=["ahead-of-utc", "behind-utc"])
def blog_zone(request):
    from blog import site

    settings = site.current()
    settings.time_zone = request.param
    settings.save()
    return request.param


def test_a_post_changed_to_december_9999_is_a_form_error_in_any_zone(author_client, blog_zone):
    post = make_post(slug="far")
    before = post.published_at
    data = post_form(slug="far", published_at_0="9999-12-31", published_at_1="23:59")
    response = author_client.post(f"/admin/blog/post/{post.pk}/change/", data)
    assert response.status_code == 200
    assert "Choose a date between the years 1000 and 9998." in response.content.decode()
    post.refresh_from_db()
    assert post.published_at == before


def test_the_last_minute_allowed_is_saved_and_every_page_still_answers(author_client, client, blog_zone):
    post = make_post(slug="far")
    data = post_form(slug="far", published_at_0="9998-12-31", published_at_1="23:59")
    response = author_client.post(f"/admin/blog/post/{post.pk}/change/", data)
    assert response.status_code == 302
    for url in ["/admin/blog/post/", f"/admin/blog/post/{post.pk}/change/", "/archive/", "/sitemap.xml"]:
        assert author_client.get(url).status_code == 200, url
