"""Concurrency and faults against the real stack: nothing acknowledged is lost, no 500, limits hold.

One stack for the module: nginx + gunicorn (three workers, the production
settings) with the real Akismet client talking HTTP to a misbehaving fake and
the real SMTP backend talking to a fake mail server (tests/support/fake_services.py).
Each part is bounded (the load itself to a minute); figures are printed
(`pytest -s tests/faults/test_reliability.py`) and summarised in docs/RELIABILITY.md.
"""

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from tests.support.stack import built_stack, serving
from tests.support.system import require_program
from tools.localstack import drop_database, fresh_database, run_manage

pytestmark = pytest.mark.stack

AKISMET_TIMEOUT = 1.0
# Well apart from a POST's time, so a mail sent inside the request could not hide in the noise.
EMAIL_TIMEOUT = 10
COMMENT_RATE = 10
LOAD_COMMENTS = 1000
LOAD_POSTERS = 32
LOAD_READERS = 16
PART_LIMIT = 60  # seconds, for each part


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory, services):
    built = built_stack(tmp_path_factory, "reliability")
    built.env.update(
        {
            "ESCRIBE_WORKERS": "3",
            "ESCRIBE_COMMENT_RATE": str(COMMENT_RATE),
            "PYTHON_AKISMET_API_KEY": "fake-key",
            "PYTHON_AKISMET_TIMEOUT": str(AKISMET_TIMEOUT),
            "FAKE_AKISMET_PORT": str(services.akismet_port),
            "ESCRIBE_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "ESCRIBE_EMAIL_HOST": "127.0.0.1",
            "ESCRIBE_EMAIL_PORT": str(services.smtp_port),
            "ESCRIBE_EMAIL_TIMEOUT": str(EMAIL_TIMEOUT),
        }
    )
    with serving(request, built, config="tests/support/gunicorn_faults.py"):
        yield built


@pytest.fixture(autouse=True)
def _services_behave(services):
    services.set("akismet", "ham")
    services.set("smtp", "ok")
    yield
    services.set("akismet", "ham")
    services.set("smtp", "ok")


def shell(stack, code):
    """Python in the stack's `manage.py shell`, with the Akismet client pointed at the fake."""
    prelude = (
        "import json, os\n"
        "from tests.support.fake_services import install_loopback_akismet\n"
        "install_loopback_akismet(int(os.environ['FAKE_AKISMET_PORT']))\n"
    )
    return stack.shell(prelude + code)


def command(stack, *args):
    """A management command in the stack, with Akismet on the fake (recheck_comments asks it); its output."""
    return shell(stack, f"from django.core.management import call_command\ncall_command(*{args!r})")


def rows(stack, marker):
    """Every stored comment whose body holds `marker`: body -> (status, spam_check)."""
    out = shell(
        stack,
        "from comments.models import Comment\n"
        f"print(json.dumps(list(Comment.objects.filter(body__contains={marker!r})"
        ".values_list('body', 'status', 'spam_check'))))",
    )
    found = json.loads(out.strip().splitlines()[-1])
    counts = Counter(body for body, _, _ in found)
    assert all(n == 1 for n in counts.values()), f"stored twice: {[b for b, n in counts.items() if n > 1]}"
    return {body: (status, check) for body, status, check in found}


def commentable_slug(stack):
    return stack.shell(
        "from blog.models import Post\nprint(Post.objects.published().filter(comments_enabled=True).first().slug)"
    ).strip()


def address(number):
    """A distinct loopback address per commenter (all of 127/8 is this machine)."""
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


@contextmanager
def client_from(stack, local_address="127.0.0.1", timeout=30):
    transport = httpx.HTTPTransport(verify=stack.tls_context(), local_address=local_address)
    with httpx.Client(transport=transport, base_url=f"https://127.0.0.1:{stack.https_port}", timeout=timeout) as client:
        yield client


def request(stack, client, method, path, **kwargs):
    headers = {"Host": f"{stack.host}:{stack.https_port}", **kwargs.pop("headers", {})}
    return client.request(method, path, headers=headers, extensions={"sni_hostname": stack.host}, **kwargs)


