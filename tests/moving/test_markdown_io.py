"""Markdown in and out: import_markdown (E-Scribe's own folders, Jekyll, Octopress, Hugo) and export_markdown."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError
from django.test import override_settings
from django.utils import timezone

from blog.models import Blurb, Page, Post, Tag
from blog.rendering import render, render_comment
from comments import moderation
from comments.models import Comment, CommentEvent, Notification, SpamReport
from moving.markdown.code_blocks import convert_code_blocks
from tests.support.akismet_clients import CONFIG, HamClient
from tests.support.commands import run_both
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_blurb, make_post, make_tag
from tests.support.markdown_folders import write

pytestmark = pytest.mark.django_db


def files_in(folder):
    paths = sorted(path for path in Path(folder).rglob("*") if path.is_file())
    return {str(path.relative_to(folder)): path.read_bytes() for path in paths}


def other_engines_blog(folder):
    """A Jekyll site (with Octopress posts) and a Hugo content folder; returns the two folders to import."""
    jekyll, hugo = folder / "jekyll-site", folder / "hugo" / "content"
    # A page of the site, not a post: only _posts and _drafts are read.
    write(jekyll, "about.md", "---\nlayout: page\ntitle: About\n---\nMe.\n")
    write(jekyll, "_posts/2013-01-05-hello-jekyll.md", (
        "---\n"
        "layout: post\n"
        "title: Hello Jekyll, unquoted\n"
        "date: 2013-01-05 10:00:00 -0500\n"
        "categories: python django\n"
        "tags: [Web]\n"
        "---\n"
        "Some code:\n\n"
        "{% highlight python linenos %}\n"
        "print('hi')\n"
        "{% endhighlight %}\n\n"
        "{% gist 12345 %}\n"
    ))  # fmt: skip
    write(jekyll, "_posts/2014-02-03-octopress-post.markdown", (
        "---\n"
        'title: "Octopress: \\"quoted\\""\n'
        "date: 2014-02-03 08:30\n"
        "comments: false\n"
        "categories: [Python, Octopress]\n"
        "published: false\n"
        "---\n\n"
        "{% codeblock Hello World hello.py lang:python http://example.com/hello.py Source %}\n"
        "print('hello')\n"
        "{% endcodeblock %}\n"
    ))  # fmt: skip
    draft = write(jekyll, "_drafts/a-jekyll-draft.md", "---\ntitle: Not finished\n---\nSoon.\n")
    os.utime(draft, (1_600_000_000, 1_600_000_000))
    write(hugo, "posts/hugo-toml.md", (
        "+++\n"
        'title = "Hugo in TOML"\n'
        "date = 2019-03-04T12:00:00-05:00\n"
        "draft = true\n"
        'tags = ["Go"]\n'
        'slug = "toml-slug"\n'
        "+++\n\n"
        "``` python file.py\n"
        "x = 1\n"
        "```\n"
    ))  # fmt: skip
    write(hugo, "posts/bundle/index.md", (
        "---\n"
        "title: 2024\n"
        "date: 2019-05-06\n"
        "url: /blog/from-the-url/\n"
        "lastmod: 2019-06-01T00:00:00Z\n"
        "description: A Hugo page bundle.\n"
        "---\n\n"
        "{{< youtube abc >}}\n\n"
        "{{< highlight go >}}\n"
        "x := 1\n"
        "{{< /highlight >}}\n"
    ))  # fmt: skip
    write(hugo, "posts/_index.md", "---\ntitle: Posts\n---\n")
    return jekyll, hugo


@override_settings(TIME_ZONE="Europe/Berlin")
def test_jekyll_octopress_and_hugo_posts_come_in_with_their_dates_tags_drafts_and_fences(tmp_path):
    jekyll_site, hugo_content = other_engines_blog(tmp_path)
    out, err = run_both("import_markdown", str(jekyll_site))
    hugo_out, hugo_err = run_both("import_markdown", str(hugo_content))
    out, err = out + hugo_out, err + hugo_err
    posts = {post.slug: post for post in Post.objects.all()}
    assert set(posts) == {"hello-jekyll", "octopress-post", "a-jekyll-draft", "toml-slug", "from-the-url"}

    jekyll = posts["hello-jekyll"]
    assert jekyll.title == "Hello Jekyll, unquoted"
    assert jekyll.published_at == datetime(2013, 1, 5, 15, 0, tzinfo=UTC)
    assert sorted(tag.name for tag in jekyll.tags.all()) == ["Web", "django", "python"]
    assert jekyll.status == Post.Status.PUBLISHED
    assert "```python linenos\nprint('hi')\n```\n" in jekyll.body  # the option kept, the renderer honours it
    assert '<span class="linenos">1</span>' in jekyll.body_html
    assert "{% gist 12345 %}" in jekyll.body  # reported and left as text
    assert "_posts/2013-01-05-hello-jekyll.md: line 14: unknown Liquid tag {% gist 12345 %}" in err

    octopress = posts["octopress-post"]
    assert octopress.title == 'Octopress: "quoted"'
    # No offset: the site's time zone, as Jekyll takes it from _config.yml.
    assert octopress.published_at == datetime(2014, 2, 3, 8, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert octopress.status == Post.Status.DRAFT and not octopress.comments_enabled
    # "python" from one engine and "Python" from another are one tag, as in the admin.
    assert sorted(tag.name for tag in octopress.tags.all()) == ["Octopress", "python"]
    assert octopress.body == "```python Hello World hello.py http://example.com/hello.py Source\nprint('hello')\n```\n"
    assert '<code>Hello World hello.py</code> <a href="http://example.com/hello.py">Source</a>' in octopress.body_html

    draft = posts["a-jekyll-draft"]
    assert draft.status == Post.Status.DRAFT
    assert draft.published_at == datetime.fromtimestamp(1_600_000_000, tz=UTC)

    toml = posts["toml-slug"]
    assert toml.title == "Hugo in TOML" and toml.status == Post.Status.DRAFT
    assert toml.published_at == datetime(2019, 3, 4, 17, 0, tzinfo=UTC)
    assert toml.body == "```python file.py\nx = 1\n```\n"

    bundle = posts["from-the-url"]
    assert bundle.title == "2024" and bundle.summary == "A Hugo page bundle."
    assert bundle.published_at == datetime(2019, 5, 6, tzinfo=ZoneInfo("Europe/Berlin"))
    assert bundle.updated_at == datetime(2019, 6, 1, tzinfo=UTC)
    assert bundle.body == "{{< youtube abc >}}\n\n```go\nx := 1\n```\n"
    assert "Hugo shortcode {{< youtube abc >}} left as text" in err
    assert "_index.md: a Hugo section page, not a post; skipped." in err
    assert "ignored front matter: layout" in err
    assert Tag.objects.filter(name="Go").exists()


def test_importing_the_same_folder_again_changes_nothing(tmp_path):
    other = other_engines_blog(tmp_path / "other")
    for folder in other:
        run_both("import_markdown", str(folder))
    comment = make_comment(Post.objects.get(slug="hello-jekyll"), status="approved")
    run_both("export_markdown", str(tmp_path / "own"), "--with-comments", "--with-emails")
    before = list(Post.objects.order_by("pk").values())
    events = CommentEvent.objects.count()

    for folder in (*other, tmp_path / "own"):
        out, _ = run_both("import_markdown", str(folder))
        assert ": 0 created, 0 updated, " in out.splitlines()[-1]
        assert "(unchanged)" in out and "updated" not in out.replace("0 updated", "")
    assert list(Post.objects.order_by("pk").values()) == before
    assert Comment.objects.get() == comment and CommentEvent.objects.count() == events


def test_an_edited_file_updates_its_post_and_says_what_changed(tmp_path):
    make_post(slug="kept", title="Old title", body="Old body.\n", tags=[make_tag("Python")])
    run_both("export_markdown", str(tmp_path))
    path = next(tmp_path.glob("*-kept.md"))
    path.write_text(path.read_text().replace("Old title", "New title").replace("Old body.", "New body."))
    out, _ = run_both("import_markdown", str(tmp_path))
    assert "updated post 'kept' (title, body from" in out
    post = Post.objects.get(slug="kept")
    assert (post.title, post.body) == ("New title", "New body.\n")


def populate_a_blog():
    """Everything an export carries, awkward cases too: CRLF, drafts, scheduled, hidden blurbs, every comment state."""
    python, django = make_tag("Python", featured=True), make_tag("Django")
    make_tag("Unused C#")
    now = timezone.now().replace(microsecond=123456)
    about = make_post(
        slug="about-fences",
        title='Moving from Octopress: "{% codeblock %}" and ``` python',
        # What other engines' files get converted, an own file must keep byte for byte.
        body=(
            "Windows line ends\r\n\r\n``` python x.py\r\nx = 1\r\n```\r\n\r\n"
            "{% highlight ruby %}\r\nputs 1\r\n{% endhighlight %}\r\n"
        ),
        summary="A summary\nof two lines.\n",
        published_at=now - timedelta(days=30),
        tags=[python, django],
    )
    make_post(slug="a-draft", status=Post.Status.DRAFT, comments_enabled=False, published_at=now - timedelta(days=2))
    make_post(slug="scheduled", published_at=now + timedelta(days=3), tags=[django])
    make_blurb(title="About Me", body="Me.\n", position=1)
    make_blurb(title="Hidden", body="No trailing newline", position=2, visible=False)
    Page.objects.create(title="About", slug="about", body="Who\r\nI am.\r\n", position=1, status="published")
    Page.objects.create(title="Colophon", slug="colophon", body="Made with E-Scribe", position=2,
                        status="published", in_navigation=False)  # fmt: skip
    Page.objects.create(title="Now", slug="now", body="Not yet.\n", position=3)
    make_comment(about, status="approved", author_url="https://reader.example/", body="Line one\n\nline two",
                 created_at=now - timedelta(days=29))  # fmt: skip
    make_comment(about, status="pending", body="Ends with a newline\n", created_at=now - timedelta(hours=1))
    make_comment(about, status="approved", body="Code:\r\n\r\n```python\r\nx = `<b>`\r\n```\r\n*done*",
                 created_at=now - timedelta(days=27))  # fmt: skip
    make_comment(about, status="spam", author_email="", body="Buy now", created_at=now - timedelta(days=28))
    SpamReport.objects.update_or_create(pk=1, defaults={"killed": 237132, "since_year": 2008})


def empty_the_database():
    CommentEvent.objects.all().delete()
    Comment.objects.all().delete()
    Post.objects.all().delete()
    Tag.objects.all().delete()
    Blurb.objects.all().delete()
    Page.objects.all().delete()
    SpamReport.objects.update_or_create(pk=1, defaults={"killed": 0, "since_year": timezone.now().year})


def test_export_import_into_an_empty_database_and_export_again_gives_byte_identical_files(tmp_path, use_akismet):
    akismet_client = use_akismet(HamClient(config=CONFIG))
    populate_a_blog()
    run_both("export_markdown", str(tmp_path / "first"), "--with-comments", "--with-emails")
    empty_the_database()

    run_both("import_markdown", str(tmp_path / "first"))
    run_both("export_markdown", str(tmp_path / "second"), "--with-comments", "--with-emails")

    first, second = files_in(tmp_path / "first"), files_in(tmp_path / "second")
    assert first == second
    assert {"blog.yaml", "spam-report.yaml", "blurbs/01-about-me.md", "blurbs/02-hidden.md"} <= set(first)
    assert {"pages/01-about.md", "pages/02-colophon.md", "pages/03-now.md"} <= set(first)
    assert first["pages/02-colophon.md"] == (
        b'---\ntitle: "Colophon"\nslug: "colophon"\nposition: 2\nnavigation: false\n---\n\nMade with E-Scribe'
    )
    assert [(p.slug, p.status, p.in_navigation) for p in Page.objects.all()] == [
        ("about", "published", True), ("colophon", "published", False), ("now", "draft", True)
    ]  # fmt: skip
    assert sum(name.endswith(".comments.yaml") for name in first) == 1
    assert b"reader.example" in b"".join(first.values()) and b"someone@example.com" in b"".join(first.values())
    assert SpamReport.current().killed == 237132 and Comment.objects.count() == 4
    # The raw text came back as it went out; its HTML was made on the way in, as on any save.
    for body, body_html in Comment.objects.values_list("body", "body_html"):
        assert body_html == render_comment(body)
    assert '<div class="highlight" data-lang="python">' in Comment.objects.get(body__startswith="Code:").body_html
    # Imported comments were judged where they came from: no Akismet call, no mail.
    assert akismet_client.calls == [] and not Notification.objects.exists()
    assert set(Comment.objects.values_list("spam_check", flat=True)) == {Comment.SpamCheck.UNCHECKED}
    assert all("Imported from" in event.detail for event in CommentEvent.objects.all())


def test_export_writes_commenters_emails_only_when_asked(tmp_path):
    populate_a_blog()
    run_both("export_markdown", str(tmp_path / "plain"))
    assert not any(name.endswith(".comments.yaml") for name in files_in(tmp_path / "plain"))
    run_both("export_markdown", str(tmp_path / "comments"), "--with-comments")
    comments = b"".join(files_in(tmp_path / "comments").values())
    assert b"Line one" in comments and b"@example.com" not in comments
    with pytest.raises(CommandError, match="--with-emails needs --with-comments"):
        run_both("export_markdown", str(tmp_path / "emails"), "--with-emails")


def test_export_refuses_a_folder_that_is_not_empty_or_a_file(tmp_path):
    old = write(tmp_path, "2001-01-01-deleted-since.md", "an old export\n")
    with pytest.raises(CommandError, match="is not empty"):
        run_both("export_markdown", str(tmp_path))
    with pytest.raises(CommandError, match="is a file"):
        run_both("export_markdown", str(old))
    assert list(tmp_path.iterdir()) == [old] and old.read_text() == "an old export\n"


def test_import_refuses_an_author_who_does_not_exist(tmp_path):
    write(tmp_path, DATED, GOOD)
    with pytest.raises(CommandError, match="No user 'nobody'"):
        run_both("import_markdown", str(tmp_path), "--author", "nobody")
    assert not Post.objects.exists()


def test_seed_demo_takes_only_a_folder_that_says_when_its_dates_are_for(tmp_path):
    make_post(slug="exported")
    run_both("export_markdown", str(tmp_path))
    empty_the_database()
    with pytest.raises(CommandError, match="not a demo folder"):
        run_both("seed_demo", "--from", str(tmp_path))
    assert not Post.objects.exists()


def test_export_dry_run_lists_the_files_and_writes_nothing(tmp_path):
    make_post(slug="listed", published_at=datetime(2020, 2, 2, tzinfo=UTC))
    out, _ = run_both("export_markdown", str(tmp_path / "out"), "--dry-run")
    assert "2020-02-02-listed.md" in out and "Would write" in out
    assert not (tmp_path / "out").exists()


def test_imported_comments_are_never_rechecked_or_reported_to_akismet(tmp_path, use_akismet):
    populate_a_blog()
    run_both("export_markdown", str(tmp_path), "--with-comments", "--with-emails")
    empty_the_database()
    run_both("import_markdown", str(tmp_path))
    akismet_client = use_akismet(HamClient(config=CONFIG))

    # An hour old, pending and never checked: just what a recheck takes, were it not imported.
    assert Comment.objects.filter(status="pending", spam_check="unchecked").exists()
    out, _ = run_both("recheck_comments")
    assert "Rechecked 0 comments." in out
    moderation.mark_spam(Comment.objects.filter(status="pending"), actor=None)
    assert akismet_client.calls == []


DATED = "2020-01-01-good.md"
GOOD = '---\ntitle: "Good"\ndate: 2020-01-01T00:00:00+00:00\n---\n\nFine.\n'


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        # Without front matter, a post as Jekyll and Hugo read it: but this one has no date in its name.
        ("bare.md", "# Just Markdown\n", r"bare\.md: no date"),
        ("2020-01-02-yaml.md", "---\ntitle: [unclosed\n---\n", r"2020-01-02-yaml\.md: not valid YAML"),
        ("hugo.md", '+++\ntitle = "no closing quote\n+++\n', r"hugo\.md: not valid TOML"),
        ("hugo.md", '+++\ntitle = "never closed"\n', r"hugo\.md: the TOML front matter .* never closed"),
        ("2020-01-02-when.md", "---\ntitle: When\ndate: next Tuesday\n---\n", r"when\.md: line 3: 'date' is not"),
        ("undated.md", '---\ntitle: "Undated"\n---\n', r"undated\.md: no date"),
        ("2020-01-02-long.md", f'---\ntitle: "{"x" * 1001}"\n---\n', r"long\.md: title: Ensure this value"),
        ("2020-01-02-tag.md", f'---\ntitle: "Tag"\ntags: [{"t" * 61}]\n---\n', r"tag\.md: the tag name 't+' is longer"),
        # The admin's bound (blog.models.POST_YEARS): December 9999 overflowed on save.
        ("9999-12-31-far.md", '---\ntitle: "Far"\ndate: 9999-12-31T12:00:00Z\n---\n\nFar.\n', r"far\.md: published_at"),
    ],
)
def test_a_bad_file_is_named_and_nothing_is_imported(tmp_path, name, text, message):
    write(tmp_path, DATED, GOOD)
    write(tmp_path, name, text)
    with pytest.raises(CommandError, match=message) as raised:
        run_both("import_markdown", str(tmp_path))
    assert "Nothing was imported" in str(raised.value)
    assert not Post.objects.exists() and not Tag.objects.exists()


def test_a_bad_file_in_an_own_folder_is_named_and_nothing_is_imported(tmp_path):
    make_post(slug="exported")
    run_both("export_markdown", str(tmp_path), "--with-comments")
    write(tmp_path, "2030-01-01-broken.comments.yaml", "- name: no post beside me\n")
    empty_the_database()
    with pytest.raises(CommandError, match=r"2030-01-01-broken\.comments\.yaml: there is no post file"):
        run_both("import_markdown", str(tmp_path))
    assert not Post.objects.exists()


def test_dry_run_reports_what_it_would_do_and_changes_nothing(tmp_path):
    _, hugo_content = other_engines_blog(tmp_path)
    out, _ = run_both("import_markdown", str(hugo_content), "--dry-run")
    assert "created post 'toml-slug'" in out and "Dry run, nothing changed" in out
    assert not Post.objects.exists() and not Tag.objects.exists()


def test_import_never_lowers_the_spam_counter(tmp_path):
    write(tmp_path, "blog.yaml", "tags: []\n")
    write(tmp_path, DATED, GOOD.replace("---\n\n", "slug: good\n---\n\n"))
    write(tmp_path, "spam-report.yaml", "killed: 10\nsince_year: 2015\n")
    SpamReport.objects.update_or_create(pk=1, defaults={"killed": 500, "since_year": 2010})
    out, _ = run_both("import_markdown", str(tmp_path))
    assert "skipped spam counter (it already reads 500 since 2010)" in out
    assert SpamReport.current().killed == 500


def test_other_engines_code_blocks_become_fences_and_code_inside_fences_is_left_alone():
    body = (
        "````markdown\n"
        "{% highlight python %}\n"
        "``` python not-an-opener-here.py\n"
        "````\n"
        "{% codeblock lang:sh %}\n"
        "```\n"
        "{% endcodeblock %}"
    )  # fmt: skip
    converted, notes = convert_code_blocks(body)
    # Inside a fence everything is text; a block holding ``` gets a longer fence.
    assert converted == body.replace("{% codeblock lang:sh %}\n```\n{% endcodeblock %}", "````sh\n```\n````")
    assert notes == []


FENCE_OPTIONS = [
    # (the engine's opening line, its closing line, the fence E-Scribe writes)
    (
        "{% codeblock Prime lang:ruby mark:1,3-4 start:5 linenos:false %}",
        "{% endcodeblock %}",
        "```ruby Prime mark:1,3-4 start:5 linenos:false",
    ),
    (
        "{% codeblock mark:2 http://example.com/a.rb Source %}",
        "{% endcodeblock %}",
        "```text mark:2 http://example.com/a.rb Source",
    ),
    ("{% highlight ruby linenos %}", "{% endhighlight %}", "```ruby linenos"),
    ('{% highlight ruby linenos mark_lines="1 2" %}', "{% endhighlight %}", '```ruby linenos mark_lines="1 2"'),
    (
        '{{< highlight go "linenos=table,hl_lines=8 15-17,linenostart=199" >}}',
        "{{< /highlight >}}",
        '```go {linenos=table,hl_lines="8 15-17",linenostart=199}',
    ),
]


@pytest.mark.parametrize(("opening", "closing", "fence"), FENCE_OPTIONS)
def test_code_block_options_come_in_on_the_fence_for_the_renderer(opening, closing, fence):
    converted, notes = convert_code_blocks(f"{opening}\nx\n{closing}\n")
    assert converted == f"{fence}\nx\n```\n" and notes == []
    assert render(converted).warnings == []


def test_an_unknown_code_block_option_is_in_the_import_report_not_the_caption(tmp_path):
    write(tmp_path, "_posts/2014-02-03-options.markdown", (
        "---\ntitle: Options\ndate: 2014-02-03 08:30\n---\n\n"
        "{% highlight ruby linenos cssclass=fancy %}\nputs 1\n{% endhighlight %}\n"
    ))  # fmt: skip
    _, err = run_both("import_markdown", str(tmp_path))
    assert "Code block option 'cssclass=fancy' is unknown and was ignored" in err
    post = Post.objects.get(slug="options")
    assert "cssclass" not in post.body_html and "figcaption" not in post.body_html
    assert '<span class="linenos">1</span>' in post.body_html


def test_imported_posts_are_found_by_search(tmp_path):
    from blog import search

    jekyll_site, _ = other_engines_blog(tmp_path)
    run_both("import_markdown", str(jekyll_site))
    results = search.search("unquoted")
    assert [post.title for post in results[0 : results.count()]] == ["Hello Jekyll, unquoted"]


def test_a_post_typed_in_the_admin_comes_back_from_its_export_unchanged(tmp_path, author):
    from tests.support.factories import make_post

    make_post(slug="typed", title="Typed", body="One line\r\nand the next\r\n", summary="A\r\nsummary", author=author)
    run_both("export_markdown", str(tmp_path / "own"))
    out, _ = run_both("import_markdown", str(tmp_path / "own"))
    assert "post 'typed'" in out and ": 0 created, 0 updated, " in out.splitlines()[-1]


def test_a_page_file_with_one_of_the_sites_own_addresses_is_named_and_nothing_is_imported(tmp_path):
    populate_a_blog()
    run_both("export_markdown", str(tmp_path / "blog"))
    write(tmp_path / "blog", "pages/09-archive.md", "---\ntitle: Archive\nslug: archive\nposition: 9\n---\n\nMine.\n")
    empty_the_database()
    with pytest.raises(CommandError, match=r"09-archive\.md: slug: /archive/ is one of the site's own addresses"):
        run_both("import_markdown", str(tmp_path / "blog"))
    assert not Page.objects.exists() and not Post.objects.exists()


def test_a_page_edited_in_its_file_is_updated_and_an_unchanged_one_skipped(tmp_path):
    populate_a_blog()
    run_both("export_markdown", str(tmp_path / "blog"))
    write(tmp_path / "blog", "pages/03-now.md", "---\ntitle: Now\nslug: now\nposition: 3\n---\n\nWriting.\n")
    out, _ = run_both("import_markdown", str(tmp_path / "blog"))
    assert "updated page 'now' (body, status from 03-now.md)" in out
    assert "skipped page 'about' (unchanged)" in out
    now = Page.objects.get(slug="now")
    assert (now.status, now.body_html) == ("published", "<p>Writing.</p>")
