"""Page files on several hosts (escribe/page_stamp.py, escribe/pages.py): a change anywhere makes every host's stale.

Two hosts here are two page folders sharing one database: a host is the
folder settings.PAGES_DIR names while its code runs. Commits are real
(transaction=True): the database's row is what tells the other host.
"""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post
from escribe import page_stamp, pages
from tests.support.backups import only_backup
from tests.support.commands import run_or_refusal
from tests.support.factories import make_post
from tests.support.page_files import kept_files
from tools.localstack import production_env, run_manage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hosts(tmp_path, settings):
    """Host A's and host B's page folders; the test runs as host B unless it says `with on(hosts.a)`."""
    settings.SITE_URL = "http://testserver"
    folders = type("Hosts", (), {"a": str(tmp_path / "a" / "pages"), "b": str(tmp_path / "b" / "pages")})
    settings.PAGES_DIR = folders.b
    page_stamp.announce()  # the row as the migration leaves it (a transaction test empties every table after it)
    return folders


@pytest.fixture(autouse=True)
def no_watcher(monkeypatch):
    """Each test starts as a process without a watcher; one a test starts is forgotten after it."""
    monkeypatch.setattr(pages, "_confirmed_at", None)


def on(folder):
    return override_settings(PAGES_DIR=folder)


def started(folder, client):
    """The host's first generation, with the front page kept in it."""
    with on(folder):
        client.get("/")
        assert "index.html" in kept_files(None)
        return pages.current()


def watch_until(seen, stop):
    """The watcher's loop (pages._watch_forever), until `stop` is set: pages.watch()'s thread would outlive the test."""
    while not stop.is_set():
        time.sleep(pages._look(seen))
    connection.close()


def stamp_writes(queries):
    return [q["sql"] for q in queries if page_stamp.table() in q["sql"] and not q["sql"].startswith("SELECT")]


# --- A change anywhere -----------------------------------------------------------------------


def test_a_change_committed_on_one_host_makes_the_others_files_stale_at_its_next_look(client, hosts):
    post = make_post(title="Before")
    on_a, on_b = started(hosts.a, client), started(hosts.b, client)
    with on(hosts.a):
        post.title = "After"
        post.save()  # committed; host A switches itself on the commit
        assert pages.current().name != on_a.name
    assert pages.current().name == on_b.name  # host B has not looked yet
    pages.poll()
    assert pages.current().name != on_b.name
    assert kept_files(None) == []
    assert "After" in client.get("/").content.decode()
    pages.poll()
    assert "index.html" in kept_files(None)  # nothing changed since: B keeps its new files


def test_a_host_finds_its_own_change_already_applied(client, hosts):
    post = make_post()
    started(hosts.b, client)
    post.save()
    after_commit = pages.current().name
    pages.poll()
    assert pages.current().name == after_commit  # no second switch for the same change


def test_the_watcher_thread_sees_a_change_made_elsewhere_within_a_second(hosts):
    pages.invalidate()
    before = pages.current().name
    seen, stop = {}, threading.Event()
    watcher = threading.Thread(target=watch_until, args=(seen, stop))
    watcher.start()
    try:
        time.sleep(2 * pages.STAMP_INTERVAL)
        assert pages.current().name == before
        with transaction.atomic():
            page_stamp.bump()  # what any host's change does in its transaction
        committed = time.monotonic()
        while pages.current().name == before and time.monotonic() - committed < 1:
            time.sleep(0.01)
        assert pages.current().name != before, "host B did not switch within a second"
    finally:
        stop.set()
        watcher.join()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="another process cannot open SQLite's in-memory test database"
)
def test_a_change_committed_by_another_process_reaches_this_hosts_watcher_within_a_second(hosts, tmp_path):
    post = make_post(title="Before")
    pages.invalidate()
    before = pages.current().name
    db = connection.settings_dict
    env = {
        **production_env(tmp_path / "a", 443),
        "ESCRIBE_DATABASE_URL": f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "ESCRIBE_PAGES_DIR": hosts.a,
    }
    seen, stop = {}, threading.Event()
    watcher = threading.Thread(target=watch_until, args=(seen, stop))
    watcher.start()
    try:
        run_manage(env, "shell", "-c", f"from blog.models import Post; Post.objects.get(pk={post.pk}).save()")
        committed = time.monotonic()  # the other process has exited: its change is committed
        while pages.current().name == before and time.monotonic() - committed < 1:
            time.sleep(0.01)
        assert pages.current().name != before, "this host did not switch within a second of the other's commit"
    finally:
        stop.set()
        watcher.join()


def test_a_page_rendered_from_data_older_than_a_change_is_never_written(client, hosts, monkeypatch):
    post = make_post(title="Old title")
    old_generation = started(hosts.b, client)
    (old_generation.path / "index.html").unlink()
    from blog import views

    real = views.PostListView.get_queryset

    def read_then_change_elsewhere(view):
        rows = real(view)
        list(rows)  # this page's data, read before the change
        with on(hosts.a):
            Post.objects.filter(pk=post.pk).update(title="New title")
            pages.invalidate_on_commit()  # host A's change path, committed at once
        pages.poll()  # host B's watcher learns of it while the page renders
        return rows

    monkeypatch.setattr(views.PostListView, "get_queryset", read_then_change_elsewhere)
    assert "Old title" in client.get("/").content.decode()
    assert pages.current().name != old_generation.name
    assert kept_files(None) == []
    assert not (old_generation.path / "index.html").exists()
    monkeypatch.undo()
    assert "New title" in client.get("/").content.decode()


