"""Every URL pattern the resolver knows, walked with hostile values: never a 5xx.

The patterns come from django.urls.get_resolver(), includes and the admin
too, so a route added later is walked without touching this file.
"""

import re
import traceback
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from comments.models import Comment
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_author, make_post, make_tag

pytestmark = pytest.mark.django_db

HOSTILE = [
    "0",
    "1",
    "-1",
    str(2**63),
    str(10**30),
    "üñí-日本-\u202e",
    "a" * 10_000,
    "..",
    "%2e%2e%2fetc%2fpasswd",
    "%00",
    "%FF%FE",
    "1%2F2",
]
# What a parameter gets while another one is hostile: values that lead somewhere.
NORMAL = {"slug": "target", "page": "2", "year": "2020", "month": "1", "pk": "1", "section": "posts"}
URLENCODED = "application/x-www-form-urlencoded"
QUERY_KEYS = ("page", "p", "q", "next")
ADMIN_OPEN = ("admin/login/", "admin/logout/")
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def walk(patterns, prefix=""):
    """(route, parameter names) for every pattern, includes followed."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def fill(route, values):
    """route with each parameter (<conv:name> or (?P<name>...)) replaced by values.get(name)."""
    route = _PARAMETER.sub(lambda m: values.get(m["name"], NORMAL.get(m["name"], "1")), route)
    route = _GROUP.sub(lambda m: values.get(m["name"], NORMAL.get(m["name"], "blog")), route)
    route = route.replace("^", "").replace("$", "").replace(".*", "")
    return "/" + route.replace("admin/^", "admin/")


def names(route):
    return [m["name"] for m in _PARAMETER.finditer(route)] + [m["name"] for m in _GROUP.finditer(route)]


def hostile_urls(route):
    params = names(route)
    if not params:
        yield fill(route, {})
        for value in HOSTILE:
            yield fill(route, {}) + "?" + "&".join(f"{key}={value}" for key in QUERY_KEYS)
        return
    for value in HOSTILE:
        for name in params:
            yield fill(route, {name: value})
        if len(params) > 1:
            yield fill(route, dict.fromkeys(params, value))


ROUTES = sorted(set(walk(get_resolver().url_patterns)))


@pytest.fixture
def site():
    author = make_author()
    tag = make_tag("Target")
    post = make_post(slug="target", tags=[tag], published_at=timezone.now() - timedelta(days=400))
    make_post(slug="draft", status="draft")
    make_comment(post, status=Comment.Status.APPROVED)
    return author


def test_the_walk_covers_the_routes_this_file_was_written_for():
    for route in ("", "page/<int:page>/", "post/<slug:slug>/comment/", "sitemap-<section>.xml", "<int:pk>/"):
        assert route in ROUTES, route
    assert any(route.startswith("admin/") for route in ROUTES)
    assert len(ROUTES) > 60


@pytest.mark.parametrize("route", ROUTES)
def test_no_route_answers_a_hostile_value_with_a_server_error(site, route):
    client = Client()
    for url in hostile_urls(route):
        for method in ("GET", "POST"):
            try:
                response = client.generic(method, url, "author_name=x", content_type=URLENCODED)
            except Exception:
                pytest.fail(f"{method} {url[:200]} raised:\n{traceback.format_exc()}")
            assert response.status_code < 500, f"{method} {url[:200]}: {response.status_code}"
            if route.startswith("admin/") and not route.startswith(ADMIN_OPEN):
                assert_sent_to_login(method, url, response)


def assert_sent_to_login(method, url, response):
    # Django refuses to redirect to an address over 16,384 characters (the
    # login page's ?next= would be): a 400 then, which is right.
    if response.status_code == 400 and len(url) > 10_000:
        return
    assert response.status_code == 302, f"{method} {url[:200]}: {response.status_code}"
    assert response["Location"].startswith("/admin/login/"), url[:200]
