"""The caches: a disk that refuses writes, or a Redis down or silent, costs a miss, never a page."""

import errno
import signal
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.filebased import tempfile
from django.template import Context, Template

from blog.models import Page as StandalonePage
from comments.models import Comment
from escribe import pages
from escribe.cache import FileCache, RedisCache
from escribe.cache_url import cache_settings
from tests.support.akismet_clients import CONFIG, HamClient, failing_client
from tests.support.commands import run
from tests.support.comment_helpers import make_comment, post_comment
from tests.support.factories import make_blurb, make_post, make_tag
from tests.support.system import require_program


@pytest.fixture
def full_disk(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)


@pytest.fixture
def file_cache(tmp_path, settings):
    settings.CACHES = {"default": {"BACKEND": "escribe.cache.FileCache", "LOCATION": str(tmp_path)}}
    cache = caches["default"]
    yield cache
    cache.close()


def test_the_cache_works_while_the_disk_does(file_cache):
    assert isinstance(file_cache, FileCache)
    file_cache.set("sidebar", "<aside>", 60)
    assert file_cache.get("sidebar") == "<aside>"
    assert file_cache.add("other", 1) is True


def test_a_full_disk_is_a_cache_miss_not_an_error(file_cache, full_disk):
    file_cache.set("sidebar", "<aside>", 60)
    assert file_cache.get("sidebar") is None
    assert file_cache.add("sidebar", "<aside>") is False


def test_a_cached_fragment_still_renders_on_a_full_disk(file_cache, full_disk):
    template = Template("{% load cache %}{% cache 60 sidebar %}Pile o'Tags{% endcache %}")
    assert template.render(Context()) == "Pile o'Tags"


# --- Redis or memcached down or silent: a miss, never a page ------------------------------------


def closed_port():
    """A loopback port nobody listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def cache_at(settings, monkeypatch):
    """Point the default cache at a URL as ESCRIBE_CACHE_URL would; returns the connection attempts made."""
    monkeypatch.setattr(RedisCache, "outages", {})
    attempts = []
    connect = socket.socket.connect

    def counting_connect(sock, address):
        attempts.append(address)
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counting_connect)

    def use(url):
        settings.CACHES = {"default": cache_settings(url)}
        return attempts

    return use


@pytest.fixture
def redis_down(cache_at):
    return cache_at(f"redis://127.0.0.1:{closed_port()}/0")


@pytest.fixture
def memcached_down(cache_at):
    return cache_at(f"memcached://127.0.0.1:{closed_port()}")


@pytest.fixture
def silent_redis(cache_at):
    """A server that takes the connection and never answers (a Redis stuck in a long command, a half-dead host)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield cache_at(f"redis://127.0.0.1:{server.getsockname()[1]}/0")


@pytest.fixture
def site(db):
    tag = make_tag(name="Django")
    post = make_post(title="Served anyway", slug="served-anyway", tags=[tag])
    make_blurb(title="About Me")
    StandalonePage.objects.create(title="Colophon", slug="colophon", status=StandalonePage.Status.PUBLISHED)
    return post


def outage():
    (state,) = RedisCache.outages.values()
    return state


@pytest.mark.parametrize("scheme", ["redis", "rediss"])
def test_a_redis_url_gets_the_guarded_cache_with_short_timeouts(scheme):
    config = cache_settings(f"{scheme}://cache.internal:6379/0")
    assert config["BACKEND"] == "escribe.cache.RedisCache"
    assert config["OPTIONS"] == {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}


def test_a_memcached_url_gets_pymemcache_s_guard_with_short_timeouts():
    config = cache_settings("memcached://cache.internal:11211")
    assert config["OPTIONS"] == {"ignore_exc": True, "connect_timeout": 0.25, "timeout": 0.5}


