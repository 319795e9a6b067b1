"""Tags are told apart by name (ignoring case), never by slug; each new tag gets a slug no other tag has."""

import pytest
from django.db import IntegrityError

from blog.models import Tag, tag_slug
from tests.support.factories import make_post, make_tag

pytestmark = pytest.mark.django_db


def test_programming_symbols_are_spelled_out_in_slugs():
    assert [tag_slug(name) for name in ("C++", "C#", "C", "F#", "Q&A")] == [
        "c-plus-plus", "c-sharp", "c", "f-sharp", "q-and-a",
    ]  # fmt: skip


def test_names_that_slugify_alike_are_three_tags_with_three_slugs():
    tags = [Tag.objects.get_or_create_named(name)[0] for name in ("C++", "C#", "C")]
    assert [tag.name for tag in tags] == ["C++", "C#", "C"]
    assert [tag.slug for tag in tags] == ["c-plus-plus", "c-sharp", "c"]


def test_a_taken_slug_gets_a_number_and_the_existing_tag_keeps_its_own():
    first = make_tag("C plus plus")
    second = make_tag("C++")
    third = make_tag("C  plus  plus!")
    assert (first.slug, second.slug, third.slug) == ("c-plus-plus", "c-plus-plus-2", "c-plus-plus-3")
    first.refresh_from_db()
    assert first.slug == "c-plus-plus"


def test_an_old_slug_made_by_slugify_alone_is_never_changed():
    # A tag from before: C# got "c", the slug slugify() gave it; its URL must keep working.
    old = Tag.objects.create(name="C#", slug="c")
    new = make_tag("C")
    assert new.slug == "c-2"
    old.name = "C Sharp"
    old.save()
    old.refresh_from_db()
    assert old.slug == "c"


def test_a_slug_with_a_number_fits_the_column():
    assert make_tag("x" * 59 + "?").slug == "x" * 59
    assert make_tag("x" * 59 + "!").slug == "x" * 58 + "-2"


def test_a_name_without_ascii_letters_still_gets_a_slug():
    assert make_tag("日本語").slug == "tag"
    assert make_tag("中文").slug == "tag-2"


def test_a_name_is_found_in_any_case():
    python = make_tag("Python")
    assert Tag.objects.get_or_create_named("python") == (python, False)
    assert Tag.objects.get_or_create_named("PYTHON") == (python, False)
    assert Tag.objects.count() == 1


def test_the_database_refuses_a_name_that_differs_only_in_case():
    make_tag("Python")
    with pytest.raises(IntegrityError):
        Tag.objects.create(name="python", slug="python-2")


def test_three_tags_that_slugify_alike_have_three_tag_pages(client):
    tags = [Tag.objects.get_or_create_named(name)[0] for name in ("C++", "C#", "C")]
    post = make_post(title="Three languages", tags=tags)
    for tag in tags:
        response = client.get(tag.get_absolute_url())
        assert response.status_code == 200
        assert post.title in response.content.decode()
