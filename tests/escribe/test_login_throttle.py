"""Failed admin logins are throttled per client address and per account (django-axes, escribe/lockout.py).

The tests use the project's own settings (5 failures, 60 minutes): each
one fails if the setting or guard it names is taken away. The stack test at
the end drives the real nginx + gunicorn, where nginx's limit_req on
/admin/login/ answers a flood before it reaches gunicorn.
"""

import io
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from tests.support.factories import make_post

PASSWORD = "correct horse battery staple"  # make_author's
ATTACKER = "203.0.113.7"


def attempt(client, username="author", password="wrong", address=ATTACKER, **meta):
    """One POST of the admin login form from `address` (REMOTE_ADDR)."""
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **meta,
    )


def logged_in(response):
    return response.status_code == 302 and "sessionid" in response.cookies


def locked_out(response):
    return response.status_code == 429 and "Too many failed logins" in response.content.decode()


def fail(client, times, **kwargs):
    """`times` wrong passwords, each answered with the login form again: fewer than the limit."""
    for _ in range(times):
        response = attempt(client, **kwargs)
        assert response.status_code == 200, "refused before the limit"


def lock_out(client, vary=lambda number: {}, **kwargs):
    """Failures up to the limit: the last one is answered with the lockout page."""
    limit = settings.AXES_FAILURE_LIMIT
    for number in range(limit):
        response = attempt(client, **{**kwargs, **vary(number)})
        if number < limit - 1:
            assert response.status_code == 200, f"refused after {number} failures"
    assert locked_out(response), "not locked out at the limit"


def guesses(number):
    return {"username": f"guess{number}"}


def addresses(number):
    return {"address": f"198.51.100.{number + 1}"}


@pytest.mark.django_db
class TestPerAddress:
    def test_one_address_guessing_many_accounts_is_locked_out(self, client, author):
        lock_out(client, vary=guesses)
        assert locked_out(attempt(client, username="yet-another-name"))

    def test_other_addresses_can_still_log_in_while_one_is_locked_out(self, client, author):
        lock_out(client, vary=guesses)
        assert logged_in(attempt(client, password=PASSWORD, address="192.0.2.20"))


@pytest.mark.django_db
class TestPerAccount:
    def test_one_account_guessed_from_many_addresses_is_locked_out(self, client, author):
        lock_out(client, vary=addresses)
        assert locked_out(attempt(client, address="192.0.2.99"))


@pytest.mark.django_db
class TestDuringALockout:
    def test_the_right_password_is_refused_during_a_lockout(self, client, author):
        lock_out(client)
        response = attempt(client, password=PASSWORD)
        assert locked_out(response)
        assert "sessionid" not in response.cookies

    def test_lockout_page_says_when_to_retry_and_how_the_author_unlocks(self, client, author):
        lock_out(client)
        last_failure = AccessAttempt.objects.latest("attempt_time").attempt_time
        response = attempt(client)
        assert response.status_code == 429
        html = response.content.decode()
        retry_at = timezone.localtime(last_failure + settings.AXES_COOLOFF_TIME)
        assert f"You may try again after <strong>{retry_at:%-d %B %Y, %H:%M}" in html
        assert 3500 < int(response["Retry-After"]) <= 3600
        assert "manage.py axes_reset</code>" in html and "axes_reset_ip" in html and "axes_reset_username" in html
        # The admin's own look (its stylesheet and header), not a bare text answer.
        assert "admin/css/base.css" in html and 'id="site-name"' in html

    def test_attempts_during_a_lockout_do_not_push_the_retry_time_back(self, client, author):
        lock_out(client)
        before = list(AccessAttempt.objects.values_list("attempt_time", "failures_since_start"))
        for _ in range(3):
            assert locked_out(attempt(client))
        assert list(AccessAttempt.objects.values_list("attempt_time", "failures_since_start")) == before

    def test_the_lockout_ends_after_the_cool_off(self, client, author):
        lock_out(client)
        AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
        assert logged_in(attempt(client, password=PASSWORD))

    def test_a_locked_out_address_still_reads_the_blog_without_cookies(self, client, author):
        post = make_post()
        lock_out(client)
        for url in ("/", post.get_absolute_url(), "/feeds/atom/"):
            response = client.get(url, REMOTE_ADDR=ATTACKER)
            assert response.status_code == 200, url
            assert not response.cookies, f"{url} set {list(response.cookies)}"