def test_every_public_page_is_served_with_its_sidebar_while_redis_is_down(client, pages_dir, site, redis_down):
    post_url = site.get_absolute_url()
    for url in ("/", post_url, "/tag/django/", "/archive/", "/feeds/atom/", "/feeds/rss/", "/search/?q=served"):
        response = client.get(url)
        assert response.status_code == 200, url
    for url in ("/", post_url, "/tag/django/", "/archive/", "/search/?q=served"):
        html = client.get(url).content.decode()
        assert "About Me" in html and "Pile o'Tags" in html and ">Colophon</a>" in html, url
    assert pages.current() is not None, "the fragments were not cached per generation: the test tests nothing"
    received = post_comment(client, site)
    assert received.status_code == 302 and Comment.objects.count() == 1
    assert "About Me" in client.get(received.url).content.decode()


def test_a_page_tries_a_dead_redis_once_and_the_next_requests_leave_it_alone(client, pages_dir, site, redis_down):
    assert client.get("/").status_code == 200
    assert len(redis_down) == 1  # the navigation's fragment; the sidebar's skipped it
    assert client.get(site.get_absolute_url()).status_code == 200
    assert len(redis_down) == 1
    outage().until = float("-inf")  # the down window is over
    assert client.get("/").status_code == 200
    assert len(redis_down) == 2


def test_a_redis_that_stays_down_is_logged_once_not_per_request(client, pages_dir, site, redis_down, caplog):
    client.get("/")
    outage().until = float("-inf")
    client.get("/")
    assert len(redis_down) == 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "escribe.cache"]
    assert len(warnings) == 1
    assert "The cache at 127.0.0.1:" in warnings[0] and "pages are served without it" in warnings[0]


def test_the_log_names_the_redis_host_never_its_password(cache_at, caplog):
    cache_at(f"redis://:hunter2@127.0.0.1:{closed_port()}/0")
    caches["default"].get("sidebar")
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "escribe.cache"]
    assert "127.0.0.1" in warning and "hunter2" not in warning


class Hung(BaseException):
    """Not an Exception: the cache clients' own `except Exception` must not swallow it."""