def post_comment(stack, slug, body, number, timeout=30):
    """One commenter's POST through nginx from their own address: (status, seconds)."""
    form = {
        "author_name": f"Commenter {number}",
        "author_email": "c@example.com",
        "author_url": "",
        "body": body,
        "homepage": "",
    }
    started = time.monotonic()
    try:
        with client_from(stack, address(number), timeout) as client:
            response = request(
                stack, client, "POST", f"/post/{slug}/comment/", data=form, headers={"Origin": stack.origin}
            )
            status = response.status_code
    except httpx.HTTPError:
        status = None  # no answer: not acknowledged
    return status, time.monotonic() - started


def worker_pids(master):
    """gunicorn's workers: the master's children."""
    pgrep = require_program("pgrep")
    return subprocess.run([pgrep, "-P", str(master)], capture_output=True, text=True).stdout.split()


def acknowledged(status):
    return status == 302


def gunicorn_log(stack):
    return "\n".join(path.read_text(errors="replace") for name, path in stack.logs.items() if "gunicorn" in name)


def backdate(stack, marker, minutes=10):
    """Time passes: the comments (and their held mail) are `minutes` older."""
    shell(
        stack,
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from comments.models import Comment, Notification\n"
        f"ago = timezone.now() - timedelta(minutes={minutes})\n"
        f"Comment.objects.filter(body__contains={marker!r}).update(created_at=ago)\n"
        f"Notification.objects.filter(comment__body__contains={marker!r}).update(next_attempt_at=ago)\n",
    )


def test_a_thousand_commenters_and_sixteen_readers_lose_nothing(stack, services, tmp_path):
    slug = commentable_slug(stack)
    marker = f"load-{uuid.uuid4().hex[:8]}"
    paths = ["/", f"/post/{slug}/", "/tags/", "/archive/", "/feeds/atom/", "/page/2/", "/sitemap.xml"]
    results, reads = [], Counter()
    counting = threading.Lock()
    stop = threading.Event()
    deadline = time.monotonic() + PART_LIMIT

    def reader(number):
        with client_from(stack, timeout=10) as client:
            while not stop.is_set():
                try:
                    status = request(stack, client, "GET", paths[reads.total() % len(paths)]).status_code
                except httpx.HTTPError:
                    status = None
                with counting:
                    reads[status] += 1

    def poster(number):
        if time.monotonic() > deadline:
            return number, None, 0.0
        status, seconds = post_comment(stack, slug, f"{marker} comment {number}", number)
        return number, status, seconds

    acked_so_far = Counter()
    backup = {}

    def counted_poster(number):
        result = poster(number)
        with counting:
            acked_so_far[acknowledged(result[1])] += 1
        return result

    def back_up_midway():
        # An online backup while the commenters write: taken once a third of them are in.
        while acked_so_far[True] < LOAD_COMMENTS // 3 and not stop.is_set():
            time.sleep(0.05)
        backup["acked_before"] = acked_so_far[True]
        backup["out"] = stack.manage("backup", "--to", str(tmp_path / "backups")).stdout
        backup["acked_after"] = acked_so_far[True]

    started = time.monotonic()
    readers = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(LOAD_READERS)]
    for thread in readers:
        thread.start()
    backing_up = threading.Thread(target=back_up_midway, daemon=True)
    backing_up.start()
    with ThreadPoolExecutor(LOAD_POSTERS) as pool:
        results = list(pool.map(counted_poster, range(LOAD_COMMENTS)))
    elapsed = time.monotonic() - started
    stop.set()
    for thread in readers:
        thread.join(15)
    backing_up.join(60)

    statuses = Counter(status for _, status, _ in results)
    print(
        f"\nload: {LOAD_COMMENTS} comments in {elapsed:.1f} s = {statuses[302] / elapsed:.1f} comments/s; "
        f"{reads.total()} reads = {reads.total() / elapsed:.1f} reads/s; "
        f"answers {dict(statuses)}, reads {dict(reads)}; "
        f"slowest POST {max(s for _, _, s in results):.2f} s"
    )
    assert statuses[302] == LOAD_COMMENTS, f"not every comment was acknowledged within {PART_LIMIT} s: {statuses}"
    assert set(reads) == {200}, f"readers got {dict(reads)}"
    stored = rows(stack, marker)
    acked = {f"{marker} comment {n}" for n, status, _ in results if acknowledged(status)}
    assert acked <= set(stored), f"{len(acked - set(stored))} acknowledged comments are missing"
    assert "database is locked" not in gunicorn_log(stack)
    restored = restore_into_a_fresh_folder(stack, backup["out"], tmp_path / "fresh", marker)
    print(
        f"backup during the load: {len(restored)} of the comments, "
        f"{backup['acked_before']}-{backup['acked_after']} acknowledged while it ran"
    )
    # A consistent snapshot: everything acknowledged before it began, nothing that was never stored.
    assert backup["acked_before"] <= len(restored) <= backup["acked_after"] + LOAD_POSTERS
    assert set(restored) <= set(stored)


