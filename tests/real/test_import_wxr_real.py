"""import_wxr on the WordPress importer's own test files (github.com/WordPress/wordpress-importer).

They are not ours to commit: put every *.xml of its phpunit/data/ and
e2e/fixtures/ in $ESCRIBE_REAL_FIXTURES/wordpress-importer/ (e2e/fixtures/wxr-simple.xml
as e2e-wxr-simple.xml, since phpunit/data/ has a file of the same name). Without
the variable these tests skip, saying so; tests/moving/test_import_wxr_fixtures.py
checks the same behaviours on our own small files in every run.
"""

import re
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from blog.models import Page, Post, Tag
from comments.models import Comment
from tests.moving.test_import_wxr import run
from tests.support import real_fixtures

pytestmark = pytest.mark.django_db

FOLDER = Path(real_fixtures.ROOT, "wordpress-importer") if real_fixtures.ROOT else None
NAMES = sorted(path.name for path in FOLDER.glob("*.xml")) if FOLDER and FOLDER.is_dir() else ["(unset)"]
# What is refused, and why: each is not XML, or not WordPress's (checked so a change of mind is seen).
REFUSED = {
    "crazy-cdata.xml": "malformed XML at line 18, column 72",  # a CDATA section opened inside another
    "malformed-simple.xml": "the file ends at line 14",  # truncated inside an <item>
    "malformed.xml": "malformed XML at line 90, column 3",  # a mismatched closing tag
    "namespace-edge-cases.xml": "line 94: the item has no <wp:post_id> in WordPress's namespace",  # wp: rebound
}


def fixture(name):
    return real_fixtures.wordpress_folder() / name


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize("name", NAMES)
def test_each_file_imports_or_is_refused_in_one_line_naming_its_line(author, name, dry_run):
    path = fixture(name)
    try:
        out = run(path, *(["--dry-run"] if dry_run else []))
    except CommandError as error:
        message = str(error)
        assert "\n" not in message and re.search(r"\bline \d+", message), message
        assert message.startswith(str(path))
        assert REFUSED.get(name, "(imported)") in message
        assert not (Post.objects.exists() or Page.objects.exists() or Comment.objects.exists())
        return
    assert name not in REFUSED, out
    if dry_run:
        assert not (Post.objects.exists() or Page.objects.exists() or Tag.objects.exists())
        return
    again = run(path)
    assert again.startswith("Posts: 0 created, 0 updated, ") and "\nPages: 0 created, 0 updated, " in again


def test_the_theme_unit_test_data_imports_with_its_pages_and_no_double_escaping(author, client):
    out = run(fixture("theme-unit-test-data.xml"))
    assert "Posts: 58 created" in out and "Pages: 21 created" in out
    titles = list(Post.objects.values_list("title", flat=True)) + list(Page.objects.values_list("title", flat=True))
    assert not [title for title in titles if re.search(r"&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);", title)]
    assert Post.objects.filter(title="Markup: Title With Special Characters ~`!@#$%^&*()-_=+{}[]/\\;:'\"?,.>").exists()
    assert not [name for name in Tag.objects.values_list("name", flat=True) if "&amp;" in name]
    # Level 3 is a child of Level 2, itself a child of Level 1: their WordPress addresses lead to their pages.
    assert client.get("/level-1/level-2/level-3/")["Location"] == "/level-3/"
    assert client.get("/?page_id=146")["Location"] == Page.objects.get(title="Lorem Ipsum").get_absolute_url()
    protected = Post.objects.get(title__startswith="Template: Password Protected")
    assert protected.status == Post.Status.DRAFT
    assert 'Needs your decision (1):\n  post 1168 "Template: Password Protected' in out


def test_the_theme_unit_tests_deep_thread_is_one_level_under_its_first_comment_with_the_authors_replies(author):
    out = run(fixture("theme-unit-test-data.xml"))
    post = Post.objects.get(title="Template: Comments")
    comments = {
        comment.events.get().detail.split("(comment ")[1].split(",")[0]: comment for comment in post.comments.all()
    }
    top = comments["904"]
    # 905 answers 904, 906 answers 905, ... 915 answers 914: ten levels in WordPress, one here.
    assert sorted(top.replies.values_list("pk", flat=True)) == sorted(
        comments[str(n)].pk for n in (905, 906, 907, 910, 911, 912, 913, 914, 915)
    )
    # themedemos, the post's author, wrote 910 and 915 logged in (the file has no wp:author_id: its email tells).
    assert {n for n, comment in comments.items() if comment.by_author} == {"910", "915"}
    assert comments["903"].parent is None and not comments["903"].by_author  # the author's, but no reply
    assert (
        "comment 915 on post 'template-comments': answers comment 914, itself a reply: shown under comment 904" in out
    )
