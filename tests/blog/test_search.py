"""/search/: what is found, how it is ranked and shown, and that no query can break the page (SQLite and PostgreSQL)."""

import importlib
import re
import types
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from blog import search, search_text
from blog.models import Post, SearchEntry
from escribe import pages
from tests.support.factories import make_post, make_tag, set_site

pytestmark = pytest.mark.django_db


def found(query):
    """Titles of what search() finds, in its order (every page)."""
    results = search.search(query)
    return [post.title for post in results[0 : results.count()]]


def page(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200, query
    return response.content.decode()


class TestWhatIsFound:
    def test_words_in_the_title_tags_summary_and_body_are_found(self):
        make_post(title="Caravan notes", body="Nothing here.")
        make_post(title="Second", body="Plain.", tags=[make_tag("Zeppelins")])
        make_post(title="Third", body="Plain.", summary="About *marmalade*.")
        make_post(title="Fourth", body="A paragraph on **quokkas** and more.")
        assert found("caravan") == ["Caravan notes"]
        assert found("zeppelins") == ["Second"]
        assert found("marmalade") == ["Third"]
        assert found("quokkas") == ["Fourth"]

    def test_the_body_is_searched_as_text_not_markup(self):
        make_post(title="Coded", body="Some *emphasised* words.\n\n## A heading\n\n```python\nprint(1)\n```\n")
        assert found("emphasised") == ["Coded"]
        assert found("print") == ["Coded"]
        # Class names, tag names and the heading's permalink sign are markup, not words of the post.
        for markup in ["em", "span", "highlight", "headerlink", "figure", "class"]:
            assert found(markup) == [], markup

    def test_words_split_only_by_inline_markup_stay_one_word(self):
        make_post(title="Inline", body="A **bold**face and a <em>ter</em>rible pun.")
        assert found("boldface") == ["Inline"]
        assert found("terrible") == ["Inline"]

    @pytest.mark.parametrize("typed", ["node.js", "NODE.JS", "node", '"node js"', "nod*"])
    def test_words_joined_by_punctuation_are_found_whole_and_in_parts(self, typed):
        make_post(title="Servers", body="Run it with node.js, or with user_agent.py from ~/bin.")
        assert found(typed) == ["Servers"]
        assert found("user_agent.py") == ["Servers"]
        assert found("agent") == ["Servers"]

    def test_all_words_are_required(self):
        make_post(title="Apples and pears")
        make_post(title="Apples alone")
        assert found("apples pears") == ["Apples and pears"]

    def test_a_quoted_phrase_needs_its_words_in_order(self):
        make_post(title="Quick brown fox")
        make_post(title="Brown quick fox")
        assert found('"quick brown"') == ["Quick brown fox"]
        assert sorted(found("quick brown")) == ["Brown quick fox", "Quick brown fox"]

    def test_a_prefix_finds_every_word_starting_with_it(self):
        make_post(title="Django tips")
        make_post(title="Djangonauts unite")
        make_post(title="Flask tips")
        assert sorted(found("djan*")) == ["Django tips", "Djangonauts unite"]
        assert found("djan") == []

    def test_a_long_prefix_finds_every_word_starting_with_it(self):
        make_post(title="Django tips")
        make_post(title="Djangonauts unite", body="Djangoesque.")
        make_post(title="Djingo")
        assert sorted(found("djang*")) == ["Django tips", "Djangonauts unite"]
        assert sorted(found("djangon*")) == ["Djangonauts unite"]
        assert found("djangz*") == []

    @pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5's prefixes")
    def test_a_long_prefix_of_too_many_words_is_left_to_fts5(self, monkeypatch):
        make_post(title="Django tips")
        make_post(title="Djangonauts unite")
        assert search.search("djang*").fts5 == '("django" OR "djangonauts")'
        monkeypatch.setattr(search, "EXPAND_AT_MOST", 1)
        results = search.search("djang*")
        assert results.fts5 == '"djang"*'
        assert results.count() == 2

    def test_a_one_letter_prefix_is_a_word_with_a_note(self):
        make_post(title="D is for Django")
        results = search.search("d*")
        assert results.count() == 1
        assert results.notes and "too short" in results.notes[0]

    def test_tag_filter_keeps_only_posts_with_that_tag_in_any_case(self):
        python, go = make_tag("Python"), make_tag("Go lang")
        make_post(title="Servers in Python", tags=[python])
        make_post(title="Servers in Go", tags=[go])
        assert found("servers tag:python") == ["Servers in Python"]
        assert found('servers tag:"go LANG"') == ["Servers in Go"]
        assert found("tag:python") == ["Servers in Python"]
        assert found("servers tag:nosuchtag") == []

    def test_a_tag_filter_is_exact_though_the_index_narrows_by_its_words(self):
        make_post(title="Sharp code", tags=[make_tag("C#")])
        make_post(title="Plain code", tags=[make_tag("C")])
        make_post(title="Go code", tags=[make_tag("Go lang")])
        make_post(title="Go more code", tags=[make_tag("Go language")])
        assert found("code tag:c#") == ["Sharp code"]
        assert found("code tag:c") == ["Plain code"]
        assert found('code tag:"go lang"') == ["Go code"]
        assert found("code tag:+++") == []

    @pytest.mark.parametrize(
        ("written", "typed"),
        [
            ("Eine Überraschung", "überraschung"),
            ("Eine Überraschung", "UBERRASCHUNG"),
            ("Crème brûlée", "creme brulee"),
            ("Straße", "STRASSE"),
            ("ΚΑΛΗΜΈΡΑ κόσμε", "καλημερα"),
            ("Привет, МИР", "мир"),
            ("naïve café", "NAIVE CAFÉ"),
        ],
    )
    def test_case_and_accents_are_ignored_in_any_script(self, written, typed):
        make_post(title=written)
        assert found(typed) == [written]

    def test_title_and_tag_matches_rank_above_body_matches(self):
        make_post(title="A body match", body="Vim " + "filler words " * 30)
        make_post(title="Tagged", body="Nothing " + "filler words " * 30, tags=[make_tag("Vim")])
        make_post(title="All about Vim", body="Nothing " + "filler words " * 30)
        ranked = found("vim")
        assert set(ranked[:2]) == {"Tagged", "All about Vim"}
        assert ranked[2] == "A body match"


class TestVisibility:
    def test_a_draft_is_found_only_once_published(self):
        post = make_post(title="Zanzibar draft", status=Post.Status.DRAFT)
        assert found("zanzibar") == []
        post.status = Post.Status.PUBLISHED
        post.save()
        assert found("zanzibar") == ["Zanzibar draft"]

    def test_a_scheduled_post_is_found_from_its_time_on(self):
        moment = timezone.now() + timedelta(hours=2)
        make_post(title="Zanzibar later", published_at=moment)
        assert found("zanzibar") == []
        with mock.patch("django.utils.timezone.now", return_value=moment + timedelta(seconds=1)):
            assert found("zanzibar") == ["Zanzibar later"]

    def test_a_published_post_made_a_draft_is_no_longer_found(self):
        post = make_post(title="Zanzibar again")
        assert found("zanzibar") == ["Zanzibar again"]
        post.status = Post.Status.DRAFT
        post.save()
        assert found("zanzibar") == []


class TestTheIndexFollowsWrites:
    def test_an_edited_post_is_found_by_its_new_words_only(self):
        post = make_post(title="Old words", body="Gazpacho.")
        post.title, post.body = "New words", "Borscht."
        post.save()
        assert found("old") == [] and found("gazpacho") == []
        assert found("new borscht") == ["New words"]

    def test_a_deleted_post_leaves_the_index(self):
        post = make_post(title="Short lived")
        pk = post.pk
        assert SearchEntry.objects.filter(post_id=pk).exists()
        post.delete()
        assert not SearchEntry.objects.filter(post_id=pk).exists()

    def test_tags_added_removed_renamed_and_deleted_are_followed(self):
        tag = make_tag("Lighthouses")
        post = make_post(title="Coast walk")
        post.tags.add(tag)
        assert found("lighthouses") == ["Coast walk"]
        post.tags.remove(tag)
        assert found("lighthouses") == []
        tag.posts.add(post)  # from the tag's side
        assert found("lighthouses") == ["Coast walk"]
        tag.name = "Beacons"
        tag.save()
        assert found("lighthouses") == [] and found("beacons") == ["Coast walk"]
        tag.posts.clear()
        assert found("beacons") == []
        post.tags.set([tag])
        tag.delete()
        assert found("beacons") == []

    def test_marking_a_tag_featured_reindexes_none_of_its_posts(self, monkeypatch):
        tag = make_tag("Lighthouses")
        make_post(title="Coast walk").tags.add(tag)
        reindexed = []
        monkeypatch.setattr(search, "index_posts", lambda ids: reindexed.extend(ids))
        tag.featured = not tag.featured
        tag.save()
        assert reindexed == []
        tag.name = "Beacons"
        tag.save()
        assert len(reindexed) == 1

    def test_generated_posts_are_indexed(self):
        call_command("generate_content", posts=3, stdout=open_devnull())
        # The first is a draft and the last is scheduled.
        assert len(found("generated")) == 1

    def test_rerendering_reindexes(self):
        post = make_post(title="Rerendered", body="Pelicans.")
        Post.objects.filter(pk=post.pk).update(body_html="<p>Nothing.</p>")  # no signal: the index is stale
        search.index_posts([post.pk])
        assert found("pelicans") == []
        call_command("rerender_posts", stdout=open_devnull())
        assert found("pelicans") == ["Rerendered"]

    def test_the_migration_indexes_existing_posts(self):
        make_post(title="Before search existed", tags=[make_tag("Archaeology")])
        search.drop_table(connection)
        migration = importlib.import_module("blog.migrations.0004_search")
        migration.build(apps, types.SimpleNamespace(connection=connection))
        assert found("before archaeology") == ["Before search existed"]


def open_devnull():
    import io

    return io.StringIO()


class TestSnippets:
    def test_hits_are_marked_in_the_title_and_the_snippet(self, client):
        make_post(title="Eine Überraschung", body="Gar keine *Überraschung* hier, wirklich nicht.")
        html = page(client, "uberraschung")
        assert '<a href="/post/' in html
        assert "Eine <mark>Überraschung</mark>" in html  # the post's own spelling, not the folded one
        assert "keine <mark>Überraschung</mark> hier" in html

    def test_everything_but_the_marks_is_escaped(self, client):
        make_post(
            title="<b>Bold</b> & scripts",
            body="Never write `<script>alert(1)</script>` in a page about scripts.\n\n<i>raw</i> scripts too.",
        )
        html = page(client, "scripts")
        assert "<script>alert" not in html and "<b>Bold" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;b&gt;Bold&lt;/b&gt; &amp; <mark>scripts</mark>" in html

    def test_mark_characters_in_a_post_are_never_read_as_marks(self, client):
        make_post(title=f"Odd {search_text.MARK_START}quince{search_text.MARK_END} chars", body="Some quince.")
        html = page(client, "some")
        assert "<mark>quince</mark>" not in html
        assert "<mark>Some</mark>" in html

    def test_a_long_body_gives_a_short_snippet(self, client):
        make_post(title="Long", body="filler " * 500 + "needle " + "filler " * 500)
        snippet = re.search(r'<p class="search-snippet">(.*?)</p>', page(client, "needle"), re.S).group(1)
        assert "<mark>needle</mark>" in snippet
        assert len(snippet.split()) < 60


class TestFolding:
    def test_a_folded_fragment_is_given_back_in_the_original_spelling(self):
        original = "Eine große Überraschung, Ǆemal"
        folded = search_text.fold(original)
        fragment = folded[5:].replace("uberraschung", search_text.MARK_START + "uberraschung" + search_text.MARK_END)
        restored = search_text.restore_folded(fragment, original, folded)
        assert restored == original[5:].replace("Überraschung", "\ue000Überraschung\ue001")

    def test_a_fragment_not_in_the_text_is_not_restored(self):
        assert search_text.restore_folded("elsewhere", "Some text", "some text") is None


class TestThePage:
    @pytest.mark.parametrize(("walruses", "says"), [(0, "0 posts match"), (1, "1 post matches"), (2, "2 posts match")])
    def test_the_count_of_matches_agrees_in_number(self, client, walruses, says):
        for n in range(walruses):
            make_post(title=f"Walrus {n}")
        assert f"{says} &ldquo;walrus&rdquo;." in page(client, "walrus")

    def test_results_are_paginated_and_page_links_keep_the_query(self, client, settings):
        set_site(posts_per_page=3)
        for n in range(7):
            make_post(title=f"Walrus {n}")
        first = page(client, "walrus")
        assert "7 posts match" in first and first.count('class="search-results"') == 1
        assert "/search/?q=walrus&amp;page=2" in first
        third = page(client, "walrus", page=3)
        assert len(re.findall(r"<mark>Walrus</mark> \d", third)) == 1
        assert client.get("/search/", {"q": "walrus", "page": 4}).status_code == 404

    def test_queries_per_page_do_not_grow_with_the_results(self, client, django_assert_num_queries, settings):
        set_site(posts_per_page=10)
        tag = make_tag("Pinnipeds")
        make_post(title="Walrus one", tags=[tag])
        page(client, "walrus tag:pinnipeds")  # warms the sidebar's cache
        # the site settings, ranked ids, marked posts, the sidebar's four, the navigation
        with django_assert_num_queries(8):
            page(client, "walrus tag:pinnipeds")
        for n in range(12):
            make_post(title=f"Walrus {n}", tags=[tag])
        page(client, "walrus tag:pinnipeds")
        with django_assert_num_queries(8):
            html = page(client, "walrus tag:pinnipeds")
        assert "13 posts match" in html

    def test_tag_only_pages_cost_a_constant_number_of_queries(self, client, django_assert_num_queries):
        tag = make_tag("Pinnipeds")
        make_post(title="Walrus one", tags=[tag])
        page(client, "tag:pinnipeds")
        with django_assert_num_queries(8):  # site settings, count, page, the sidebar's four, the navigation
            page(client, "tag:pinnipeds")
        for n in range(12):
            make_post(title=f"Walrus {n}", tags=[tag])
        page(client, "tag:pinnipeds")
        with django_assert_num_queries(8):
            assert "13 posts match" in page(client, "tag:pinnipeds")

    def test_only_the_newest_matches_are_ranked_and_the_page_says_so(self, client, monkeypatch):
        monkeypatch.setattr(search, "RANKED_AT_MOST", 3)
        posts = [make_post(title=f"Walrus {n}") for n in range(5)]
        results = search.search("walrus")
        assert results.count() == 3 and results.more
        assert {post.pk for post in results[0:3]} == {post.pk for post in posts[-3:]}
        html = page(client, "walrus")
        assert "More than 3 posts match" in html
        assert not search.search("walrus 4").more

    def test_the_page_says_noindex(self, client):
        assert '<meta name="robots" content="noindex">' in page(client, "anything")

    def test_the_search_box_is_a_plain_get_form_on_every_page(self, client):
        html = client.get("/").content.decode()
        form = re.search(r'<form class="search-form"[^>]*>', html).group(0)
        assert 'action="/search/"' in form and 'method="get"' in form
        assert 'name="q"' in html

    def test_search_pages_are_never_written_as_files(self, client, settings, tmp_path):
        settings.PAGES_DIR = str(tmp_path / "pages")
        settings.SITE_URL = "http://testserver"
        make_post(title="Walrus")
        page(client, "walrus")
        client.get("/")  # the control: a page without a query string is kept
        generation = pages.current()
        kept = sorted(str(p.relative_to(generation.path)) for p in generation.path.rglob("*") if p.is_file())
        assert kept and not [name for name in kept if "search" in name]


HOSTILE = [
    '"',
    '""',
    "AND OR",
    "NOT",
    "*",
    "**",
    "NEAR(",
    "NEAR(walrus tusk, 2)",
    "walrus OR",
    "-walrus",
    "^walrus",
    "title:walrus",
    "tag:",
    'tag:"',
    "'",
    "walrus' | '",
    "walrus:* & !",
    "<->",
    "(walrus",
    "\\",
    "%_%",
    "a" * 10_000,
    "walrus " * 5_000,
    "ü" * 10_000,
    "\ue000\ue001\ue002",
    "\x00",
    "tag:py\x00thon",
    "\ufe70",
    "𝔴𝔞𝔩𝔯𝔲𝔰",
]


class TestHostileQueries:
    @pytest.mark.parametrize("query", HOSTILE)
    def test_a_hostile_query_gets_a_friendly_page(self, client, query):
        make_post(title="Walrus tusk")
        html = page(client, query)
        assert "<h1>Search</h1>" in html
        assert re.search(r"match(es)? &ldquo;|nothing to search for|Type a word", html), query

    def test_a_word_that_folds_to_nothing_is_not_searched_for(self, client):
        # An Arabic presentation form: a word character whose folded form is a space and a mark.
        assert search.search("\ufe70").query is None
        assert "nothing to search for" in page(client, "\ufe70")

    def test_punctuation_alone_says_what_to_type(self, client):
        assert "type a word or two" in page(client, '"*')

    def test_a_long_query_is_shortened_with_a_note(self, client):
        make_post(title="Walrus tusk")
        html = page(client, "walrus " + "x" * 300)
        assert "longer than 200 characters" in html

    def test_too_many_words_are_cut_with_a_note(self):
        make_post(title="Walrus tusk")
        results = search.search("walrus " * 20)
        assert results.count() == 1
        assert "first 12" in results.notes[0]

    def test_operators_are_searched_as_words(self):
        make_post(title="Rock and roll")
        make_post(title="Rock or roll")
        assert found("rock AND roll") == ["Rock and roll"]
        assert found("rock OR roll") == ["Rock or roll"]


def test_the_search_benchmark_runs_on_a_small_blog():
    # bench/search.py on a few posts, as a subprocess (tests never import bench/): it must not rot.
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "bench.search", "--posts", "30", "--rounds", "2", "--timeout", "120"],
        cwd=root, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "30 posts" in done.stdout and "rare word (one post)" in done.stdout