def restore_into_a_fresh_folder(stack, backup_out, folder, marker):
    """`manage.py restore` of the backup into a new install; integrity checked; the marked comments it holds."""
    path = backup_out.split("Backed up the database to ", 1)[1].split(" (", 1)[0]
    folder.mkdir()
    fresh = {
        **stack.env,
        "ESCRIBE_DB_PATH": str(folder / "db.sqlite3"),
        "ESCRIBE_PAGES_DIR": str(folder / "pages"),
        "ESCRIBE_CACHE_DIR": str(folder / "cache"),
        "ESCRIBE_BACKUP_DIR": str(folder / "backups"),
    }
    if stack.env.get("ESCRIBE_DATABASE_URL"):
        fresh["ESCRIBE_DATABASE_URL"] = fresh_database(stack.env["ESCRIBE_DATABASE_URL"])
    try:
        run_manage(fresh, "restore", path, "--yes")
        out = run_manage(
            fresh,
            "shell",
            "-v",
            "0",
            "-c",
            (
                "import json\n"
                "from django.db import connection\n"
                "from comments.models import Comment\n"
                "ok = connection.cursor().execute('PRAGMA integrity_check').fetchone()[0] "
                "if connection.vendor == 'sqlite' else 'ok'\n"
                f"bodies = Comment.objects.filter(body__contains={marker!r}).values_list('body', flat=True)\n"
                "print(json.dumps([ok, list(bodies)]))"
            ),
        ).stdout
    finally:
        drop_database(type("Install", (), {"env": fresh})())
    integrity, bodies = json.loads(out.strip().splitlines()[-1])
    assert integrity == "ok"
    assert len(bodies) == len(set(bodies))
    return bodies


def test_simultaneous_posts_from_one_address_hold_the_limits_exactly(stack):
    """Straight to gunicorn's socket (as nginx would send them), past nginx's own per-address limit."""
    slug = commentable_slug(stack)
    marker = f"limits-{uuid.uuid4().hex[:8]}"

    def send(body, sender):
        transport = httpx.HTTPTransport(uds=str(stack.socket))
        with httpx.Client(transport=transport, base_url="http://gunicorn", timeout=30) as client:
            form = {
                "author_name": "Flood",
                "author_email": "f@example.com",
                "author_url": "",
                "body": body,
                "homepage": "",
            }
            headers = {
                "Host": f"{stack.host}:{stack.https_port}",
                "X-Forwarded-For": sender,
                "X-Forwarded-Proto": "https",
            }
            return client.post(f"/post/{slug}/comment/", data=form, headers=headers).status_code

    with ThreadPoolExecutor(50) as pool:
        flood = list(pool.map(lambda n: send(f"{marker} flood {n}", "198.51.100.50"), range(50)))
        twins = list(pool.map(lambda n: send(f"{marker} twin", "198.51.100.51"), range(10)))
    stored = rows(stack, marker)
    print(f"\nflood: answers {dict(Counter(flood))}; duplicates: answers {dict(Counter(twins))}")
    assert sum(1 for body in stored if " flood " in body) == COMMENT_RATE
    assert Counter(flood) == {302: COMMENT_RATE, 429: 50 - COMMENT_RATE}
    assert sum(1 for body in stored if body.endswith(" twin")) == 1
    assert Counter(twins) == {302: 10}  # a resend gets the same answer as the first


