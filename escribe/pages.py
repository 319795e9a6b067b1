"""Readers' pages as files: Django writes each anonymous page once, nginx serves it from disk.

The WP Super Cache / django-bakery pattern. Under settings.PAGES_DIR:

    current -> generations/<id>     the symlink nginx's `root` goes through
    generations/<id>/...            one generation's page files (and their .gz twins)
    generations/<id>.until          when that generation goes stale by itself, if ever
    generations/<id>.settings       the fingerprint of the settings its pages were written with
    generations/<id>.stamp          the database's token it was started under (escribe/page_stamp.py)
    .lock                           held while generations are switched

A change readers could see calls invalidate() once it is committed: a new,
empty generation is made and `current` is switched to it with one atomic
rename, so every older file is unreachable at once, and old generations are
deleted. A generation also goes stale at a set time (the next scheduled
post's, from the expiry sources apps register); a thread in each gunicorn
worker (watch()) switches it then, so nothing but the site needs to run.
The same thread asks the database a few times a second whether a change
was committed anywhere (escribe/page_stamp.py), so every host's files go
stale within a second of a change made on any of them; a worker whose
thread has not heard from the database for STAMP_GRACE seconds keeps no
page file (escribe/page_middleware.py).

A page is written only into the generation that was current when its request
began, and only while that generation is still current and fresh: a page
rendered from data older than a switch can never become reachable.

This module owns the generations; escribe/page_files.py names and writes one
page's file, escribe/page_middleware.py decides which requests are kept.
"""

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from escribe import page_stamp

logger = logging.getLogger(__name__)

CURRENT = "current"
GENERATIONS = "generations"
LOCK = ".lock"
# Generations set aside by a switch, deleted outside the lock.
TRASH = ".trash-"
# The expiry watcher looks this often at least (a post may be scheduled meanwhile).
WATCH_INTERVAL = 1.0
# The watcher asks the database this often whether another host changed anything.
STAMP_INTERVAL = 0.25
# A worker whose watcher has not found its files as new as the database for
# this long (thread dead, database away) keeps no page file.
STAMP_GRACE = 2.0
# Settings from the environment that reach the pages' HTML (addresses in
# canonical links, feeds and the sitemap; the language and zone a page falls
# back on; the theme folder, whose templates and stylesheet shape every
# page). A process started with other values makes the files stale
# (refresh_if_settings_changed). What the author edits is in the database
# and makes them stale when saved.
FINGERPRINTED_SETTINGS = ("SITE_URL", "HTTPS", "STATIC_URL", "MEDIA_URL", "LANGUAGE_CODE", "TIME_ZONE", "THEME_DIR")

_expiry_sources = []
# When this process's watcher last found its host's generation as new as the
# database (time.monotonic()); None: no watcher in this process.
_confirmed_at = None


@dataclass(frozen=True)
class Generation:
    """One folder of page files, and when it goes stale by itself (None: only on a change)."""

    name: str
    path: Path
    valid_until: float | None

    @property
    def created(self):
        return int(self.name) / 1e9

    def fresh(self, now=None):
        return self.valid_until is None or (now or time.time()) < self.valid_until


def enabled():
    return bool(settings.PAGES_DIR)


def root():
    return Path(settings.PAGES_DIR)


def add_expiry_source(source):
    """Register source() -> an aware datetime or None: no generation outlives the earliest (apps call it in ready())."""
    if source not in _expiry_sources:
        _expiry_sources.append(source)


def current():
    """The generation nginx serves from now, or None when there is none yet."""
    try:
        target = os.readlink(root() / CURRENT)
    except OSError:  # not there yet (or not a link): no generation
        return None
    name = PurePosixPath(target).name
    path = root() / GENERATIONS / name
    try:
        valid_until = float((root() / GENERATIONS / f"{name}.until").read_text())
    except (FileNotFoundError, ValueError):
        valid_until = None
    return Generation(name, path, valid_until)


