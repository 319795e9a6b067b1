"""import_markdown on Jekyll's own test site (test/source of the public jekyll repository), never committed here.

Put a copy at $ESCRIBE_REAL_FIXTURES/jekyll/test/source (or its contents at
$ESCRIBE_REAL_FIXTURES/jekyll), for instance:
    git --git-dir=jekyll.git archive HEAD test/source | tar -x -C $ESCRIBE_REAL_FIXTURES/jekyll
Jekyll's own test_generated_site.rb counts 59 posts in it: the ones it publishes.
"""

import pytest

from blog.models import Post
from tests.support import real_fixtures
from tests.support.markdown_folders import run

pytestmark = pytest.mark.django_db

# test/test_generated_site.rb: "ensure post count is as expected".
JEKYLL_PUBLISHES = 59


def jekyll_source():
    return real_fixtures.jekyll_site()


def test_every_post_jekyll_publishes_from_its_own_test_site_imports_as_it_reads_it():
    source = jekyll_source()
    out, err = run(source)
    assert Post.objects.published().count() == JEKYLL_PUBLISHES
    posts = {post.slug: post for post in Post.objects.prefetch_related("tags")}
    # published: false, and a _drafts file: drafts here.
    assert {slug for slug, post in posts.items() if post.status == Post.Status.DRAFT} == {
        "not-published",
        "draft-properties",
    }
    # Titles Jekyll gives from the name; its other date forms; categories from the path and the front matter.
    assert posts["no-yaml"].title == "No Yaml" and posts["no-yaml"].body == "No YAML."
    assert posts["i-dont-like-zeroes"].title == "I Dont Like Zeroes"
    assert posts["trailing-dots"].title == "Ellipsis Path"
    assert posts["time-override"].published_at.isoformat() == "2010-01-10T13:07:09+00:00"
    assert posts["yaml-with-dots"].title == "Test Post Where YAML Ends in Dots"
    assert sorted(tag.name for tag in posts["topical-post"].tags.all()) == ["foo"]
    assert sorted(tag.name for tag in posts["categories-3"].tags.all()) == ["bar", "baz", "foo"]
    # category/_posts and z_category/_posts both hold 2008-09-23-categories.markdown.
    assert "imported as 'categories-2'" in out and "imported as 'categories-3'" in out
    assert "wrong-extension.yml: a .yml file is data to Jekyll" in err
    assert "symbolic links outside _posts and _drafts, not followed" in err

    before = list(Post.objects.order_by("pk").values())
    again, _ = run(source)
    # Each post, and each of its old addresses (permalinks.py), found as it was.
    assert again.splitlines()[-1].endswith(" skipped.") and ": 0 created, 0 updated, " in again.splitlines()[-1]
    assert again.count("skipped post ") == len(posts)
    assert list(Post.objects.order_by("pk").values()) == before
