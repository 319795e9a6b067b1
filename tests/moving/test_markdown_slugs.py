"""Another engine's repeated slugs get the next free one, found again by file; all problems come at once."""

from datetime import UTC, datetime

import pytest
from django.core.management import CommandError

from blog.models import Post, Tag
from moving.models import MarkdownSource
from tests.support.factories import make_post
from tests.support.markdown_folders import run, write

pytestmark = pytest.mark.django_db


def links_blog(folder):
    # Written in an order other than the dates': the slugs follow the dates, not the listing.
    write(folder, "_posts/2024-04-07-links.markdown", "---\ntitle: Links, the 7th\n---\nSeventh.\n")
    write(folder, "_posts/2024-04-06-links.markdown", "---\ntitle: Links, the 6th\n---\nSixth.\n")
    write(folder, "_posts/2024-04-08-links.md", "---\ntitle: Links, the 8th\n---\nEighth.\n")
    write(folder, "_posts/2024-04-01-links-2.md", "---\ntitle: Links two\n---\nIts own slug.\n")


def test_repeated_slugs_get_the_next_free_one_in_date_order_and_each_change_is_listed(tmp_path):
    links_blog(tmp_path)
    out, _ = run(tmp_path)
    slugs = dict(Post.objects.values_list("title", "slug"))
    # links-2 is another post's own slug: the renamed ones do not take it.
    assert slugs == {
        "Links, the 6th": "links",
        "Links, the 7th": "links-3",
        "Links, the 8th": "links-4",
        "Links two": "links-2",
    }
    sixth, seventh = (
        tmp_path / "_posts" / "2024-04-06-links.markdown",
        tmp_path / "_posts" / "2024-04-07-links.markdown",
    )
    assert f"renamed: slug 'links' of {seventh} is taken by {sixth}: imported as 'links-3'." in out
    assert out.count("renamed: ") == 2


def test_a_second_run_changes_nothing_and_finds_each_renamed_post_by_its_file(tmp_path):
    links_blog(tmp_path)
    run(tmp_path)
    before = list(Post.objects.order_by("pk").values())
    out, _ = run(tmp_path)
    assert out.splitlines()[-1].endswith(": 0 created, 0 updated, 8 skipped.") and "renamed" not in out
    assert list(Post.objects.order_by("pk").values()) == before
    # An edit reaches the post the file made, under the slug it was given.
    write(tmp_path, "_posts/2024-04-07-links.markdown", "---\ntitle: Links, the 7th\n---\nSeventh, edited.\n")
    out, _ = run(tmp_path)
    assert "updated post 'links-3' (body from 2024-04-07-links.markdown)" in out
    assert Post.objects.count() == 4 and MarkdownSource.objects.count() == 4


def test_the_same_folder_moved_elsewhere_finds_its_posts_again(tmp_path):
    links_blog(tmp_path / "here")
    run(tmp_path / "here")
    (tmp_path / "here").rename(tmp_path / "there")
    out, _ = run(tmp_path / "there")
    # Its files are new at that place; their posts are found by slug, title and date, renamed ones too.
    assert out.splitlines()[-1].endswith(": 0 created, 0 updated, 8 skipped.")
    assert Post.objects.count() == 4


def test_an_earlier_file_added_later_does_not_move_the_slugs_already_given(tmp_path):
    links_blog(tmp_path)
    run(tmp_path)
    write(tmp_path, "_posts/2020-01-01-links.md", "---\ntitle: Old links\n---\nOld.\n")
    out, _ = run(tmp_path)
    assert Post.objects.get(title="Links, the 6th").slug == "links"
    assert Post.objects.get(title="Old links").slug == "links-5" and "imported as 'links-5'" in out


def test_a_post_already_here_from_elsewhere_is_never_overwritten(tmp_path):
    mine = make_post(slug="links", title="Mine", body="Written here.\n")
    write(tmp_path, "_posts/2024-04-06-links.markdown", "---\ntitle: Links\n---\nImported.\n")
    out, _ = run(tmp_path)
    mine.refresh_from_db()
    assert (mine.title, mine.body) == ("Mine", "Written here.\n")
    assert Post.objects.get(title="Links").slug == "links-2"
    assert "is taken by the post 'Mine' already here: imported as 'links-2'." in out