def test_a_post_scheduled_through_one_host_goes_public_on_time_on_the_other(client, hosts):
    make_post()
    started(hosts.b, client)
    assert pages.current().valid_until is None
    at = timezone.now() + timedelta(minutes=5)
    with on(hosts.a):
        make_post(title="Scheduled on A", published_at=at)
    pages.poll()
    assert pages.current().valid_until == pytest.approx(at.timestamp())


def test_the_lazy_token_makes_the_other_hosts_pages_stale_within_a_minute(hosts):
    from comments.changes import SPAM_COUNTER_LAG, spam_counted

    pages.invalidate()
    first = pages.current()
    seen = {}
    pages._look(seen)
    with on(hosts.a), transaction.atomic():
        spam_counted(1)
    pages._look(seen)
    after = pages.current()
    assert after.name == first.name  # not at once: the counter may lag
    assert after.valid_until == pytest.approx(first.created + page_stamp.LAZY_SECONDS)
    assert page_stamp.LAZY_SECONDS == SPAM_COUNTER_LAG


def test_refresh_pages_makes_every_hosts_files_stale(client, hosts):
    started(hosts.b, client)
    with on(hosts.a):
        _, error = run_or_refusal("refresh_pages")
    assert error is None, error
    before = pages.current().name
    pages.poll()
    assert pages.current().name != before


def test_a_restore_makes_every_hosts_files_stale(client, hosts, backup_dir):
    make_post()
    run_or_refusal("backup")  # the stamp as it is now, brought back by the restore
    started(hosts.b, client)
    with on(hosts.a):
        _, error = run_or_refusal("restore", str(only_backup(backup_dir)), "--yes")
    assert error is None, error
    before = pages.current().name
    pages.poll()
    assert pages.current().name != before


# --- Cheap, and safe in any transaction ------------------------------------------------------


def test_a_transaction_bumps_the_stamp_once_however_much_it_changes(hosts):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        make_post()
        make_post()
    assert len(stamp_writes(queries)) == 1


def test_a_rolled_back_savepoint_takes_its_bump_with_it(hosts):
    token = page_stamp.read()[0]
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            make_post()
            raise RuntimeError("the change is undone")
        make_post()
    assert page_stamp.read()[0] != token


def test_a_missing_row_is_made_again_by_the_next_change(hosts):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(page_stamp.table())}")
    assert page_stamp.read() == (page_stamp.NO_ROW, page_stamp.NO_ROW)
    make_post()
    assert page_stamp.read()[0] != page_stamp.NO_ROW


def test_before_its_migration_a_change_bumps_nothing(hosts, monkeypatch):
    # comments' migration 0003 may change pages before escribe's 0001 made the table.
    monkeypatch.setattr(page_stamp, "_table_present", False)
    monkeypatch.setattr(page_stamp, "table", lambda: "escribe_not_yet_made")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        pages.invalidate_on_commit()
    assert stamp_writes(queries) == []
    assert page_stamp.read() == (page_stamp.NO_ROW, page_stamp.NO_ROW)


def test_without_page_files_a_save_writes_no_stamp(settings):
    settings.PAGES_DIR = ""
    with CaptureQueriesContext(connection) as queries:
        make_post()
    assert stamp_writes(queries) == []


# --- A watcher that cannot ask ---------------------------------------------------------------


@contextmanager
def database_away(monkeypatch):
    def fail():
        raise DatabaseError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(page_stamp, "read", fail)
        yield


def test_the_watcher_survives_a_database_that_is_away_and_catches_up(hosts, monkeypatch, caplog):
    pages.invalidate()
    before = pages.current().name
    seen = {}
    with database_away(monkeypatch):
        assert pages._look(seen) > 0
        assert pages._look(seen) > 0
        page_stamp.bump()  # committed meanwhile, by another host
    assert caplog.text.count("Could not check the page files") == 1  # once per outage
    pages._look(seen)
    assert pages.current().name != before


def test_a_worker_whose_watcher_has_not_heard_from_the_database_keeps_no_file(client, hosts, monkeypatch):
    make_post()
    pages.invalidate()
    monkeypatch.setattr(pages, "_confirmed_at", time.monotonic() - pages.STAMP_GRACE - 1)
    assert client.get("/").status_code == 200  # served all the same
    assert kept_files(None) == []
    pages.poll()  # heard from it again
    client.get("/")
    assert kept_files(None) == ["index.html", "index.html.gz"]


def first_look_only(first_look):
    """The watcher's thread making its first look only: pages.watch()'s would outlive the test."""
    time.sleep(0.2)  # watch() waits for it
    pages._look({})
    connection.close()
    first_look.set()


def test_a_worker_whose_watcher_starts_with_the_database_away_keeps_nothing_until_it_is_back(
    client, hosts, monkeypatch
):
    make_post()
    monkeypatch.setattr(pages, "_watch_forever", first_look_only)
    with database_away(monkeypatch):
        assert pages.watch() is not None  # its first look, before the worker serves anyone, fails
    client.get("/")
    assert kept_files(None) == []
    pages.poll()
    client.get("/")
    assert "index.html" in kept_files(None)


def test_a_worker_serves_its_first_reader_with_the_watchers_first_look_made(client, hosts, monkeypatch):
    make_post()
    monkeypatch.setattr(pages, "_watch_forever", first_look_only)
    pages.watch()
    client.get("/")
    assert "index.html" in kept_files(None)