@pytest.mark.django_db
class TestUnlocking:
    @pytest.mark.parametrize(
        ("command", "args", "vary"),
        [
            ("axes_reset", [], guesses),
            ("axes_reset_ip", [ATTACKER], guesses),
            ("axes_reset_username", ["author"], addresses),
        ],
        ids=["everything", "one address", "one account"],
    )
    def test_the_documented_command_unlocks(self, client, author, command, args, vary):
        lock_out(client, vary=vary)
        assert locked_out(attempt(client, password=PASSWORD))
        call_command(command, *args, stdout=io.StringIO())
        assert logged_in(attempt(client, password=PASSWORD))

    def test_a_successful_login_clears_earlier_failures(self, client, author):
        fail(client, settings.AXES_FAILURE_LIMIT - 1)
        assert logged_in(attempt(client, password=PASSWORD))
        client.logout()
        fail(client, settings.AXES_FAILURE_LIMIT - 1)
        assert logged_in(attempt(client, password=PASSWORD))


@pytest.mark.django_db
class TestClientAddress:
    def test_the_address_counted_is_the_one_nginx_saw(self, client, author, settings):
        # Behind nginx on a unix socket REMOTE_ADDR is empty and nginx's
        # X-Forwarded-For is the client's address (escribe.client_ip).
        settings.TRUSTED_PROXIES = ["unix"]
        lock_out(client, vary=guesses, address="", HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}

    @pytest.mark.parametrize(
        ("trusted", "remote", "forged"),
        [([], ATTACKER, "{}"), (["127.0.0.1"], "127.0.0.1", "{}, " + ATTACKER)],
        ids=["no proxy trusted", "behind a trusted proxy"],
    )
    def test_a_forged_forwarded_for_does_not_escape_the_lockout(
        self, client, author, settings, trusted, remote, forged
    ):
        settings.TRUSTED_PROXIES = trusted

        def forging(number):
            return {**guesses(number), "HTTP_X_FORWARDED_FOR": forged.format(f"192.0.2.{number + 1}")}

        lock_out(client, vary=forging, address=remote)
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


@pytest.mark.django_db
class TestWhatIsKept:
    def test_failed_logins_write_no_failure_log(self, client, author):
        lock_out(client)
        attempt(client)
        assert AccessFailureLog.objects.count() == 0

    def test_failures_older_than_the_cool_off_are_deleted_at_the_next_attempt(self, client, author):
        fail(client, 2, username="old-guess")
        AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
        attempt(client, username="new-guess")
        assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["new-guess"]

    def test_a_flood_from_a_locked_out_address_adds_no_rows(self, client, author):
        lock_out(client, vary=guesses)
        rows = AccessAttempt.objects.count()
        for number in range(20):
            attempt(client, username=f"flood{number}", HTTP_USER_AGENT=f"agent {number}")
        assert AccessAttempt.objects.count() == rows

    def test_successful_logins_are_logged_and_the_purge_command_trims_the_log(self, client, author):
        assert logged_in(attempt(client, password=PASSWORD))
        assert AccessLog.objects.count() == 1
        AccessLog.objects.update(attempt_time=timezone.now() - timedelta(days=31))
        call_command("axes_reset_logs", stdout=io.StringIO())
        assert AccessLog.objects.count() == 0


# Through the real stack: nginx's limit_req on /admin/login/ in front of axes.
# The flood comes from 127.0.0.2 (loopback too, another address to nginx), so
# the author and the readers on 127.0.0.1 are other clients, as they would be.
FLOODER = "127.0.0.2"
FLOOD_SECONDS = 3
FLOOD_THREADS = 8


def login_form_from(stack, address):
    """The CSRF cookie and token of the login form, fetched through nginx from `address`."""
    with stack.client(local_address=address) as client:
        form = client.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return form.cookies["csrftoken"], token


def post_login(client, stack, csrf, username, password):
    cookie, token = csrf
    return client.post(
        "/admin/login/?next=/admin/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"},
        headers={
            "Cookie": f"csrftoken={cookie}",
            "Origin": stack.origin,
            "Referer": f"{stack.origin}/admin/login/",
            # A forgery: nginx overwrites it with the address it saw.
            "X-Forwarded-For": "6.6.6.6",
        },
    )