def invalidate():
    """Every page file is stale from now on: switch to a new, empty generation (a no-op without PAGES_DIR)."""
    if not enabled():
        return
    with _locked():
        _switch()
    _sweep()


def invalidate_on_commit():
    """invalidate() once the current transaction commits (at once outside one).

    After the commit, not before: a reader in between would otherwise write
    the old content into the new generation.
    """
    if enabled():
        # Other hosts learn of it from the database, when it commits.
        page_stamp.bump()
        # robust: the change is committed already; a failure here is logged, not turned into an error page.
        transaction.on_commit(invalidate, robust=True)


def fingerprint():
    """A short digest of FINGERPRINTED_SETTINGS as this process has them."""
    values = json.dumps({name: str(getattr(settings, name, "")) for name in FINGERPRINTED_SETTINGS}, sort_keys=True)
    return hashlib.sha256(values.encode()).hexdigest()[:32]


def refresh_if_settings_changed():
    """At a process's start: make every page file stale if the current ones were written with other settings.

    Page files outlive a restart; without this, readers would keep getting
    pages with the old address (or whatever else the environment put there)
    until the next change. Returns whether it switched. Several workers
    starting at once switch once: the comparison is made under the lock.
    """
    if not enabled():
        return False
    with _locked():
        generation = current()
        if generation is None:
            return False  # no page files yet: the first page starts a generation with these settings
        try:
            written_with = (root() / GENERATIONS / f"{generation.name}.settings").read_text()
        except FileNotFoundError:
            written_with = None  # written before fingerprints were kept: unknown, so stale
        if written_with == fingerprint():
            return False
        _switch()
    _sweep()
    return True


def stale_within(seconds):
    """The pages may lag a change by up to `seconds`: switch now if the generation is that old, else at that age.

    For figures that only say "at least" (the spam counter): a flood of
    changes then re-renders the site at most once per `seconds`.
    """
    if not enabled():
        return
    with _locked():
        generation = current()
        if generation is None or generation.created + seconds <= time.time():
            _switch()
            switched = True
        else:
            switched = False
            deadline = generation.created + seconds
            if generation.valid_until is None or deadline < generation.valid_until:
                _write_until(generation.name, deadline)
    if switched:
        _sweep()


def stale_within_on_commit(seconds):
    if enabled():
        page_stamp.bump(page_stamp.LAZY)  # other hosts: stale within page_stamp.LAZY_SECONDS
        transaction.on_commit(lambda: stale_within(seconds), robust=True)


def expire_if_due():
    """Switch generations if the current one's time is up; returns how long to wait before looking again."""
    generation = current()
    now = time.time()
    if generation is not None and not generation.fresh(now):
        with _locked():
            generation = current()
            if generation is not None and not generation.fresh():
                _switch()
                generation = current()
        _sweep()
    if generation is None or generation.valid_until is None:
        return WATCH_INTERVAL
    return min(WATCH_INTERVAL, max(0.01, generation.valid_until - time.time()))


def watch():
    """Start the thread that switches generations on a change anywhere or when their time is up.

    gunicorn's post_worker_init calls it, and waits for the thread's first
    look (STAMP_GRACE at most) before the worker serves anyone: until a look
    has heard from the database, this process keeps no page file (confirmed()).
    """
    global _confirmed_at
    if not enabled():
        return None
    _confirmed_at = time.monotonic() - 2 * STAMP_GRACE  # not yet heard from the database
    first_look = threading.Event()
    thread = threading.Thread(target=_watch_forever, args=(first_look,), name="escribe-pages-expiry", daemon=True)
    thread.start()
    first_look.wait(STAMP_GRACE)
    return thread


def confirmed():
    """Whether this process may keep page files: it has no watcher, or its watcher heard from the database lately."""
    return _confirmed_at is None or time.monotonic() - _confirmed_at <= STAMP_GRACE


