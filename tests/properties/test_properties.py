"""Arbitrary text at the comment form, the Markdown renderer and the URL patterns: no exception, bounded time.

Hypothesis draws the inputs; max_examples and deadline keep the whole module
to seconds, and database=None keeps it from writing an example store into
the working tree.
"""

import re
import time
import unicodedata
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.rendering import render, render_comment
from comments.forms import JOINERS, CommentForm
from comments.models import Comment
from tests.escribe.test_url_walk import ROUTES, fill, names
from tests.support.factories import make_post, make_tag

# Every test's settings: FAST, or FAST with its own number of examples.
FAST = settings(
    max_examples=150,
    deadline=timedelta(seconds=2),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Characters that mean something to Markdown, so the renderer meets nesting and brackets, not only letters.
MARKDOWN = st.text(alphabet=st.sampled_from(list("[]()<>`*_!#>-+=|~^:.&;/\\ \n\t\"'aZ1")), max_size=5000)
# Lone surrogates and format characters (bidi controls, zero-width) mixed into ordinary text.
ODD = st.one_of(st.characters(categories=["Cs"]), st.characters(categories=["Cf"]), st.sampled_from("\u202e\u200d"))
TEXT = st.text(alphabet=st.one_of(st.characters(), ODD), max_size=300)


def sprinkled(valid):
    """valid with a few odd characters put in somewhere: random text alone rarely gets past the email check."""
    where = st.integers(min_value=0, max_value=len(valid))
    return st.tuples(where, st.text(alphabet=ODD, max_size=3)).map(lambda t: valid[: t[0]] + t[1] + valid[t[0] :])


HTTP_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@given(source=st.one_of(MARKDOWN, st.text(max_size=3000)))
@FAST
def test_the_renderer_never_raises_and_finishes_in_time(source):
    started = time.perf_counter()
    result = render(source, id_prefix="p")
    assert isinstance(result.html, str)
    assert time.perf_counter() - started < 2


@given(source=st.one_of(MARKDOWN, st.text(max_size=3000)))
@FAST
def test_the_comment_renderer_never_raises_finishes_in_time_and_links_only_the_web(source):
    started = time.perf_counter()
    html = render_comment(source)
    assert time.perf_counter() - started < 2
    assert "<script" not in html and "<img" not in html
    for href in re.findall(r'<a href="([^"]*)"', html):
        assert re.match(r"(https?|mailto):", href, re.IGNORECASE), href


@given(
    depth=st.integers(min_value=1, max_value=5000),
    unit=st.sampled_from(["[", "![", "> ", "*", "_", "`", "<a ", "[x](", "[^1]", "- ", "    - ", "<div>"]),
)
@settings(FAST, max_examples=40, suppress_health_check=())
def test_pathological_markdown_is_capped_rather_than_hanging(depth, unit):
    result = render(unit * depth + "x" + "]" * (depth // 2))
    assert isinstance(result.html, str)


@given(
    name=st.one_of(TEXT, sprinkled("Ada Reader")),
    email=st.one_of(TEXT, sprinkled("ada@example.com")),
    url=st.one_of(TEXT, sprinkled("https://example.com/"), st.just("")),
    body=st.one_of(TEXT, st.text(min_size=4990, max_size=5010)),
)
@FAST
def test_the_comment_form_never_raises_and_keeps_no_invisible_characters(name, email, url, body):
    form = CommentForm({"author_name": name, "author_email": email, "author_url": url, "body": body})
    if not form.is_valid():
        return
    for field in ("author_name", "author_email", "author_url"):
        for char in form.cleaned_data[field]:
            assert unicodedata.category(char) not in ("Cf", "Cs") or char in JOINERS, (field, char)
    assert not any(unicodedata.category(char) == "Cs" for char in form.cleaned_data["body"])
    render_comment(form.cleaned_data["body"])


@pytest.mark.django_db
@given(name=HTTP_TEXT, email=st.one_of(HTTP_TEXT, st.just("ada@example.com")), body=HTTP_TEXT)
@settings(FAST, max_examples=100)
def test_a_submitted_comment_is_stored_whole_or_refused_with_a_400(comment_target, name, email, body):
    before = Comment.objects.count()
    response = Client().post(
        "/post/target/comment/", {"author_name": name, "author_email": email, "body": body}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code in (302, 400)
    after = Comment.objects.count()
    if response.status_code == 400:
        assert after == before
        assert "Please check your comment" in response.content.decode()
    else:
        assert after in (before, before + 1)  # a duplicate is answered the same and not stored twice


@pytest.fixture
def comment_target(db, settings):
    settings.COMMENT_RATE = 1_000_000
    return make_post(slug="target", published_at=timezone.now() - timedelta(days=1))


@pytest.mark.django_db
@given(route=st.sampled_from(ROUTES), value=st.text(max_size=200), method=st.sampled_from(["GET", "POST", "HEAD"]))
@settings(FAST, max_examples=300)
def test_no_url_pattern_answers_arbitrary_text_with_a_server_error(url_site, route, value, method):
    quoted = quote(value.encode("utf-8", "surrogatepass"), safe="")
    url = fill(route, dict.fromkeys(names(route), quoted)) if names(route) else f"/{route}?q={quoted}&page={quoted}"
    response = Client().generic(method, url)
    assert response.status_code < 500, url


@pytest.fixture
def url_site(db):
    make_post(slug="target", tags=[make_tag("Target")])
