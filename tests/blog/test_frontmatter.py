from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.conf import settings

from blog.frontmatter import FrontMatterError, PostFile, dumps, loads
from tests.support.factories import make_post, make_tag

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "demo"


def post_file(**fields):
    fields.setdefault("title", "A post")
    fields.setdefault("slug", "a-post")
    fields.setdefault("date", datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))))
    fields.setdefault("body", "Some *Markdown*.\n")
    return PostFile(**fields)


def test_post_file_round_trips_with_a_byte_identical_body():
    bodies = [
        "Text.\n\n```python models.py\nx = 1\n```\n",
        "no final newline",
        "\n\nstarts with blank lines and ends with two\n\n",
        "trailing spaces  \n---\nnot front matter\n---\n",
        "tabs\tand ünïcödé — and a line\u2028separator\n",
    ]
    for body in bodies:
        original = post_file(body=body, tags=["Python", "C++"], summary="Two\nlines.\n", draft=True, comments=False)
        parsed = PostFile.from_text(original.to_text())
        assert parsed.body == body
        assert parsed == original
        assert parsed.to_text() == original.to_text()


def test_titles_with_colons_and_quotes_survive_the_round_trip():
    titles = ['Draft: "quoted" words', "It's 10:30: time", "# not a comment", "- not a list", "yes", "[x]: {y}"]
    for title in titles:
        text = post_file(title=title).to_text()
        assert PostFile.from_text(text).title == title


def test_slug_that_yaml_would_read_as_a_number_stays_text():
    for slug in ("2024", "null", "true", "0x1f"):
        assert PostFile.from_text(post_file(slug=slug).to_text()).slug == slug


def test_summaries_of_any_shape_round_trip():
    for summary in ("One line.\n", "no newline", "kept blank lines\n\n\n", "  indented first\nline\n", "end  \n"):
        assert PostFile.from_text(post_file(summary=summary).to_text()).summary == summary


def test_front_matter_is_quoted_yaml_that_lists_only_fields_that_say_something():
    text = post_file(title='Say "hi": now', tags=["Python"], summary="Short.\n").to_text()
    assert text == (
        "---\n"
        'title: "Say \\"hi\\": now"\n'
        "date: 2024-05-01T09:30:00+02:00\n"
        'tags: ["Python"]\n'
        "slug: a-post\n"
        "summary: |\n"
        "  Short.\n"
        "---\n"
        "\n"
        "Some *Markdown*.\n"
    )


def test_served_markdown_source_parses_back_to_the_post(client):
    post = make_post(title='Colons: and "quotes"', slug="colons", body="Line\r\n\r\n*two*", summary="Sum.")
    post.tags.set([make_tag("Python"), make_tag("SQLite")])
    parsed = PostFile.from_text(client.get("/post/colons.md").content.decode())
    assert (parsed.title, parsed.slug, parsed.tags) == (post.title, "colons", ["Python", "SQLite"])
    assert (parsed.date, parsed.updated) == (post.published_at, post.updated_at)
    assert parsed.body == "Line\n\n*two*" and parsed.summary == "Sum."


def test_file_without_front_matter_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "2024-05-01-no-front-matter.md"
    path.write_text("# Just Markdown\n\nNo front matter here.\n")
    with pytest.raises(FrontMatterError, match=r"2024-05-01-no-front-matter\.md: no front matter"):
        PostFile.read(path)


def test_unclosed_front_matter_is_refused():
    with pytest.raises(FrontMatterError, match="no front matter"):
        loads("---\ntitle: x\n\nbody\n", "post.md")


def test_front_matter_that_is_not_yaml_is_refused_naming_the_file():
    with pytest.raises(FrontMatterError, match=r"^post\.md: not valid YAML"):
        loads('---\ntitle: "open\n---\n\nbody\n', "post.md")


def test_date_without_an_offset_is_refused():
    text = post_file().to_text().replace("+02:00", "")
    with pytest.raises(FrontMatterError, match="'date' must be an ISO 8601 date and time with an offset"):
        PostFile.from_text(text, "post.md")


def test_missing_and_unknown_fields_are_refused():
    with pytest.raises(FrontMatterError, match="'title' must be text"):
        PostFile.from_text(dumps({"slug": "x", "date": post_file().date}, "body"))
    with pytest.raises(FrontMatterError, match="unknown front matter field.*layout"):
        PostFile.from_text(post_file().to_text().replace("slug:", "layout: post\nslug:"))


def test_yaml_tags_are_not_constructed():
    # safe_load only: a file must never be able to build Python objects.
    with pytest.raises(FrontMatterError, match="not valid YAML"):
        loads("---\ntitle: !!python/object/apply:os.getcwd []\n---\n\nbody\n")


def test_demo_post_files_are_exactly_what_the_format_writes():
    paths = sorted(DEMO.glob("[0-9]*.md"))
    assert len(paths) == 18
    for path in paths:
        post = PostFile.read(path)
        assert post.to_text() == path.read_text(encoding="utf-8"), path.name
        assert path.name == f"{post.date:%Y-%m-%d}-{post.slug}.md"