def reader_latencies(stack, stop, out):
    """Uncached pages (a query string always reaches Django) as a reader on 127.0.0.1 gets them, until `stop`."""
    with stack.client() as client:
        number = 0
        while not stop.is_set():
            number += 1
            started = time.perf_counter()
            response = client.get(f"/?reader={number}")
            out.append((response.status_code, time.perf_counter() - started))


def gunicorn_login_posts(stack):
    time.sleep(0.3)  # gunicorn writes the line just after the response
    return stack.access_log.read_text().count('"POST /admin/login/?next=/admin/ HTTP')


def axes_page(response):
    return response.status_code == 429 and "Too many failed logins" in response.text


def nginx_page(response):
    return response.status_code == 429 and "nginx" in response.text and "Too many failed logins" not in response.text


@pytest.mark.stack
def test_a_login_flood_is_refused_by_nginx_and_axes_while_readers_are_served(stack):
    limit = int(stack.shell("from django.conf import settings\nprint(settings.AXES_FAILURE_LIMIT)"))
    csrf = login_form_from(stack, FLOODER)

    baseline = []
    with stack.client() as client:
        for number in range(20):
            started = time.perf_counter()
            assert client.get(f"/?baseline={number}").status_code == 200
            baseline.append(time.perf_counter() - started)

    # Up to the limit, one by one: the form again, then axes' lockout page.
    with stack.client(local_address=FLOODER) as client:
        answers = [post_login(client, stack, csrf, f"guess{number}", "wrong") for number in range(limit)]
    assert [response.status_code for response in answers[:-1]] == [200] * (limit - 1)
    assert axes_page(answers[-1])
    assert re.search(r"You may try again after <strong>[^<]+</strong>", answers[-1].text)

    # Then a flood from the same address while a reader keeps reading.
    reached_before = gunicorn_login_posts(stack)
    stop, during = threading.Event(), []
    reader = threading.Thread(target=reader_latencies, args=(stack, stop, during))
    reader.start()

    def flood(worker):
        answers, number = [], 0
        with stack.client(local_address=FLOODER) as client:
            while time.perf_counter() < deadline:
                number += 1
                answers.append(post_login(client, stack, csrf, f"flood{worker}-{number}", "wrong"))
        return answers

    started = time.perf_counter()
    deadline = started + FLOOD_SECONDS
    try:
        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            flooded = [response for answers in pool.map(flood, range(FLOOD_THREADS)) for response in answers]
    finally:
        flood_seconds = time.perf_counter() - started
        stop.set()
        reader.join(timeout=30)
    reached = gunicorn_login_posts(stack) - reached_before

    assert all(axes_page(response) or nginx_page(response) for response in flooded)
    assert sum(map(nginx_page, flooded)) >= len(flooded) - 15
    # What nginx let through is at most its burst (10, less the limit's POSTs
    # above) plus one every 6 s; each got axes' page without a password check.
    assert reached == sum(map(axes_page, flooded)) <= 10 + flood_seconds / 6 + 1

    # axes counted the address nginx saw, never the forged X-Forwarded-For.
    addresses = stack.shell(
        "from axes.models import AccessAttempt\n"
        "print(sorted(set(AccessAttempt.objects.values_list('ip_address', flat=True))))"
    )
    assert addresses.strip() == f"['{FLOODER}']"

    assert during and all(status == 200 for status, _ in during)
    latencies = [seconds for _, seconds in during]
    print(
        f"\nflood: {len(flooded)} login POSTs in {flood_seconds:.2f} s, {reached} reached gunicorn; "
        f"reader: baseline median {statistics.median(baseline) * 1000:.0f} ms, during the flood "
        f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
        f"over {len(latencies)} pages"
    )
    assert max(latencies) < 1.0, "readers were slowed by the login flood"

    # The author, from another address, is neither locked out nor throttled.
    author_csrf = login_form_from(stack, "127.0.0.1")
    with stack.client() as client:
        response = post_login(client, stack, author_csrf, "author", stack.password)
    assert response.status_code == 302 and "sessionid" in response.cookies

    # The documented unlock works on the real install.
    assert "attempts removed" in stack.manage("axes_reset_ip", FLOODER).stdout
    assert stack.shell("from axes.models import AccessAttempt\nprint(AccessAttempt.objects.count())").strip() == "0"
