"""Prepared querysets: the same answers as the queryset they come from, with each call's own values."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.utils import timezone

from blog.models import Post, Tag
from escribe.prepared import Prepared
from tests.factories import make_post, make_tag

pytestmark = pytest.mark.django_db


def test_model_results_match_the_queryset_field_for_field():
    python = make_tag("Python")
    make_post(tags=[python], title="First", slug="first")
    make_post(title="Second", slug="second")
    by_slug = Prepared("post by slug", lambda slug: Post.objects.defer("body").filter(slug=slug), slug="text")

    prepared = by_slug.first(slug="first")
    expected = Post.objects.defer("body").get(slug="first")

    assert isinstance(prepared, Post)
    assert prepared.pk == expected.pk
    for field in ("title", "slug", "published_at", "updated_at", "status", "comments_enabled", "body_html"):
        assert getattr(prepared, field) == getattr(expected, field), field
    assert prepared.published_at.tzinfo is not None  # converted like the ORM does
    assert prepared.get_deferred_fields() == {"body"}
    assert by_slug.first(slug="second").title == "Second"
    assert by_slug.first(slug="missing") is None


def test_every_call_runs_its_query_with_its_own_values(django_assert_num_queries):
    posts = [make_post() for _ in range(3)]
    by_id = Prepared("post title", lambda pk: Post.objects.filter(pk=pk).values_list("title", flat=True), pk="int")
    for post in posts:
        with django_assert_num_queries(1):
            assert by_id.all(pk=post.pk) == [post.title]


def test_a_datetime_slot_moves_with_the_clock_it_is_given():
    now = timezone.now()
    soon = make_post(title="Soon", published_at=now + timedelta(hours=1))
    make_post(title="Earlier", published_at=now - timedelta(hours=1))
    public_titles = Prepared(
        "public titles",
        lambda now: Post.objects.published(now).order_by("published_at").values_list("title", "published_at"),
        now="datetime",
    )

    assert [title for title, _ in public_titles.all(now=now)] == ["Earlier"]
    later = public_titles.all(now=now + timedelta(hours=2))
    assert later == list(
        Post.objects.published(now + timedelta(hours=2)).order_by("published_at").values_list("title", "published_at")
    )
    assert later[-1] == ("Soon", soon.published_at)


def test_annotations_come_through():
    make_tag("Python")
    tags = Prepared("tags", lambda: Tag.objects.annotate(doubled=F("public_post_count") * 2))
    assert [(tag.name, tag.doubled) for tag in tags.all()] == [("Python", 0)]


def test_a_value_the_builder_reads_for_itself_is_refused():
    # published() without a `now` reads the clock: every later call would see the first call's time.
    frozen = Prepared("frozen", lambda slug: Post.objects.published().filter(slug=slug), slug="text")
    with pytest.raises(ImproperlyConfigured, match="changes from one build to the next"):
        frozen.first(slug="x")


@pytest.mark.parametrize(
    "build, kind",
    [
        (lambda value: Post.objects.filter(published_at__year=value), "int"),
        (lambda value: Post.objects.filter(slug__iexact=value), "text"),  # LIKE escapes the value
        (lambda value: Post.objects.filter(title__icontains=value), "text"),
        (lambda value: Post.objects.filter(published_at__date=value), "datetime"),
    ],
)
def test_a_slot_the_sql_does_not_carry_as_it_is_is_refused(build, kind):
    transformed = Prepared("transformed", build, value=kind)
    with pytest.raises(ImproperlyConfigured, match="plain parameter"):
        transformed.all(value={"int": 2024, "text": "a_b", "datetime": timezone.now()}[kind])


def test_prefetching_querysets_are_refused():
    with_tags = Prepared("with tags", lambda: Post.objects.prefetch_related("tags"))
    with pytest.raises(ImproperlyConfigured, match="prefetch"):
        with_tags.all()


def test_calls_must_give_exactly_the_slots():
    by_slug = Prepared("post by slug", lambda slug: Post.objects.filter(slug=slug), slug="text")
    with pytest.raises(TypeError, match="takes exactly slug"):
        by_slug.all()
    with pytest.raises(TypeError):
        by_slug.all(slug="a", other=1)
    with pytest.raises(ValueError, match="aware"):
        Prepared("now", lambda now: Post.objects.published(now), now="datetime").all(now=timezone.now().replace(tzinfo=None))
