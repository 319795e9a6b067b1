"""A restore takes from a backup only the tables E-Scribe's migrations create: never its triggers, views or others."""

import sqlite3
import time
from contextlib import closing
from types import SimpleNamespace

import pytest
from django.db import connection

from blog.models import Post
from comments.models import Comment
from escribe import backup_contents, backups
from tests.escribe.test_backup import install
from tests.support.backups import only_backup
from tests.support.commands import run_or_refusal
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_post
from tools.localstack import drop_database, run_manage

pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite backup's schema")
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a pg_dump archive's entries")


def craft(path, script):
    """Change a backup the way someone handing it over could."""
    with closing(sqlite3.connect(path)) as crafted:
        crafted.executescript(script)


def test_everything_e_scribes_migrations_make_is_taken(backup_dir):
    make_post(title="Kept")
    run_or_refusal("backup")
    with backups.opened(only_backup(backup_dir)) as backup:
        assert backup.refused == []
        assert {"blog_post", "blog_post_tags", "comments_comment", "django_migrations"} <= backup.tables


@sqlite_only
def test_a_backups_trigger_view_and_other_tables_stay_out_of_the_live_database(backup_dir):
    post = make_post(title="Old post", body="Findable words.")
    run_or_refusal("backup")
    path = only_backup(backup_dir)
    craft(path, """
        CREATE TRIGGER approve_everything AFTER INSERT ON comments_comment
        BEGIN UPDATE comments_comment SET status = 'approved' WHERE id = NEW.id; END;
        CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n;
        CREATE TABLE planted (note TEXT);
        CREATE INDEX planted_note ON planted (note);
    """)  # fmt: skip
    left_out = (
        "Left out, as E-Scribe's migrations make none of them: trigger approve_everything, view endless, table planted."
    )
    out, error = run_or_refusal("restore", str(path))
    assert error is None, error
    assert left_out in out
    out, error = run_or_refusal("restore", str(path), "--yes")
    assert error is None, error
    assert left_out in out
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') OR name LIKE 'planted%'")
        assert cursor.fetchall() == []
        # The search index, a full-text table, came back whole.
        cursor.execute("SELECT rowid FROM blog_search WHERE blog_search MATCH 'findable'")
        assert cursor.fetchall() == [(post.pk,)]
    comment = make_comment(Post.objects.get(), body="Left for the moderator.")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


@sqlite_only
def test_a_view_in_place_of_one_of_e_scribes_tables_refuses_the_backup_without_reading_it(backup_dir, tmp_path):
    make_post(title="Old post")
    run_or_refusal("backup")
    path = only_backup(backup_dir)
    craft(path, """
        DROP TABLE blog_post;
        CREATE VIEW blog_post AS WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n) SELECT id FROM n;
    """)  # fmt: skip
    # In a process of its own: counting the view's rows would never end.
    env = install(tmp_path, "live")
    try:
        run_manage(env, "migrate", "--noinput")
        started = time.monotonic()
        result = run_manage(env, "restore", str(path), check=False, timeout=60)
        assert time.monotonic() - started < 30
    finally:
        drop_database(SimpleNamespace(env=env))
    assert result.returncode == 1
    assert (
        f"CommandError: Nothing was restored: {path} is not a backup E-Scribe can restore: "
        "its blog_post is a view, not a table as E-Scribe's migrations make it"
    ) in result.stderr


@pytest.mark.parametrize(
    "statement",
    [
        # Full-text tables reading another table (a view, say) to check themselves.
        "CREATE VIRTUAL TABLE blog_search USING fts5(title, content='endless')",
        "CREATE VIRTUAL TABLE blog_post USING fts5(title)",
        "CREATE VIEW comments_comment AS SELECT 1",
    ],
)
def test_a_known_name_that_is_not_e_scribes_table_refuses_the_backup(statement):
    kind = "view" if "VIEW" in statement else "table"
    name = statement.split()[3 if kind == "table" else 2]
    with pytest.raises(backup_contents.Unrestorable, match=name):
        backup_contents.judge_sqlite([(kind, name, name, statement)])


