"""Search over published posts: search(), the one function the view calls, and the index it reads.

The only module that knows how each database searches. Both index text
folded in Python (blog.search_text.fold: case and diacritics, in any
script, whatever the database's locale, and no extension to install), and
keep the original beside it for the headlines, which are cut from the folded
text and given back the post's own spelling. On SQLite an FTS5 table ranked by
bm25() with column weights, hits marked by snippet() and highlight(). On
PostgreSQL django.contrib.postgres.search: a tsvector (the `simple` config)
weighted A (title, tags), B (summary), C (body), ts_rank, ts_headline.

The index holds every post, drafts and scheduled ones too: it is kept in step
where posts are written (blog/signals.py, and the commands that write in
bulk), and search() asks Post.objects.published() at query time, so a
scheduled post is found from its time on and not a moment before.
"""

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef
from django.db.models.expressions import RawSQL
from django.utils.html import escape

from blog import search_text
from blog.models import Post, SearchEntry, Tag
from blog.search_text import FRAGMENTS, MARK_END, MARK_START
from escribe.text import without_controls

TABLE = "blog_search"
MAX_LENGTH = 200
SNIPPET_WORDS = 30
# Matches ranked at most (the newest): ranking every match of a word in most
# of 100,000 posts took 0.5 s; a search that broad needs another word anyway.
RANKED_AT_MOST = 1000
# The FTS5 table's columns; only the folded ones are indexed, and bm25() takes
# a weight for each column, in this order. Prefixes of 2 to 4 letters have an
# index of their own (serv* took 35 ms at 100,000 posts without it); longer
# ones are spelled out as words (WORDS_TABLE).
_FTS5_COLUMNS = [
    ("folded_title", 10),
    ("folded_tags", 10),
    ("folded_summary", 4),
    ("folded_body", 1),
    ("title", 0),
    ("tags", 0),
    ("summary", 0),
    ("body", 0),
    ("vector", 0),
]
_FTS5_INDEXED = {"folded_title", "folded_tags", "folded_summary", "folded_body"}
FTS5_WEIGHTS = ", ".join(str(weight) for _, weight in _FTS5_COLUMNS)
_FTS5_TITLE, _FTS5_BODY = 0, 3  # column numbers for highlight() and snippet()
_FTS5_TABLE = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
    + ", ".join(name if name in _FTS5_INDEXED else f"{name} UNINDEXED" for name, _ in _FTS5_COLUMNS)
    + ", tokenize = 'unicode61', prefix = '2 3 4')"
)
# The words in the FTS5 index, for prefixes longer than its prefix index:
# `serve*` spelled out as ("server" OR "servers") is looked up like words
# (56 ms at 100,000 posts as a prefix, since FTS5 merges every such word's list first).
WORDS_TABLE = f"{TABLE}_words"
PREFIX_INDEXED = 4
EXPAND_AT_MOST = 50

# No foreign key to blog_post, as on SQLite: Django does not manage this table,
# so its flush (TRUNCATE of the tables it manages) would refuse a referencing
# one. A deleted post leaves the index by the post_delete receiver, and a row
# left behind matches no post: search() joins with Post.objects.published().
_POSTGRESQL_TABLE = [
    f"CREATE TABLE {TABLE} ("
    "rowid bigint PRIMARY KEY, "
    "title text NOT NULL, tags text NOT NULL, summary text NOT NULL, body text NOT NULL, "
    "folded_title text NOT NULL, folded_tags text NOT NULL, folded_summary text NOT NULL, folded_body text NOT NULL, "
    "vector tsvector NOT NULL)",
    f"CREATE INDEX {TABLE}_vector ON {TABLE} USING gin (vector)",
]
_POSTGRESQL_UPSERT = (
    f"INSERT INTO {TABLE} "
    "(rowid, title, tags, summary, body, folded_title, folded_tags, folded_summary, folded_body, vector) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'A') || "
    "setweight(to_tsvector('simple', %s), 'B') || setweight(to_tsvector('simple', %s), 'C')) "
    "ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, tags = EXCLUDED.tags, "
    "summary = EXCLUDED.summary, body = EXCLUDED.body, folded_title = EXCLUDED.folded_title, "
    "folded_tags = EXCLUDED.folded_tags, folded_summary = EXCLUDED.folded_summary, folded_body = EXCLUDED.folded_body, "
    "vector = EXCLUDED.vector"
)


# The index: made by the 0004_search migration, written where posts are written.


def create_table(using):
    """Make the index table for the database behind the connection `using` (the migration calls this)."""
    sqlite = [_FTS5_TABLE, f"CREATE VIRTUAL TABLE {WORDS_TABLE} USING fts5vocab({TABLE}, 'row')"]
    with using.cursor() as cursor:
        for statement in sqlite if using.vendor == "sqlite" else _POSTGRESQL_TABLE:
            cursor.execute(statement)


