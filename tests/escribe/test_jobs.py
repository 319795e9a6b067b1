"""Background jobs on several hosts: one claim wins, a dead host's lease lapses, `every` holds cluster-wide."""

import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from escribe import jobs
from tests.support.backups import only_backup
from tests.support.commands import run

pytestmark = pytest.mark.django_db

LEASE = timedelta(minutes=10)
DAY = timedelta(hours=20)


def row(name):
    return apps.get_model("escribe", "JobClaim").objects.get(name=name)


def as_if_the_holder_died(name):
    """What another host sees once a dead host's lease has run out."""
    apps.get_model("escribe", "JobClaim").objects.filter(name=name).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )


def test_a_claim_holds_until_done_and_names_its_holder():
    assert jobs.claim("mail", LEASE)
    assert not jobs.claim("mail", LEASE)
    assert row("mail").holder == jobs.holder()
    assert ":" in jobs.holder()
    jobs.done("mail")
    assert row("mail").last_done_at is not None
    assert jobs.claim("mail", LEASE)


def test_jobs_are_claimed_apart():
    assert jobs.claim("one", LEASE)
    assert jobs.claim("two", LEASE)


def test_a_lapsed_lease_is_claimed_by_another_host():
    assert jobs.claim("recheck", LEASE)
    assert not jobs.claim("recheck", LEASE)
    as_if_the_holder_died("recheck")
    assert jobs.claim("recheck", LEASE)
    assert row("recheck").claimed_until > timezone.now() + LEASE - timedelta(minutes=1)


def test_every_holds_across_hosts_until_the_period_has_passed():
    assert jobs.claim("backup", LEASE, every=DAY)
    jobs.done("backup")
    # Another host's timer fires later that day: the day's backup is made.
    assert not jobs.claim("backup", LEASE, every=DAY)
    # A job without `every`, or asked with a shorter one, may run again.
    assert jobs.claim("backup", LEASE, every=timedelta(0))
    jobs.done("backup")
    apps.get_model("escribe", "JobClaim").objects.filter(name="backup").update(
        last_done_at=timezone.now() - DAY - timedelta(minutes=1)
    )
    assert jobs.claim("backup", LEASE, every=DAY)


def test_a_failed_run_is_released_and_not_counted_as_done():
    with pytest.raises(RuntimeError), jobs.claimed("purge", LEASE, every=DAY) as mine:
        assert mine
        raise RuntimeError("disk full")
    assert row("purge").last_done_at is None
    with jobs.claimed("purge", LEASE, every=DAY) as mine:
        assert mine
    assert row("purge").last_done_at is not None
    with jobs.claimed("purge", LEASE, every=DAY) as mine:
        assert not mine


def test_a_host_that_did_not_get_the_claim_does_not_free_it():
    assert jobs.claim("purge", LEASE)
    with jobs.claimed("purge", LEASE) as mine:
        assert not mine
    assert not jobs.claim("purge", LEASE)


def test_a_hold_keeps_every_host_out_until_it_ends():
    assert not jobs.held("pause")
    jobs.hold("pause", timezone.now() + LEASE)
    assert jobs.held("pause")
    assert not jobs.claim("pause", LEASE)
    assert row("pause").claimed_until > timezone.now() + LEASE - timedelta(minutes=1)
    jobs.hold("pause", timezone.now())
    assert not jobs.held("pause")
    assert jobs.claim("pause", LEASE)


def test_a_hold_ends_another_hosts_claim_which_release_would_not():
    assert jobs.claim("pause", LEASE)
    apps.get_model("escribe", "JobClaim").objects.filter(name="pause").update(holder="other-host:1")
    jobs.release("pause")
    assert jobs.held("pause")
    jobs.hold("pause", timezone.now() - timedelta(seconds=1))
    assert not jobs.held("pause")
    assert row("pause").holder == jobs.holder()


@pytest.mark.django_db(transaction=True)
def test_of_many_hosts_asking_at_once_exactly_one_gets_the_job():
    from tests.support.concurrency import needs_two_waiting_writers

    needs_two_waiting_writers()
    jobs.claim("warm", LEASE)  # the row exists: the race is the UPDATE's, not the INSERT's
    jobs.release("warm")
    for name in ("warm", "cold"):
        start = threading.Barrier(6)
        won = []

        def ask(name=name, start=start, won=won):
            try:
                start.wait(5)
                won.append(jobs.claim(name, LEASE, every=DAY))
            finally:
                connection.close()

        threads = [threading.Thread(target=ask) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(won) == [False] * 5 + [True], name


def test_a_slow_host_whose_lease_lapsed_does_not_free_the_next_holders_claim():
    assert jobs.claim("recheck", LEASE)
    as_if_the_holder_died("recheck")
    # Another host took the job over; the first one, late, gives up.
    apps.get_model("escribe", "JobClaim").objects.filter(name="recheck").update(
        claimed_until=timezone.now() + LEASE, holder="other-host:1"
    )
    jobs.release("recheck")
    assert not jobs.claim("recheck", LEASE)
    jobs.done("recheck")
    assert not jobs.claim("recheck", LEASE)
    assert row("recheck").last_done_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_backup_timer_on_every_host_makes_one_backup_a_day(backup_dir):
    assert "Backed up the database" in run("run_job", "--every", "20", "backup", "--keep", "14")
    assert "another host runs it or ran it recently" in run("run_job", "--every", "20", "backup", "--keep", "14")
    only_backup(backup_dir)


def test_run_job_passes_the_commands_own_options_through():
    out = run("run_job", "--every", "20", "axes_reset_logs", "--age", "30")
    assert "another host" not in out
    assert row("axes_reset_logs --age 30").last_done_at is not None
