"""Jekyll's, Octopress's and Hugo's posts read as those engines read them (cases from Jekyll's own test posts)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from blog.models import Post
from tests.support.markdown_folders import run, write

pytestmark = pytest.mark.django_db


def tags(post):
    return sorted(tag.name for tag in post.tags.all())


def test_a_post_without_a_title_gets_the_one_jekyll_gives_it_from_its_name(tmp_path):
    write(tmp_path, "_posts/2008-10-18-foo-bar.markdown", "---\nlayout: default\n---\n\nBar.\n")
    write(tmp_path, "_posts/2018-10-12-trailing-dots...markdown", "---\nlayout: default\n---\n\nDots.\n")
    _, err = run(tmp_path)
    assert dict(Post.objects.values_list("slug", "title")) == {"foo-bar": "Foo Bar", "trailing-dots": "Trailing Dots"}
    assert "2008-10-18-foo-bar.markdown: no title; titled 'Foo Bar' from the file name, as Jekyll does." in err


def test_a_post_without_front_matter_is_published_as_jekyll_publishes_it(tmp_path):
    write(tmp_path, "_posts/2009-06-22-no-yaml.markdown", "No YAML.")
    write(tmp_path, "_posts/2009-06-22-empty-yaml.markdown", "---\n---\nEmpty YAML.")
    _, err = run(tmp_path)
    post = Post.objects.get(slug="no-yaml")
    assert (post.title, post.body, post.status) == ("No Yaml", "No YAML.", Post.Status.PUBLISHED)
    assert post.published_at.date() == date(2009, 6, 22)
    assert Post.objects.get(slug="empty-yaml").body == "Empty YAML."
    assert "no-yaml.markdown: no front matter; read as Jekyll and Hugo read such a file" in err


def test_front_matter_closed_by_three_dots_is_read(tmp_path):
    write(
        tmp_path,
        "_posts/2014-03-03-yaml-with-dots.md",
        "---\ntitle: Test Post Where YAML Ends in Dots\n...\n\n# Test\n",
    )
    run(tmp_path)
    post = Post.objects.get()
    assert (post.title, post.body) == ("Test Post Where YAML Ends in Dots", "# Test\n")


BERLIN = ZoneInfo("Europe/Berlin")


@override_settings(TIME_ZONE="Europe/Berlin")
@pytest.mark.parametrize(
    ("written", "moment"),
    [
        ("2010-01-10", datetime(2010, 1, 10, tzinfo=BERLIN)),
        ("2010-01-10 13:07:09", datetime(2010, 1, 10, 13, 7, 9, tzinfo=BERLIN)),
        ("2010-01-10 13:07:09 +00:00", datetime(2010, 1, 10, 13, 7, 9, tzinfo=UTC)),
        ("2008-12-03 14:30", datetime(2008, 12, 3, 14, 30, tzinfo=BERLIN)),
        ("2013-01-05 10:00:00 -0500", datetime(2013, 1, 5, 15, tzinfo=UTC)),
        ("2013-01-05 10:00:00 EST", datetime(2013, 1, 5, 15, tzinfo=UTC)),
        ("2013-01-05 10:00:00 UTC", datetime(2013, 1, 5, 10, tzinfo=UTC)),
        ("2013-01-05 10:00:00 America/New_York", datetime(2013, 1, 5, 15, tzinfo=UTC)),
        ("January 5, 2013", datetime(2013, 1, 5, tzinfo=BERLIN)),
        ("2013/01/05 10:00", datetime(2013, 1, 5, 10, tzinfo=BERLIN)),
    ],
)
def test_jekylls_date_forms_are_read(tmp_path, written, moment):
    write(tmp_path, "_posts/2010-01-09-dated.markdown", f"---\ntitle: Dated\ndate: {written}\n---\nText.\n")
    run(tmp_path)
    assert Post.objects.get().published_at == moment


def test_a_name_with_one_digit_months_and_days_is_dated(tmp_path):
    write(tmp_path, "_posts/2017-2-5-i-dont-like-zeroes.md", "---\nfoo: bar\n---\nZeroes.\n")
    run(tmp_path)
    post = Post.objects.get()
    assert (post.slug, post.title, post.published_at.date()) == (
        "i-dont-like-zeroes",
        "I Dont Like Zeroes",
        date(2017, 2, 5),
    )


def test_categories_and_tags_come_as_jekyll_reads_them(tmp_path):
    write(tmp_path, "_posts/2009-01-27-categories.markdown", "---\ntitle: C\ncategories: foo bar baz\n---\nC.\n")
    write(tmp_path, "_posts/2009-01-27-array.markdown", "---\ntitle: A\ncategories:\n- foo\n- bar\n---\nA.\n")
    write(tmp_path, "_posts/2009-01-27-category.markdown", "---\ntitle: S\ncategory: Ruby on Rails\n---\nS.\n")
    write(tmp_path, "_posts/2013-05-10-number.markdown", "---\ntitle: N\ncategory: 2013\n---\nN.\n")
    write(tmp_path, "_posts/2009-01-27-empty.markdown", "---\ntitle: E\ncategories:\ncategory:\ntags:\n---\nE.\n")
    write(tmp_path, "_posts/2010-01-16-tags.markdown", "---\ntitle: T\ntags: A string\ntag: one tag\n---\nT.\n")
    # The folders above _posts are categories (foo), those inside it (bar) are not.
    write(tmp_path, "foo/_posts/bar/2008-12-12-topical-post.markdown", "---\ntitle: Topical Post\n---\nT.\n")
    write(tmp_path, "es/_posts/2008-11-21-nested.markdown", "---\ntitle: Nested\ncategories: [x]\n---\nN.\n")
    run(tmp_path)
    posts = {post.slug: post for post in Post.objects.all()}
    assert tags(posts["categories"]) == ["bar", "baz", "foo"]
    assert tags(posts["array"]) == ["bar", "foo"]
    assert tags(posts["category"]) == ["Ruby on Rails"]
    assert tags(posts["number"]) == ["2013"]
    assert tags(posts["empty"]) == []
    assert tags(posts["tags"]) == ["A", "one tag", "string"]
    assert tags(posts["topical-post"]) == ["foo"]
    assert tags(posts["nested"]) == ["es", "x"]


def test_unpublished_and_layout_are_read_and_other_keys_noted(tmp_path):
    text = "---\ntitle: Not published!\nlayout: default\npublished: false\nexcerpt_separator: x\n---\nNo.\n"
    write(tmp_path, "_posts/2008-02-02-not-published.markdown", text)
    _, err = run(tmp_path)
    assert Post.objects.get().status == Post.Status.DRAFT
    assert "not-published.markdown: ignored front matter: excerpt_separator, layout." in err


def test_which_files_of_posts_are_imported_and_which_skipped_with_why(tmp_path):
    post = "---\ntitle: Post\n---\nBest **post** ever\n"
    for name in ("md-extension.md", "mkdn-extension.mkdn", "mkd.mkd", "mdown.mdown", "html.html", "text.text"):
        write(tmp_path, f"_posts/2011-04-12-{name}", post)
    write(tmp_path, "_posts/2008-02-03-wrong-extension.yml", post)
    write(tmp_path, "_posts/2013-03-19-not-a-post/dubious.markdown", post)
    write(tmp_path, "_posts/2011-04-12-backup.md~", post)
    (tmp_path / "_posts" / "2011-04-12-photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    write(tmp_path, "about.md", "---\ntitle: About\n---\nA page of the site, not a post.\n")
    _, err = run(tmp_path)
    expected = {"md-extension", "mkdn-extension", "mkd", "mdown", "html", "text"}
    assert set(Post.objects.values_list("slug", flat=True)) == expected
    assert "2011-04-12-html.html: an HTML post; its HTML passes through the Markdown renderer" in err
    assert "2011-04-12-text.text: Jekyll published this .text file without converting it; read as Markdown." in err
    assert "wrong-extension.yml: a .yml file is data to Jekyll, never a published post; skipped." in err
    assert "dubious.markdown: not named YYYY-MM-DD-title.ext, so Jekyll does not read it as a post; skipped." in err
    assert "2011-04-12-photo.png: not text, so Jekyll does not publish it as a post; skipped." in err
    assert "backup" not in err


def test_hugo_front_matter_in_toml_yaml_and_json_with_its_dates(tmp_path):
    future = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    past = timezone.now() - timedelta(days=30)
    toml = f'+++\ntitle = "Later"\ndate = 2020-01-01T00:00:00Z\npublishDate = {future.isoformat()}\n+++\nLater.\n'
    write(tmp_path, "content/posts/later.md", toml)
    write(
        tmp_path, "content/posts/gone.md", f"---\ntitle: Gone\ndate: 2020-01-01\nexpiryDate: {past.date()}\n---\nG.\n"
    )
    write(tmp_path, "content/posts/json.md", '{"title": "JSON", "Date": "2020-01-02", "Draft": true}\nJ.\n')
    write(tmp_path, "content/posts/bundle/index.md", "---\ntitle: Bundle\ndate: 2020-01-03\n---\nB.\n")
    write(tmp_path, "content/posts/bundle/photo.jpg", "not a post")
    write(tmp_path, "config.toml", 'title = "A Hugo site"\n')
    _, err = run(tmp_path)  # the site's folder: its content/ is read
    posts = {post.slug: post for post in Post.objects.all()}
    assert set(posts) == {"later", "gone", "json", "bundle"}
    assert posts["later"].published_at == future and "publishDate" in err
    assert posts["gone"].status == Post.Status.DRAFT and "gone.md: expired on" in err
    assert posts["json"].status == Post.Status.DRAFT and posts["json"].title == "JSON"
    assert posts["bundle"].status == Post.Status.PUBLISHED


def test_a_jekyll_sites_excluded_and_underscore_folders_are_not_read_for_posts(tmp_path):
    write(tmp_path, "_posts/2020-01-01-mine.md", "---\ntitle: Mine\n---\nMine.\n")
    # A theme gem's own test posts, and the built site: Jekyll reads neither.
    write(tmp_path, "vendor/bundle/gems/theme/_posts/2020-01-02-theirs.md", "---\ntitle: Theirs\n---\nT.\n")
    write(tmp_path, "_site/_posts/2020-01-03-built.md", "---\ntitle: Built\n---\nB.\n")
    run(tmp_path)
    assert list(Post.objects.values_list("slug", flat=True)) == ["mine"]
