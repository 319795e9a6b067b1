"""Search over published posts: search(), the one function the view calls, and the index it reads.

The only module that knows how each database searches. On SQLite an FTS5
table (unicode61 tokenizer, diacritics removed) ranked by bm25 with column
weights, hits marked by snippet() and highlight(). On PostgreSQL
django.contrib.postgres.search: a tsvector of text folded in Python
(escribe.textsearch.fold: case and accents, in any script, whatever the
database's locale, and no extension to install) with the `simple` config,
weights A (title, tags), B (summary), C (body), ts_rank, ts_headline.

The index holds every post, drafts and scheduled ones too: it is kept in step
where posts are written (blog/signals.py, and the commands that write in
bulk), and search() asks Post.objects.published() at query time, so a
scheduled post is found from its time on and not a moment before.
"""

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import BooleanField, F
from django.db.models.expressions import RawSQL
from django.utils.html import escape

from blog.models import Post, Tag
from escribe import textsearch
from escribe.textsearch import FRAGMENTS, MARK_END, MARK_START

TABLE = "blog_search"
MAX_LENGTH = 200
SNIPPET_WORDS = 30
# bm25() weights, one per column of the FTS5 table (unindexed ones included):
# post_id, title, tags, summary, body, folded_title, folded_body, vector.
FTS5_WEIGHTS = "0, 10, 10, 4, 1, 0, 0, 0"

_FTS5_TABLE = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
    "post_id UNINDEXED, title, tags, summary, body, folded_title UNINDEXED, folded_body UNINDEXED, vector UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)
_POSTGRESQL_TABLE = [
    f"CREATE TABLE {TABLE} ("
    "post_id bigint PRIMARY KEY REFERENCES blog_post (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, "
    "title text NOT NULL, tags text NOT NULL, summary text NOT NULL, body text NOT NULL, "
    "folded_title text, folded_body text, vector tsvector)",
    f"CREATE INDEX {TABLE}_vector ON {TABLE} USING gin (vector)",
]
_POSTGRESQL_UPSERT = (
    f"INSERT INTO {TABLE} (post_id, title, tags, summary, body, folded_title, folded_body, vector) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, "
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'A') || "
    "setweight(to_tsvector('simple', %s), 'B') || setweight(to_tsvector('simple', %s), 'C')) "
    "ON CONFLICT (post_id) DO UPDATE SET title = EXCLUDED.title, tags = EXCLUDED.tags, "
    "summary = EXCLUDED.summary, body = EXCLUDED.body, folded_title = EXCLUDED.folded_title, "
    "folded_body = EXCLUDED.folded_body, vector = EXCLUDED.vector"
)


# The index: made by the 0003_search migration, written where posts are written.


def create_table(using):
    """Make the index table for the database behind the connection `using` (the migration calls this)."""
    with using.cursor() as cursor:
        for statement in [_FTS5_TABLE] if using.vendor == "sqlite" else _POSTGRESQL_TABLE:
            cursor.execute(statement)


def drop_table(using):
    with using.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def store(using, rows):
    """Write index entries: rows of (post id, title, [tag names], summary_html, body_html); replaces what was there."""
    texts = {}  # bulk writers repeat bodies; each is turned into text once

    def text(markup):
        if markup not in texts:
            texts[markup] = textsearch.html_to_text(markup)
        return texts[markup]

    entries = [
        (pk, textsearch.plain_text(title), ", ".join(textsearch.plain_text(n) for n in tags), text(summary), text(body))
        for pk, title, tags, summary, body in rows
    ]
    if not entries:
        return
    with using.cursor() as cursor:
        if using.vendor == "sqlite":
            _remove(cursor, [entry[0] for entry in entries], using.vendor)
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, post_id, title, tags, summary, body) VALUES (%s, %s, %s, %s, %s, %s)",
                [(entry[0], *entry) for entry in entries],
            )
        else:
            bodies = {}
            for entry in entries:
                bodies.setdefault(entry[4], textsearch.fold(entry[4]))
            values = []
            for pk, title, tags, summary, body in entries:
                folded_title = textsearch.fold(title)
                vector = (folded_title, textsearch.fold(tags), textsearch.fold(summary), bodies[body])
                values.append((pk, title, tags, summary, body, folded_title, bodies[body], *vector))
            cursor.executemany(_POSTGRESQL_UPSERT, values)


def _remove(cursor, ids, vendor):
    # rowid is the post's id on SQLite: found through FTS5's own b-tree, not a scan.
    column = "rowid" if vendor == "sqlite" else "post_id"
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        cursor.execute(f"DELETE FROM {TABLE} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})", chunk)


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
            _remove(cursor, ids, connection.vendor)