@pytest.mark.parametrize("mode", ["slow", "refuse", "503", "garbage", "invalid", "flapping"])
def test_akismet_failing_never_costs_a_comment_or_a_long_wait(stack, services, mode):
    slug = commentable_slug(stack)
    marker = f"akismet-{mode}-{uuid.uuid4().hex[:8]}"
    services.set("akismet", mode)
    base = 2000 + 10 * ["slow", "refuse", "503", "garbage", "invalid", "flapping"].index(mode)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda n: post_comment(stack, slug, f"{marker} {n}", base + n), range(6)))
    statuses = [status for status, _ in results]
    slowest = max(seconds for _, seconds in results)
    print(f"\nakismet {mode}: answers {dict(Counter(statuses))}, slowest POST {slowest:.2f} s")
    assert statuses == [302] * 6
    # The commenter waits at most about Akismet's timeout (plus a TLS handshake on a busy machine).
    assert slowest < AKISMET_TIMEOUT + 2.5
    stored = rows(stack, marker)
    assert len(stored) == 6 and all(status == "pending" for status, _ in stored.values())
    assert {check for _, check in stored.values()} <= {"error", "ham"}

    services.set("akismet", "ham")
    for _ in range(10):  # the timer's runs; each stops at its first failure
        command(stack, "recheck_comments", "--force")
        stored = rows(stack, marker)
        if all(check == "ham" for _, check in stored.values()):
            break
    assert {check for _, check in stored.values()} == {"ham"}


def test_workers_killed_mid_post_lose_nothing_acknowledged(stack, services):
    slug = commentable_slug(stack)
    marker = f"killed-{uuid.uuid4().hex[:8]}"
    services.set("akismet", "slow")  # every POST waits on Akismet: kills land mid-request
    master = stack.gunicorn_pid()
    checks_before = services.stats()["calls"].get("comment-check", 0)

    def kill_workers():
        # Once several comments are stored and waiting on Akismet.
        limit = time.monotonic() + 20
        while services.stats()["calls"].get("comment-check", 0) - checks_before < 5 and time.monotonic() < limit:
            time.sleep(0.05)
        workers = worker_pids(master)
        for pid in workers:
            os.kill(int(pid), signal.SIGKILL)
        return len(workers)

    # Twenty commenters: the first twenty POSTs meet the kill, the next twenty the respawned workers.
    with ThreadPoolExecutor(1) as killing, ThreadPoolExecutor(20) as pool:
        killer = killing.submit(kill_workers)
        results = list(pool.map(lambda n: post_comment(stack, slug, f"{marker} {n}", 3000 + n), range(40)))
        killed = killer.result()
    statuses = Counter(status for status, _ in results)
    print(f"\nSIGKILL to {killed} workers mid-POST: answers {dict(statuses)}")
    assert killed >= 1 and statuses[502] >= 1, "no request was cut off mid-POST"
    assert statuses[302] >= 1, "no comment was acknowledged after the kill"
    stored = rows(stack, marker)
    acked = {f"{marker} {n}" for n, (status, _) in enumerate(results) if acknowledged(status)}
    assert acked <= set(stored)
    unchecked = [body for body, (_, check) in stored.items() if check == "unchecked"]
    print(f"stored {len(stored)} ({len(acked)} acknowledged); {len(unchecked)} left unchecked by the kill")
    assert unchecked, "no check was interrupted"

    # Minutes later the timer runs: every interrupted check is finished and the author told.
    services.set("akismet", "ham")
    backdate(stack, marker)
    command(stack, "recheck_comments", "--force")
    stored = rows(stack, marker)
    assert {check for _, check in stored.values()} <= {"ham", "error"}
    assert "unchecked" not in {check for _, check in stored.values()}
    command(stack, "send_comment_mail")
    # Every comment in the queue had its mail sent to the author (not merely closed as "not needed").
    told = shell(
        stack,
        "from comments.models import Comment\n"
        f"pending = Comment.objects.pending().filter(body__contains={marker!r})\n"
        "mailed = pending.exclude(notification__sent_at=None).exclude(notification__recipients='')\n"
        "print(pending.count(), mailed.count())",
    )
    pending, mailed = told.strip().splitlines()[-1].split()
    assert int(pending) == len(stored) and mailed == pending
    if "ESCRIBE_DATABASE_URL" not in stack.env or not stack.env["ESCRIBE_DATABASE_URL"]:
        integrity = shell(
            stack,
            "from django.db import connection\n"
            "print(connection.cursor().execute('PRAGMA integrity_check').fetchone()[0])",
        )
        assert integrity.strip().splitlines()[-1] == "ok"