@postgresql_only
def test_a_dumps_trigger_function_and_view_stay_out_of_the_live_database(backup_dir):
    make_post(title="Old post")
    planted = [
        "CREATE FUNCTION approve_everything() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN NEW.status := 'approved'; RETURN NEW; END $$",
        "CREATE TRIGGER approve_everything BEFORE INSERT ON comments_comment "
        "FOR EACH ROW EXECUTE FUNCTION approve_everything()",
        "CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
    ]
    removed = [
        "DROP TRIGGER IF EXISTS approve_everything ON comments_comment",
        "DROP FUNCTION IF EXISTS approve_everything()",
        "DROP VIEW IF EXISTS endless",
    ]

    def execute(statements):
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    try:
        execute(planted)
        run_or_refusal("backup")
        execute(removed)
        path = only_backup(backup_dir)
        out, error = run_or_refusal("restore", str(path))
        assert error is None, error
        for entry in ["function approve_everything()", "trigger comments_comment approve_everything", "view endless"]:
            assert entry in out.split("Left out, as E-Scribe's migrations make none of them: ", 1)[1].split("\n")[0]
        out, error = run_or_refusal("restore", str(path), "--yes")
        assert error is None, error
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            assert cursor.fetchall() == []
            cursor.execute("SELECT to_regclass('endless'), to_regproc('approve_everything')")
            assert cursor.fetchone() == (None, None)
        comment = make_comment(Post.objects.get(), body="Left for the moderator.")
        comment.refresh_from_db()
        assert comment.status == Comment.Status.PENDING
    finally:
        execute(removed)


LISTING = """;
; Archive created at 2026-12-06 11:40:00 UTC
;
215; 1259 16390 TABLE public blog_post escribe
214; 1259 16389 SEQUENCE public blog_post_id_seq escribe
230; 1259 16500 TABLE public planted escribe
3345; 0 16390 TABLE DATA public blog_post escribe
3346; 0 16500 TABLE DATA public planted escribe
3350; 0 0 SEQUENCE SET public blog_post_id_seq escribe
3190; 2606 16395 CONSTRAINT public blog_post blog_post_pkey escribe
3200; 1259 16400 INDEX public blog_post_slug_like escribe
3201; 1259 16501 INDEX public planted_note escribe
3210; 2606 16410 FK CONSTRAINT public blog_post blog_post_author_id_fk escribe
3211; 2606 16411 FK CONSTRAINT public blog_post blog_post_planted_fk escribe
3220; 2620 16420 TRIGGER public blog_post publish_everything escribe
"""
SCRIPT = """
--
-- Name: blog_post_id_seq; Type: SEQUENCE; Schema: public; Owner: escribe
--

ALTER TABLE public.blog_post ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.blog_post_id_seq
);

--
-- Name: blog_post_slug_like; Type: INDEX; Schema: public; Owner: escribe
--

CREATE INDEX blog_post_slug_like ON public.blog_post USING btree (slug varchar_pattern_ops);

--
-- Name: planted_note; Type: INDEX; Schema: public; Owner: escribe
--

CREATE INDEX planted_note ON public.planted USING btree (note);

--
-- Name: blog_post blog_post_author_id_fk; Type: FK CONSTRAINT; Schema: public; Owner: escribe
--

ALTER TABLE ONLY public.blog_post
    ADD CONSTRAINT blog_post_author_id_fk FOREIGN KEY (author_id) REFERENCES public.auth_user(id) DEFERRABLE;

--
-- Name: blog_post blog_post_planted_fk; Type: FK CONSTRAINT; Schema: public; Owner: escribe
--

ALTER TABLE ONLY public.blog_post
    ADD CONSTRAINT blog_post_planted_fk FOREIGN KEY (planted_id) REFERENCES public.planted(id) DEFERRABLE;
"""


def test_pg_restore_gets_only_the_entries_of_e_scribes_tables():
    judged, restore_list = backup_contents.judge_pg_list(LISTING, SCRIPT)
    kept = [line.split(" ", 1)[0] for line in restore_list.splitlines() if line[:1].isdigit()]
    assert kept == ["215;", "214;", "3345;", "3350;", "3190;", "3200;", "3210;"]
    assert judged.tables == {"blog_post"}
    assert judged.refused == [
        "table planted",
        "table data planted",
        "index planted_note",
        "fk constraint blog_post blog_post_planted_fk",
        "trigger blog_post publish_everything",
    ]


@sqlite_only
def test_a_trigger_disguised_as_an_index_refuses_the_backup(backup_dir):
    # judge_sqlite() trusts sqlite_master's type and name columns because SQLite checks them against the statements.
    make_post(title="Old post")
    run_or_refusal("backup")
    path = only_backup(backup_dir)
    # SQLite builds a trigger from the statement; the type column only claims "index".
    craft(path, """
        CREATE TRIGGER approve_everything AFTER INSERT ON comments_comment
        BEGIN UPDATE comments_comment SET status = 'approved' WHERE id = NEW.id; END;
        PRAGMA writable_schema = ON;
        UPDATE sqlite_master SET type = 'index', name = 'innocent' WHERE name = 'approve_everything';
    """)  # fmt: skip
    _, error = run_or_refusal("restore", str(path), "--yes")
    assert error == f"Nothing was restored: {path} is not a SQLite database (malformed database schema (innocent))."
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert cursor.fetchall() == []
