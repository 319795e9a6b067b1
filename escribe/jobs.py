"""Background jobs on several hosts: each run is claimed by one host, and a host that dies leaves it to another.

A job's row (escribe.models.JobClaim) holds a lease, `claimed_until`. A
claim is one conditional UPDATE that only matches while the lease has run
out (and, with `every`, while the last finished run is old enough), so of
any number of hosts asking at once exactly one gets True: PostgreSQL
re-checks the WHERE after the row lock, SQLite has one writer at a time.
Nothing is held open while the job runs: no transaction, no lock, so a job
may call Akismet or pg_dump (no network call inside a transaction, DESIGN.md).
A host that dies mid-job leaves the lease to lapse, and the next claim after
it succeeds.

Times come from the application's clock, not the database's: leases are
minutes and periods hours, so the second or so two NTP-kept hosts may differ
by cannot hand one job to two hosts, and the same expressions work on
SQLite and PostgreSQL alike.
"""

import os
import socket
from contextlib import contextmanager
from datetime import UTC, datetime

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

# A lease in the distant past: a new row is free to claim.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def holder():
    """This process, as the row names its claimer."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _claims():
    # Asked of the app registry: escribe/ imports no models module, its own included (test_dependencies.py).
    return apps.get_model("escribe", "JobClaim").objects


def claim(name, lease, every=None):
    """Take job `name` for `lease` (a timedelta); True for exactly one caller until the lease runs out or done().

    `every`: the least time between finished runs, on any host (a daily job
    run by a timer on each host). False when another host holds the job or
    ran it within `every`.
    """
    now = timezone.now()
    _claims().get_or_create(name=name, defaults={"claimed_until": _EPOCH})
    free = _claims().filter(name=name, claimed_until__lte=now)
    if every is not None:
        free = free.filter(Q(last_done_at=None) | Q(last_done_at__lte=now - every))
    return bool(free.update(claimed_until=now + lease, holder=holder()))


def done(name):
    """The run finished: record when (for `every`) and free the job at once."""
    now = timezone.now()
    _claims().filter(name=name).update(last_done_at=now)
    # Only our own lease: a host that ran past it may finish after another took the job over.
    _claims().filter(name=name, holder=holder()).update(claimed_until=now)


def release(name):
    """The run failed or gave up: free the job without counting it as done, so the next claim may retry."""
    _claims().filter(name=name, holder=holder()).update(claimed_until=timezone.now())


def hold(name, until):
    """Keep job `name` from every host until `until` (an aware datetime), whoever holds it now; a time past frees it.

    For a pause all hosts must honour (Akismet rejected the key: no host
    should ask again for an hour), where a lease would only keep others out.
    """
    _claims().get_or_create(name=name, defaults={"claimed_until": _EPOCH})
    _claims().filter(name=name).update(claimed_until=until, holder=holder())


def held(name):
    """Whether a claim or hold on `name`, by any host, has not run out yet."""
    return _claims().filter(name=name, claimed_until__gt=timezone.now()).exists()


@contextmanager
def claimed(name, lease, every=None):
    """`with claimed(...) as mine:` runs the body either way; done() when mine and it finished, else release()."""
    mine = claim(name, lease, every)
    try:
        yield mine
    except BaseException:
        if mine:
            release(name)
        raise
    if mine:
        done(name)