def rebuild_index():
    """Index every post again, in batches (after a bulk write that sent no signals)."""
    ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        index_posts(ids[start : start + 2000])


# Searching.


class Results:
    """What search() found: count() and slices of posts, each with `title_html` and `snippet_html` (safe HTML).

    A Paginator takes it as its object list: one query counts, one fetches a page.
    """

    def __init__(self, query, posts, notes):
        self.query, self.posts, self.notes = query, posts, notes

    def count(self):
        return self.posts.count() if self.query else 0

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("Search results are read a page at a time.")
        if not self.query:
            return []
        if not self.query.terms:
            # Only tag: filters: the tag's posts, newest first.
            page = list(self.posts.only("title", "slug", "published_at").order_by("-published_at", "-id")[index])
            for post in page:
                post.title_html, post.snippet_html = escape(post.title), ""
            return page
        backend = _sqlite_page if connection.vendor == "sqlite" else _postgresql_page
        return backend(self.posts, self.query, index)


def search(text):
    """Published posts matching a reader's query (words, "phrases", prefixes like djan*, tag:name), best first."""
    text = (text or "").replace("\x00", "").strip()
    notes = []
    if len(text) > MAX_LENGTH:
        notes.append(f"Your search was longer than {MAX_LENGTH} characters; only its start was searched for.")
        text = text[:MAX_LENGTH]
    query = textsearch.parse(text)
    notes += query.notes
    posts = Post.objects.published()
    for name in query.tags:
        posts = posts.filter(tags__in=Tag.objects.named(name))
    if query.terms:
        if connection.vendor == "sqlite":
            match = RawSQL(f"{TABLE} MATCH %s", [textsearch.fts5_expression(query)], output_field=BooleanField())
            posts = posts.filter(search_entry__isnull=False).filter(match)
        else:
            posts = posts.filter(search_entry__vector=_tsquery(query))
    return Results(query if query else None, posts, notes)


def _sqlite_page(posts, query, index):
    page = posts.only("title", "slug", "published_at").annotate(
        rank=RawSQL(f"bm25({TABLE}, {FTS5_WEIGHTS})", []),
        title_marked=RawSQL(f"highlight({TABLE}, 1, %s, %s)", [MARK_START, MARK_END]),
        snippet_marked=RawSQL(f"snippet({TABLE}, 4, %s, %s, %s, %s)", [MARK_START, MARK_END, FRAGMENTS, SNIPPET_WORDS]),
    )
    found = list(page.order_by("rank", "-published_at", "-id")[index])
    for post in found:
        post.title_html = textsearch.marked_html(post.title_marked)
        post.snippet_html = textsearch.marked_html(post.snippet_marked)
    return found


def _tsquery(query):
    combined = None
    for term in query.terms:
        words = [word for original in term.words for word in textsearch.WORD.findall(textsearch.fold(original))]
        if not words:
            continue
        if term.prefix:
            # Only \w characters are left in the words: nothing here is tsquery syntax but ours.
            raw = " <-> ".join(f"'{word}'" for word in words) + ":*"
            part = SearchQuery(raw, search_type="raw", config="simple")
        else:
            part = SearchQuery(" ".join(words), search_type="phrase", config="simple")
        combined = part if combined is None else combined & part
    return combined if combined is not None else SearchQuery("", config="simple")


def _postgresql_page(posts, query, index):
    tsquery = _tsquery(query)
    marks = {"start_sel": MARK_START, "stop_sel": MARK_END, "config": "simple"}
    page = posts.only("title", "slug", "published_at").annotate(
        rank=SearchRank(F("search_entry__vector"), tsquery),
        body_text=F("search_entry__body"),
        folded_body=F("search_entry__folded_body"),
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
    )
    found = list(page.order_by("-rank", "-published_at", "-id")[index])
    for post in found:
        # The headlines are cut from folded text; the reader sees the post's own spelling.
        title = textsearch.plain_text(post.title)
        post.title_html = textsearch.marked_html(
            textsearch.restore_folded(post.title_marked, title, textsearch.fold(title)) or title
        )
        fragments = []
        for fragment in post.snippet_marked.split(FRAGMENTS):
            restored = textsearch.restore_folded(fragment, post.body_text, post.folded_body)
            fragments.append(restored if restored is not None else fragment)
        post.snippet_html = textsearch.marked_html(FRAGMENTS.join(fragments))
    return found
