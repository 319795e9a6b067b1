"""import_wxr on our own small WXR files (wxr/), each reproducing what one of the importer's test files checks.

The importer's own files are not ours to commit; tests/real/test_import_wxr_real.py
runs them when ESCRIBE_REAL_FIXTURES names a folder holding them.
"""

from pathlib import Path

import pytest
from django.core.management.base import CommandError

from blog.models import Page, Post, Tag
from comments.models import Comment
from tests.moving.test_import_wxr import run

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "wxr"


def imported(name):
    return run(FIXTURES / name)


def test_backslashes_and_slashes_are_kept_exactly(author, client):
    imported("backslashes-and-slashes.xml")
    post = Post.objects.get()
    assert 'D:\\Apps\\blog\\new and it\\\'s \\"done\\".' in post.body
    assert "https://example.org/a/b/ and a/b\\c/d." in post.body
    html = client.get(post.get_absolute_url()).content.decode()
    assert "D:\\Apps\\blog\\new" in html and "a/b\\c/d" in html
    assert sorted(Tag.objects.values_list("name", flat=True)) == ['The \\"Windows\\" paths', "it\\'s"]


def test_cdata_split_around_its_end_marker_and_in_several_sections_is_read_whole(author):
    imported("cdata.xml")
    split = Post.objects.get(title="Split title")
    assert split.body == "<p>An array: a[b[0]]> 1</p>\n"  # "]]>" itself, as WordPress split it
    assert split.summary == "<p>one two</p>\n"  # an excerpt gets wpautop's paragraph too (markup.py)
    assert Post.objects.get(title="Ends oddly").body == "<p>ends with ]] ></p>\n"
    assert Post.objects.get(title="Empty").status == Post.Status.DRAFT


def test_a_cdata_section_inside_another_is_refused_with_its_line_and_column(author):
    with pytest.raises(CommandError, match=r"cdata-nested\.xml: malformed XML at line 12, column 60, inside"):
        imported("cdata-nested.xml")
    assert not Post.objects.exists()


def test_unicode_of_every_kind_comes_through_unchanged(author, client):
    imported("utf8.xml")
    post = Post.objects.get()
    assert post.title == "Caf\u00e9 \u2615 \u201cquoted\u201d \u202edlrow\u202c \U0001d518\U0001d52b\U0001d526"
    assert post.slug == "cafe"
    assert "Z̷a̴l̶g̵o, مرحبا, 日本語, 🚀&#x200B;zero&#xFEFF;width, 𝟙𝟚𝟛." in post.body
    assert Tag.objects.get().name == "日本"
    assert Comment.objects.get().author_name == "Zoë & 🐍"
    assert client.get("/✓/café-☕/")["Location"] == "/post/cafe/"


def test_wordpress_namespaces_are_read_whatever_their_prefix_or_scheme(author):
    imported("namespaces.xml")
    assert Post.objects.get().slug == "another-prefix"
    assert Page.objects.get().title == "Default namespace"


def test_an_item_whose_wp_prefix_names_another_namespace_is_refused_with_its_line(author):
    with pytest.raises(CommandError) as refused:
        imported("namespace-hijacked.xml")
    assert str(refused.value) == (
        f"{FIXTURES / 'namespace-hijacked.xml'}: line 13: the item has no <wp:post_id> in WordPress's namespace "
        '(xmlns:wp="http://wordpress.org/export/1.2/").'
    )
    assert not Post.objects.exists()


def test_items_with_missing_tags_import_with_defaults(author):
    out = imported("missing-tags.xml")
    post = Post.objects.get()
    assert (post.title, post.slug, post.status) == ("Untitled (5)", "wordpress-5", Post.Status.PUBLISHED)
    assert Page.objects.get().slug == "no-body-no-date-no-name"
    assert "Posts: 1 created" in out and "Pages: 1 created" in out


def test_blank_lines_around_elements_and_values_are_ignored_and_paragraphs_kept(author):
    imported("blank-lines.xml")
    post = Post.objects.get()
    assert (post.title, post.status) == ("Spaced title", Post.Status.PUBLISHED)
    assert post.body_html.count("<p>") == 3
    assert "with a line break" in post.body_html and "\r" not in post.body


def test_terms_in_every_form_become_tags_and_other_taxonomies_do_not(author):
    imported("terms.xml")
    assert sorted(Post.objects.get().tags.values_list("name", flat=True)) == ["Django", "News & Notes"]
    assert Tag.objects.count() == 2


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.xml")))
def test_every_fixture_imports_or_is_refused_in_one_line_and_a_second_run_changes_nothing(author, name):
    try:
        first = imported(name)
    except CommandError as error:
        assert "\n" not in str(error) and " line " in str(error)
        return
    assert not first.startswith("Posts: 0 created, 0 updated, 0 unchanged.\nPages: 0 created")
    second = imported(name)
    assert second.startswith("Posts: 0 created, 0 updated, ")
    assert "\nPages: 0 created, 0 updated, " in second
    assert "Redirects from old addresses: 0 created, 0 updated." in second