@pytest.fixture
def deadline():
    """Fail, rather than hang, a test still running after 5 s (what a Redis client with no timeout would do)."""

    def hung(signum, frame):
        raise Hung("still waiting after 5 s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, 5)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_a_redis_that_never_answers_costs_a_page_one_short_timeout(client, pages_dir, site, silent_redis, deadline):
    started = time.monotonic()
    assert client.get("/").status_code == 200
    assert time.monotonic() - started < 2  # one 0.5 s wait, not one per fragment
    assert len(silent_redis) == 1


MISSED = {
    "get": (lambda c: c.get("k", "fallback"), "fallback"),
    "get_many": (lambda c: c.get_many(["k", "l"]), {}),
    "get_or_set": (lambda c: c.get_or_set("k", "computed"), "computed"),
    "has_key": (lambda c: c.has_key("k"), False),
    "set": (lambda c: c.set("k", 1), None),
    "set_many": (lambda c: c.set_many({"k": 1, "l": 2}), ["k", "l"]),
    "add": (lambda c: c.add("k", 1), False),
    "touch": (lambda c: c.touch("k"), False),
    "delete": (lambda c: c.delete("k"), False),
    "delete_many": (lambda c: c.delete_many(["k", "l"]), None),
    "clear": (lambda c: c.clear(), False),
}


@pytest.mark.parametrize("name", MISSED)
def test_each_cache_call_is_a_miss_while_redis_is_down(name, redis_down):
    call, missed = MISSED[name]
    assert call(caches["default"]) == missed
    assert len(redis_down) == 1


@pytest.mark.parametrize("name", ["incr", "decr"])
def test_a_counter_is_a_key_not_found_while_redis_is_down(name, redis_down):
    with pytest.raises(ValueError, match="not found"):
        getattr(caches["default"], name)("k")
    assert len(redis_down) == 1


@pytest.mark.parametrize("name", ["incr", "decr"])
def test_a_counter_answers_false_while_memcached_is_down(name, memcached_down):
    # pymemcache's ignore_exc answer, not Django's ValueError: nothing here counts in the cache.
    assert getattr(caches["default"], name)("k") is False
    assert len(memcached_down) == 1


@pytest.mark.parametrize("name", MISSED)
def test_each_cache_call_is_a_miss_while_memcached_is_down(name, memcached_down):
    call, missed = MISSED[name]
    # pymemcache's ignore_exc answers these two as if all went well: harmless, nobody reads them.
    missed = {"set_many": [], "clear": None}.get(name, missed)
    assert call(caches["default"]) == missed


def test_public_pages_are_served_while_memcached_is_down_and_it_is_tried_once(client, pages_dir, site, memcached_down):
    for url in ("/", site.get_absolute_url(), "/tag/django/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "About Me" in response.content.decode() and ">Colophon</a>" in response.content.decode()
    assert len(memcached_down) == 1


def test_a_memcached_that_never_answers_costs_a_page_one_short_timeout(client, pages_dir, site, cache_at, deadline):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        attempts = cache_at(f"memcached://127.0.0.1:{server.getsockname()[1]}")
        started = time.monotonic()
        assert client.get("/").status_code == 200
        assert time.monotonic() - started < 2
    assert len(attempts) == 1


# The recheck timer runs without the cache; its invalid-key back-off lives in the database (escribe/jobs.py).


@pytest.fixture
def waiting_comment(site):
    return make_comment(site, spam_check="error")


@pytest.mark.parametrize("down", ["redis_down", "memcached_down"])
def test_recheck_runs_while_the_cache_is_down(waiting_comment, down, request, use_akismet):
    request.getfixturevalue(down)
    use_akismet(HamClient(config=CONFIG))
    assert "Rechecked 1 comment." in run("recheck_comments")
    waiting_comment.refresh_from_db()
    assert waiting_comment.spam_check == "ham"


def test_an_invalid_key_while_redis_is_down_still_backs_off(waiting_comment, redis_down, use_akismet):
    akismet_client = use_akismet(failing_client("invalid key"))
    assert "backing off" in run("recheck_comments")
    assert "not retrying yet" in run("recheck_comments")
    assert len(akismet_client.calls) == 1


# --- A real Redis, killed under the cache ---------------------------------------------------------


def start_redis(port, folder):
    process = subprocess.Popen(
        [require_program("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder],
        stdout=subprocess.DEVNULL,
    )
    inspector = redis.Redis(port=port, socket_timeout=1)
    for _ in range(100):
        try:
            inspector.ping()
            return process, inspector
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    pytest.fail("redis-server did not start")


@pytest.fixture
def real_redis(tmp_path):
    """A redis-server of our own on a free port: (port, start(), kill())."""
    port = closed_port()
    processes = []

    def start():
        process, inspector = start_redis(port, str(tmp_path))
        processes.append(process)
        return inspector

    def kill():
        processes[-1].kill()
        processes[-1].wait()

    yield port, start, kill
    for process in processes:
        process.kill()
        process.wait()


def fragments(inspector):
    return inspector.keys("*template.cache.*")


def test_a_real_redis_killed_between_two_reads_costs_no_page_and_is_used_again_once_back(
    client, pages_dir, site, cache_at, real_redis, caplog
):
    port, start, kill = real_redis
    inspector = start()
    cache_at(f"redis://127.0.0.1:{port}/0")
    urls = ["/", site.get_absolute_url(), "/tag/django/", "/archive/", "/search/?q=served"] * 4
    for n, url in enumerate(urls):
        if n == 5:
            kill()  # the pool's connections now lead nowhere
        response = client.get(url)
        assert response.status_code == 200, url
        assert "About Me" in response.content.decode(), url
        if n == 0:
            assert len(fragments(inspector)) == 2  # the navigation and the sidebar were kept in Redis
    assert any("failed" in r.getMessage() for r in caplog.records if r.name == "escribe.cache")
    inspector = start()  # empty: nothing was saved
    assert fragments(inspector) == []
    outage().until = float("-inf")  # the down window is over
    assert client.get("/").status_code == 200
    assert len(fragments(inspector)) == 2