def drop_table(using):
    with using.cursor() as cursor:
        if using.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {WORDS_TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def store(using, rows):
    """Write index entries: rows of (post id, title, [tag names], summary_html, body_html); replaces what was there."""
    texts = {}  # bulk writers repeat bodies; each is turned into text once

    def text(markup):
        if markup not in texts:
            texts[markup] = search_text.html_to_text(markup)
        return texts[markup]

    entries = [
        (
            pk,
            search_text.plain_text(title),
            ", ".join(search_text.plain_text(n) for n in tags),
            text(summary),
            text(body),
        )
        for pk, title, tags, summary, body in rows
    ]
    if not entries:
        return
    folded = {}  # and fold each of them once
    for entry in entries:
        for value in entry[1:]:
            if value not in folded:
                folded[value] = search_text.fold(value)
    rows = [(*entry, *(folded[value] for value in entry[1:])) for entry in entries]
    with using.cursor() as cursor:
        if using.vendor == "sqlite":
            _remove(cursor, [entry[0] for entry in entries])
            columns = "rowid, title, tags, summary, body, folded_title, folded_tags, folded_summary, folded_body"
            cursor.executemany(f"INSERT INTO {TABLE} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        else:
            # The vector is made from the folded texts, which go in twice.
            cursor.executemany(_POSTGRESQL_UPSERT, [(*row, *row[5:]) for row in rows])


def _remove(cursor, ids):
    # By rowid: on SQLite FTS5 finds it in its own b-tree, not by a scan.
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({', '.join(['%s'] * len(chunk))})", chunk)


def index_posts(ids):
    """Bring the index entries of these posts up to date with the database (two queries, then the writes)."""
    ids = list(ids)
    if not ids:
        return
    tags = {}
    for post_id, name in Post.tags.through.objects.filter(post_id__in=ids).values_list("post_id", "tag__name"):
        tags.setdefault(post_id, []).append(name)
    posts = Post.objects.filter(pk__in=ids).values_list("pk", "title", "summary_html", "body_html")
    store(connection, [(pk, title, sorted(tags.get(pk, [])), summary, body) for pk, title, summary, body in posts])


def unindex_posts(ids):
    """Remove the index entries of these posts (deleted ones)."""
    ids = list(ids)
    if ids:
        with connection.cursor() as cursor:
            _remove(cursor, ids)


def rebuild_index():
    """Index every post again, in batches (after a bulk write that sent no signals)."""
    ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        index_posts(ids[start : start + 2000])


# Searching.


class Results:
    """What search() found: count() and slices of posts, each with `title_html` and `snippet_html` (safe HTML).

    `text` is the query as searched for (shortened, control characters removed). A Paginator
    takes it as its object list. With words to look for, one query
    ranks the matches (at most RANKED_AT_MOST of them, the newest: `more` says
    whether there were more) and one fetches a page's posts with their marks;
    with only tag: filters, one counts and one fetches a page, newest first.
    `matches` are index entries (SearchEntry) in the first case, posts in the second.
    """

    def __init__(self, text, query, matches, notes):
        self.text, self.query, self.matches, self.notes = text, query, matches, notes
        self.more = False
        self.fts5 = None  # SQLite's MATCH expression
        self._ids = None

    def _ranked_ids(self):
        if self._ids is None:
            sqlite = connection.vendor == "sqlite"
            rank = (
                RawSQL(f"bm25({TABLE}, {FTS5_WEIGHTS})", [])
                if sqlite
                else SearchRank(F("vector"), _tsquery(self.query))
            )
            # The newest matches first, as the index yields them, so the work
            # stops at RANKED_AT_MOST however many posts match.
            rows = list(
                self.matches.annotate(rank=rank).order_by("-pk").values_list("pk", "rank")[: RANKED_AT_MOST + 1]
            )
            self.more = len(rows) > RANKED_AT_MOST
            rows = rows[:RANKED_AT_MOST]
            # bm25(): lower is better; ts_rank(): higher is. Ties go to the newer post.
            rows.sort(key=lambda row: (row[1] if sqlite else -row[1], -row[0]))
            self._ids = [pk for pk, _ in rows]
        return self._ids

    def count(self):
        if not self.query:
            return 0
        if not self.query.terms:
            return self.matches.count()
        return len(self._ranked_ids())

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("Search results are read a page at a time.")
        if not self.query:
            return []
        if not self.query.terms:
            # Only tag: filters: the tag's posts, newest first.
            page = list(self.matches.only("title", "slug", "published_at").order_by("-published_at", "-id")[index])
            for post in page:
                post.title_html, post.snippet_html = escape(post.title), ""
            return page
        # Mark only the page's posts: a snippet costs far more than a rank.
        ids = self._ranked_ids()[index]
        if not ids:
            return []
        page = Post.objects.filter(pk__in=ids).only("title", "slug", "published_at")
        if connection.vendor == "sqlite":
            page = _sqlite_marked(page, self.fts5, ids)
        else:
            page = _postgresql_marked(page, self.query)
        found = {post.pk: post for post in _shown(page)}
        return [found[pk] for pk in ids if pk in found]


def search(text):
    """Published posts matching a reader's query (words, "phrases", prefixes like djan*, tag:name), best first."""
    # PostgreSQL refuses NUL in a query's text (a 500); nobody searches for a
    # control character, and the page shows the query back.
    text = without_controls(text or "").strip()
    notes = []
    if len(text) > MAX_LENGTH:
        notes.append(f"Your search was longer than {MAX_LENGTH} characters; only its start was searched for.")
        text = text[:MAX_LENGTH]
    query = search_text.parse(text)
    notes += query.notes
    posts = Post.objects.published()
    for name in query.tags:
        posts = posts.filter(tags__in=Tag.objects.named(name))
    if not query.terms:
        return Results(text, query if query else None, posts, notes)
    # The index drives: each match is checked against published() by its id.
    # Joining from the posts instead read every match's row twice over (ten
    # times slower on SQLite, whose FTS5 table gives only the rowid cheaply).
    entries = SearchEntry.objects.filter(Exists(posts.filter(pk=OuterRef("pk"))))
    results = Results(text, query, entries, notes)
    if connection.vendor == "sqlite":
        results.fts5 = _fts5_expression(query)
        results.matches = entries.filter(_fts5_match(results.fts5))
    else:
        results.matches = entries.filter(vector=_tsquery(query))
    return results


def _fts5_expression(query):
    """The MATCH expression; a one-word prefix longer than the prefix index is spelled out as its words."""
    expansions = {}
    with connection.cursor() as cursor:
        for number, term in enumerate(query.terms):
            words = search_text.folded_words(term)
            if term.prefix and len(words) == 1 and len(words[0]) > PREFIX_INDEXED:
                start = words[0]
                end = start[:-1] + chr(ord(start[-1]) + 1)
                cursor.execute(
                    f"SELECT term FROM {WORDS_TABLE} WHERE term >= %s AND term < %s LIMIT %s",
                    [start, end, EXPAND_AT_MOST + 1],
                )
                found = [row[0] for row in cursor.fetchall()]
                # None found: the prefix finds nothing either way; too many: FTS5's own merge.
                if 0 < len(found) <= EXPAND_AT_MOST:
                    expansions[number] = found
    return search_text.fts5_expression(query, tag_column="folded_tags", expansions=expansions)


def _fts5_match(expression):
    return RawSQL(f"{TABLE} MATCH %s", [expression], output_field=BooleanField())


def _sqlite_marked(page, expression, ids):
    # The rowids (= post ids) let FTS5 look up the page's entries instead of every match.
    rowids = RawSQL(f"{TABLE}.rowid IN ({', '.join(['%s'] * len(ids))})", ids, output_field=BooleanField())
    return (
        page.filter(search_entry__isnull=False)
        .filter(_fts5_match(expression))
        .filter(rowids)
        .annotate(
            title_marked=RawSQL(f"highlight({TABLE}, {_FTS5_TITLE}, %s, %s)", [MARK_START, MARK_END]),
            snippet_marked=RawSQL(
                f"snippet({TABLE}, {_FTS5_BODY}, %s, %s, %s, %s)", [MARK_START, MARK_END, FRAGMENTS, SNIPPET_WORDS]
            ),
            body_text=F("search_entry__body"),
            folded_body=F("search_entry__folded_body"),
        )
    )


def _tsquery(query):
    # No coarse tag filter as on SQLite: a weight-restricted tsquery ('python':A)
    # made PostgreSQL recheck (detoast) every candidate's vector: 79 -> 151 ms.
    combined = None
    for term in query.terms:
        words = search_text.folded_words(term)
        if term.prefix:
            # Only \w characters are left in the words: no tsquery syntax but ours.
            raw = " <-> ".join(f"'{word}'" for word in words) + ":*"
            part = SearchQuery(raw, search_type="raw", config="simple")
        else:
            part = SearchQuery(" ".join(words), search_type="phrase", config="simple")
        combined = part if combined is None else combined & part
    return combined


def _postgresql_marked(page, query):
    tsquery = _tsquery(query)
    marks = {"start_sel": MARK_START, "stop_sel": MARK_END, "config": "simple"}
    return page.annotate(
        title_marked=SearchHeadline("search_entry__folded_title", tsquery, highlight_all=True, **marks),
        snippet_marked=SearchHeadline(
            "search_entry__folded_body",
            tsquery,
            max_words=SNIPPET_WORDS,
            min_words=SNIPPET_WORDS // 2,
            max_fragments=2,
            fragment_delimiter=FRAGMENTS,
            **marks,
        ),
        body_text=F("search_entry__body"),
        folded_body=F("search_entry__folded_body"),
    )


def _shown(posts):
    """The page's posts with title_html and snippet_html: the database's marks on the post's own spelling."""
    found = list(posts)
    for post in found:
        title = search_text.plain_text(post.title)
        post.title_html = search_text.marked_html(
            search_text.restore_folded(post.title_marked, title, search_text.fold(title)) or title
        )
        fragments = []
        for fragment in post.snippet_marked.split(FRAGMENTS):
            restored = search_text.restore_folded(fragment, post.body_text, post.folded_body)
            fragments.append(restored if restored is not None else fragment)
        post.snippet_html = search_text.marked_html(FRAGMENTS.join(fragments))
    return found
