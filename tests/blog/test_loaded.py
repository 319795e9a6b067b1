"""blog/loaded.py: a save compares with the values as loaded, without reading the old row again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.models import Page, Post, Redirect, Tag
from tests.support.factories import make_post, make_tag

pytestmark = pytest.mark.django_db


def first_query_of_save(instance):
    with CaptureQueriesContext(connection) as queries:
        instance.save()
    return queries.captured_queries[0]["sql"]


def test_saving_a_loaded_post_writes_before_it_reads():
    post = Post.objects.get(pk=make_post(slug="loaded").pk)
    post.slug = "renamed"
    assert first_query_of_save(post).startswith('UPDATE "blog_post"')
    assert Redirect.objects.filter(old_path="/post/loaded/").exists()


def test_saving_a_loaded_page_writes_before_it_reads():
    page = Page.objects.get(pk=Page.objects.create(title="About", slug="about", body="Me.").pk)
    page.slug = "about-me"
    assert first_query_of_save(page).startswith('UPDATE "blog_page"')
    assert Redirect.objects.filter(old_path="/about/").exists()


def test_saving_a_loaded_tag_writes_before_it_reads():
    tag = Tag.objects.get(pk=make_tag("Pyhton").pk)
    tag.name = "Python"
    assert first_query_of_save(tag).startswith('UPDATE "blog_tag"')


def test_one_instance_renamed_twice_leaves_both_old_addresses():
    post = Post.objects.get(pk=make_post(slug="first").pk)
    post.slug = "second"
    post.save()
    post.slug = "third"
    post.save()
    assert set(Redirect.objects.values_list("old_path", flat=True)) == {"/post/first/", "/post/second/"}


def test_a_post_made_in_this_process_and_renamed_leaves_its_old_address():
    post = make_post(slug="fresh")
    post.slug = "fresher"
    post.save()
    assert Redirect.objects.filter(old_path="/post/fresh/").exists()


def test_a_post_loaded_without_its_slug_still_leaves_its_old_address():
    post = Post.objects.defer("slug").get(pk=make_post(slug="deferred").pk)
    post.slug = "undeferred"
    post.save()
    assert Redirect.objects.filter(old_path="/post/deferred/").exists()


def test_a_field_left_out_of_update_fields_keeps_its_stored_value():
    post = Post.objects.get(pk=make_post(slug="kept").pk)
    post.title, post.slug = "A new title", "not-written"
    post.save(update_fields=["title"])
    assert post.loaded_value("slug") == "kept"


def test_a_copy_of_a_loaded_post_saved_under_another_slug_leaves_the_original_its_address():
    post = Post.objects.get(pk=make_post(slug="original").pk)
    post.pk = None
    post.slug = "copy"
    post.save()
    assert not Redirect.objects.exists()
    assert set(Post.objects.values_list("slug", flat=True)) == {"original", "copy"}


def test_a_post_refreshed_after_another_rename_is_compared_with_the_slug_it_read_again():
    post = Post.objects.get(pk=make_post(slug="first").pk)
    elsewhere = Post.objects.get(pk=post.pk)
    elsewhere.slug = "second"
    elsewhere.save()
    post.refresh_from_db()
    post.slug = "third"
    post.save()
    assert set(Redirect.objects.values_list("old_path", flat=True)) == {"/post/first/", "/post/second/"}