def poll():
    """Switch this host's generation if a change was committed since it started (on any host); returns the lazy token.

    The token is read, committed, before the switch: a page begun after it
    reads data at least that new, one begun before is refused (a generation
    no longer current keeps nothing).
    """
    global _confirmed_at
    token, lazy = page_stamp.read()
    generation = current()
    if generation is not None and _stamp_of(generation) != token:
        with _locked():
            generation = current()
            if generation is not None and _stamp_of(generation) != token:
                _switch()
        _sweep()
    if _confirmed_at is not None:
        _confirmed_at = time.monotonic()
    return lazy


def _watch_forever(first_look):
    seen = {}
    while True:
        close_old_connections()
        delay = _look(seen)
        first_look.set()
        time.sleep(delay)


def _look(seen):
    """One look of the watcher: a change anywhere, a lazy change, an expiry. Returns how long to wait.

    `seen` is the watcher's memory between looks: the last lazy token, and whether the last look failed.
    """
    try:
        lazy = poll()
        if seen.get("lazy", lazy) != lazy:
            stale_within(page_stamp.LAZY_SECONDS)
        seen.update(lazy=lazy, failing=False)
        return min(STAMP_INTERVAL, expire_if_due())
    except Exception:
        if not seen.get("failing"):  # once per outage, not four times a second
            logger.exception("Could not check the page files against the database; trying again shortly")
        seen["failing"] = True
        with suppress(Exception):
            connection.close()  # this thread's own; the next look opens a new one
        return 2 * STAMP_INTERVAL


@contextmanager
def _locked():
    base = root()
    (base / GENERATIONS).mkdir(parents=True, exist_ok=True)
    with open(base / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _switch():
    """Make a new generation current and throw the others away (hold the lock).

    Fails closed: if the new generation cannot be made, `current` is removed,
    so nginx sends every reader to Django and Django writes no file, rather
    than anyone being served pages from before the change.
    """
    base = root()
    # Read before the generation is made: a change committed meanwhile makes the next poll() switch again.
    stamp = _stamp_now()
    name = str(time.time_ns())
    try:
        until = _next_expiry()
        (base / GENERATIONS / name).mkdir()
        if until is not None:
            _write_until(name, until)
        (base / GENERATIONS / f"{name}.settings").write_text(fingerprint())
        (base / GENERATIONS / f"{name}.stamp").write_text(stamp)
        link = base / f".{CURRENT}.{name}"
        os.symlink(Path(GENERATIONS) / name, link)
        os.replace(link, base / CURRENT)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(base / CURRENT)  # needs no free space
        raise
    # Only renamed here, under the lock; deleted after it (_sweep): a big
    # generation takes seconds to delete, and the next switch must not wait.
    keep = {name, f"{name}.until", f"{name}.settings", f"{name}.stamp"}
    for entry in (base / GENERATIONS).iterdir():
        if entry.name not in keep and not entry.name.startswith(TRASH):
            with suppress(FileNotFoundError):
                entry.rename(entry.with_name(f"{TRASH}{entry.name}"))


def _sweep():
    """Delete the generations _switch() set aside. Readers being sent an old file keep it open."""
    for entry in (root() / GENERATIONS).glob(f"{TRASH}*"):
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _stamp_now():
    try:
        return page_stamp.read()[0]
    except Exception as error:  # the database away: the generation is made all the same, and switched again later
        logger.warning("Could not read the page files' stamp: %s", error)
        return page_stamp.UNKNOWN


def _stamp_of(generation):
    try:
        return (root() / GENERATIONS / f"{generation.name}.stamp").read_text()
    except FileNotFoundError:
        return page_stamp.UNKNOWN


def _next_expiry():
    moments = [moment for moment in (source() for source in _expiry_sources) if moment is not None]
    return min(moments).timestamp() if moments else None


def _write_until(name, moment):
    path = root() / GENERATIONS / f"{name}.until"
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(repr(moment))
    os.replace(temporary, path)
