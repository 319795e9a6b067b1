"""The search index's rows, one per post (blog/search.py keeps them)."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from blog.models.posts import Post


class SearchEntry(models.Model):
    """One post's words in the search index (blog/search.py keeps it; the 0004_search migration makes the table).

    The table differs by database, so Django does not manage it: on SQLite an
    FTS5 table (rowid = post id), on PostgreSQL a table with a weighted
    tsvector of folded text and a GIN index. It may hold drafts and scheduled
    posts: search joins it with Post.objects.published() when it is asked.
    """

    # "rowid" on both databases: on SQLite it is the FTS5 table's own key, the
    # one column FTS5 gives without reading the stored row.
    post = models.OneToOneField(
        Post,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_entry",
    )
    title = models.TextField()
    tags = models.TextField()
    summary = models.TextField()
    body = models.TextField()
    # What is searched (blog.search_text.fold()), and what headlines are cut from.
    folded_title = models.TextField()
    folded_tags = models.TextField()
    folded_summary = models.TextField()
    folded_body = models.TextField()
    # PostgreSQL's tsvector of the folded texts; NULL on SQLite, whose FTS5 table is the index.
    vector = SearchVectorField(null=True)

    class Meta:
        managed = False
        db_table = "blog_search"

    def __str__(self):
        return self.title