def test_a_stalled_or_dead_mail_server_never_delays_a_comment(stack, services):
    slug = commentable_slug(stack)
    marker = f"smtp-{uuid.uuid4().hex[:8]}"
    services.set("smtp", "stall")
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda n: post_comment(stack, slug, f"{marker} {n}", 4000 + n), range(10)))
    slowest = max(seconds for _, seconds in results)
    print(f"\nSMTP stalled: answers {dict(Counter(s for s, _ in results))}, slowest POST {slowest:.2f} s")
    assert [status for status, _ in results] == [302] * 10
    assert slowest < EMAIL_TIMEOUT / 2  # the mail's timeout never reaches the commenter
    assert len(rows(stack, marker)) == 10

    failing = "0"
    for _ in range(2 * (EMAIL_TIMEOUT + 10)):  # the workers' sender threads try, time out, and record it
        failing = shell(
            stack,
            "from comments.models import Notification\n"
            "print(Notification.objects.failing()"
            f".filter(comment__body__contains={marker!r}).count())",
        )
        if failing.strip().splitlines()[-1] != "0":
            break
        time.sleep(0.5)
    assert failing.strip().splitlines()[-1] != "0", "the failure is not visible"

    services.set("smtp", "down")
    backdate(stack, marker, minutes=0)
    out = command(stack, "send_comment_mail")
    assert "stopped at a failure" in out

    services.set("smtp", "ok")
    before = services.stats()["messages"]
    for _ in range(5):
        backdate(stack, marker, minutes=0)
        out = command(stack, "send_comment_mail")
        if "; 0 still to send" in out:
            break
    left = shell(
        stack,
        "from comments.models import Notification\n"
        f"print(Notification.objects.filter(comment__body__contains={marker!r}, sent_at=None).count())",
    )
    assert left.strip().splitlines()[-1] == "0"
    assert services.stats()["messages"] - before >= 1


def test_a_database_that_cannot_write_refuses_comments_politely_and_keeps_serving_readers(stack):
    slug = commentable_slug(stack)
    marker = f"full-{uuid.uuid4().hex[:8]}"
    with database_that_cannot_write(stack):
        status, _ = post_comment(stack, slug, f"{marker} one", 5000)
        with client_from(stack, address(5001)) as client:
            form = {
                "author_name": "Full",
                "author_email": "f@example.com",
                "author_url": "",
                "body": f"{marker} two",
                "homepage": "",
            }
            page = request(stack, client, "POST", f"/post/{slug}/comment/", data=form, headers={"Origin": stack.origin})
            readers = [
                request(stack, client, "GET", path).status_code
                for path in ("/", f"/post/{slug}/", "/tags/", "/archive/", "/feeds/rss/")
            ]
    assert status == 503 and page.status_code == 503
    assert "nothing was kept" in page.text and f"{marker} two" in page.text
    assert readers == [200] * 5
    assert rows(stack, marker) == {}
    status, _ = post_comment(stack, slug, f"{marker} three", 5002)
    assert status == 302  # writable again: comments flow


@contextmanager
def database_that_cannot_write(stack):
    """SQLite: the workers may write no file byte (RLIMIT_FSIZE, as a full disk); PostgreSQL: a read-only database."""
    url = stack.env.get("ESCRIBE_DATABASE_URL")
    master = stack.gunicorn_pid()
    pids = [str(master), *worker_pids(master)]
    if not url:
        prlimit = require_program("prlimit")
        for pid in pids:
            subprocess.run([prlimit, f"--pid={pid}", "--fsize=1:"], check=True)
        try:
            yield
        finally:
            for pid in pids:
                subprocess.run([prlimit, f"--pid={pid}", "--fsize=unlimited:"], check=False)
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        name = connection.info.dbname
        connection.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        try:
            yield
        finally:
            connection.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