def test_a_post_imported_before_files_were_recorded_is_found_by_its_slug_title_and_date(tmp_path):
    # Imported by an earlier E-Scribe, which matched by slug and kept no record of the file.
    make_post(slug="links", title="Links", body="Imported.\n", published_at=datetime(2024, 4, 6, tzinfo=UTC))
    write(tmp_path, "_posts/2024-04-06-links.markdown", "---\ntitle: Links\n---\nImported.\n")
    out, _ = run(tmp_path)
    assert Post.objects.count() == 1 and "skipped post 'links' (unchanged)" in out
    assert MarkdownSource.objects.get().post == Post.objects.get()


def test_a_post_deleted_here_is_not_brought_back(tmp_path):
    write(tmp_path, "_posts/2024-04-06-links.markdown", "---\ntitle: Links\n---\nImported.\n")
    run(tmp_path)
    Post.objects.get().delete()
    out, _ = run(tmp_path)
    assert not Post.objects.exists()
    assert "skipped post from 2024-04-06-links.markdown (deleted here since it was imported)" in out


def test_every_problem_of_the_folder_is_named_in_one_run_one_a_line(tmp_path):
    write(tmp_path, "_posts/2020-01-01-good.md", "---\ntitle: Good\n---\nFine.\n")
    write(tmp_path, "_posts/2020-01-02-yaml.md", "---\ntitle: [unclosed\n---\n")
    write(tmp_path, "_posts/2020-01-03-when.md", "---\ntitle: When\ndate: next Tuesday\n---\n")
    write(tmp_path, "_posts/2020-13-45-calendar.md", "---\ntitle: Calendar\n---\nNo such day.\n")
    write(tmp_path, "_posts/2020-01-05-long.md", f"---\ntitle: {'x' * 1001}\n---\nLong.\n")
    write(tmp_path, "_posts/2020-01-06-tag.md", f"---\ntitle: Tag\ntags: [{'t' * 61}]\n---\nTag.\n")
    with pytest.raises(CommandError) as raised:
        run(tmp_path)
    lines = str(raised.value).splitlines()
    assert lines[0] == "3 problems:" and lines[-1] == "Nothing was imported."
    assert "2020-01-02-yaml.md: not valid YAML, line 3:" in lines[1]
    assert "2020-01-03-when.md: line 3: 'date' is not a date" in lines[2]
    assert "2020-13-45-calendar.md: the file name's date 2020-13-45 is not a day of the calendar." in lines[3]
    assert not Post.objects.exists()
    # Those fixed, what only writing finds comes next, all of it at once too.
    for name in ("2020-01-02-yaml.md", "2020-01-03-when.md", "2020-13-45-calendar.md"):
        (tmp_path / "_posts" / name).unlink()
    with pytest.raises(CommandError) as raised:
        run(tmp_path)
    lines = str(raised.value).splitlines()
    assert lines[0] == "2 problems:" and "long.md: title: Ensure this value" in lines[1]
    assert "tag.md: the tag name 'ttt" in lines[2]
    assert not Post.objects.exists() and not Tag.objects.exists()


def test_every_problem_of_an_own_folder_is_named_in_one_run(tmp_path):
    write(tmp_path, "blog.yaml", "tags: []\n")
    good = '---\ntitle: "Good"\ndate: 2020-01-01T00:00:00+00:00\nslug: good\n---\n\nFine.\n'
    write(tmp_path, "2020-01-01-good.md", good)
    write(tmp_path, "2020-01-02-again.md", good)
    write(tmp_path, "2020-01-03-bad.md", "---\ntitle: [unclosed\n---\n")
    write(tmp_path, "pages/01-a.md", "---\ntitle: A\nslug: a\nposition: 1\n---\n\nA.\n")
    write(tmp_path, "pages/02-a.md", "---\ntitle: A again\nslug: a\nposition: 2\n---\n\nA.\n")
    write(tmp_path, "blurbs/01-x.md", "---\ntitle: X\n---\n\nNo position.\n")
    with pytest.raises(CommandError) as raised:
        run(tmp_path)
    message = str(raised.value)
    assert message.startswith("5 problems:\n")
    for expected in (
        "01-x.md: position must be",
        "01-a.md: another file in pages/ has the slug 'a' too.",
        "02-a.md: another file in pages/ has the slug 'a' too.",
        "2020-01-02-again.md: the slug 'good' is also the slug of",
        "2020-01-03-bad.md: not valid YAML",
    ):
        assert expected in message
    assert not Post.objects.exists()
