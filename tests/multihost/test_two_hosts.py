"""Two app hosts, one blog (docs/SCALING.md): the front nginx, two hosts, PostgreSQL and the object store, all real.

Figures (`pytest -s`): the cross-host delay of 50 changes, what the readers
got while a host was killed and while the hosts restarted one by one, and
each host's memory. Every wait is bounded.
"""

import json
import re
import statistics
import time
import uuid

import pytest

from tests.support.images import image_bytes
from tests.support.multistack import Load, acknowledged, address, front_client, get, notified_comment_ids, post_comment
from tests.support.multistack import stored as stored_bodies
from tools.stack import FRONT_FAIL_TIMEOUT

pytestmark = pytest.mark.stack

CHANGES = 50
STALE_LIMIT = 1.0  # seconds: the bound, for every one of the changes
POLL = 0.02


@pytest.fixture(scope="module")
def post(two_hosts):
    """The newest published post, with a tag and open comments: on the front page, its tag page, feed and sitemap."""
    out = two_hosts.shell(
        "import json\nfrom blog.models import Post\n"
        "p = Post.objects.published().filter(comments_enabled=True, tags__isnull=False).order_by('-published_at')[0]\n"
        "print(json.dumps({'pk': p.pk, 'slug': p.slug, 'tag': p.tags.order_by('slug')[0].slug}))"
    )
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def admin_cookies(two_hosts):
    """The author logged in through the front: the Cookie header and CSRF token every host accepts."""
    with front_client(two_hosts) as client:
        page = get(client, two_hosts, "/admin/login/")
        csrf = page.cookies["csrftoken"]
        response = client.post(
            "/admin/login/?next=/admin/",
            data={"username": "author", "password": two_hosts.password, "csrfmiddlewaretoken": csrf},
            headers={"Origin": two_hosts.front_url, "Cookie": f"csrftoken={csrf}"},
            extensions={"sni_hostname": two_hosts.front.host},
        )
        assert response.status_code == 302, response.text[:500]
        csrf = response.cookies.get("csrftoken", csrf)
        return {"Cookie": f"csrftoken={csrf}; sessionid={response.cookies['sessionid']}", "csrf": csrf}


def admin_action(topology, host, cookies, action, pk):
    """The post list's action through one host's nginx, as the author's browser would send it via the front."""
    with host.client() as client:
        response = client.post(
            "/admin/blog/post/",
            data={"action": action, "_selected_action": str(pk), "index": "0", "csrfmiddlewaretoken": cookies["csrf"]},
            headers={"Cookie": cookies["Cookie"], "Origin": topology.front_url},
        )
    assert response.status_code == 302, response.text[:500]


def shows(host, paths, needle):
    """Whether each page, as the host serves it to readers (page files included), holds `needle`."""
    with host.client() as client:
        return [needle in client.get(path).text for path in paths]


def reader_paths(post):
    return ["/", f"/tag/{post['tag']}/", "/feeds/atom/", "/sitemap-posts.xml"]


def test_each_host_listens_on_its_own_address_and_believes_only_the_front(two_hosts):
    host = two_hosts.hosts[0]
    with host.client() as client:
        assert client.get("/").status_code == 200
    # The same request from another address: its "I came over HTTPS" is not believed.
    import httpx

    headers = {"Host": f"blog.test:{two_hosts.front.https_port}", "X-Forwarded-Proto": "https"}
    response = httpx.get(f"{host.url}/", headers=headers, timeout=10)
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.9:{host.port}/healthz", timeout=5)


def test_the_front_passes_the_readers_address_to_the_hosts(two_hosts, post):
    body = f"from-my-address {uuid.uuid4().hex}"
    assert acknowledged(post_comment(two_hosts, post["slug"], body, 7))
    out = two_hosts.shell(
        f"from comments.models import Comment\nprint(Comment.objects.get(body={body!r}).ip_address)"
    )  # fmt: skip
    assert out.strip() == address(7)


def test_a_change_on_one_host_reaches_the_other_within_a_second(two_hosts, post, admin_cookies):
    paths = reader_paths(post)
    needle = f"/post/{post['slug']}/"
    first, second = two_hosts.hosts
    for host in (first, second):
        assert shows(host, paths, needle) == [True] * 4  # page files of every page written, on both hosts
    delays = []
    for change in range(CHANGES):
        # Unpublished on host 1, seen on host 2; published again on host 2, seen on host 1; and so on.
        writer, reader = (first, second) if change % 2 == 0 else (second, first)
        expected = change % 2 == 1
        started = time.monotonic()
        admin_action(two_hosts, writer, admin_cookies, "publish" if expected else "unpublish", post["pk"])
        deadline = started + 5
        while shows(reader, paths, needle) != [expected] * 4 and time.monotonic() < deadline:
            time.sleep(POLL)
        delays.append(time.monotonic() - started)
        assert shows(reader, paths, needle) == [expected] * 4, f"change {change}: host {reader.number + 1} still stale"
    delays.sort()
    p50, p99 = statistics.median(delays), delays[min(len(delays) - 1, round(0.99 * len(delays)))]
    print(f"\ncross-host staleness over {CHANGES} changes (admin POST sent to all four pages right on the other "
          f"host): p50 {p50:.3f} s, p99 {p99:.3f} s, max {delays[-1]:.3f} s")  # fmt: skip
    assert delays[-1] < STALE_LIMIT, delays


def test_a_post_scheduled_elsewhere_appears_on_both_hosts_on_time(two_hosts):
    title = f"Scheduled {uuid.uuid4().hex}"
    due = two_hosts.shell(
        "from datetime import timedelta\nfrom django.utils import timezone\nfrom blog.models import Post, Status\n"
        "at = timezone.now() + timedelta(seconds=6)\n"
        f"Post.objects.create(title={title!r}, slug={title.lower().replace(' ', '-')!r}, body='Soon.',"
        " status=Status.PUBLISHED, published_at=at)\n"
        "print(at.timestamp())"
    )  # fmt: skip
    due = float(due.strip().splitlines()[-1])
    seen = {}
    deadline = due + 3
    while len(seen) < 2 and time.time() < deadline:
        for host in two_hosts.hosts:
            if host.number not in seen and shows(host, ["/"], title) == [True]:
                seen[host.number] = time.time() - due
        time.sleep(POLL)
    print(f"\na post scheduled in another process appeared on the hosts' front pages {seen} s after its time")
    assert sorted(seen) == [0, 1]
    assert all(-0.05 < late < STALE_LIMIT for late in seen.values()), seen  # never early (clocks: one machine)


def test_an_image_uploaded_on_one_host_renders_on_the_other_from_the_store(two_hosts, post, admin_cookies):
    first, second = two_hosts.hosts
    with first.client() as client:
        response = client.post(
            "/admin/blog/upload/add/",
            data={"alt_text": "Across hosts", "csrfmiddlewaretoken": admin_cookies["csrf"]},
            files={"file": ("across.png", image_bytes(1600, 900), "image/png")},
            headers={"Cookie": admin_cookies["Cookie"], "Origin": two_hosts.front_url},
        )
    assert response.status_code == 302, response.text[:800]
    original = two_hosts.shell(
        "from blog.models import Upload, Post\n"
        "u = Upload.objects.latest('pk')\n"
        f"p = Post.objects.get(pk={post['pk']})\n"
        "p.body += '\\n\\n' + u.markdown()\n"
        "p.save()\n"
        "print(u.file.url)"
    ).strip().splitlines()[-1]  # fmt: skip
    assert original.startswith(two_hosts.media_url)
    deadline = time.monotonic() + 5
    with second.client() as client:
        while original not in (page := client.get(f"/post/{post['slug']}/").text) and time.monotonic() < deadline:
            time.sleep(POLL)
    assert original in page
    stem = original.rsplit("/", 1)[1].rsplit(".", 1)[0]
    sources = {
        candidate.split()[0]
        for srcset in re.findall(r'srcset="([^"]+)"', page)
        for candidate in srcset.split(",")
        if stem in candidate
    }
    assert len(sources) > 2, f"the copies are in the page's srcset: {sources}"
    with front_client(two_hosts) as client:
        for url in sources | {original}:
            assert url.startswith(two_hosts.media_url)
            response = get(client, two_hosts, url.removeprefix(two_hosts.front_url))
            assert response.status_code == 200, url
            assert response.headers["Content-Type"].startswith("image/")
            assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_host_killed_under_load_costs_readers_only_the_answers_in_flight_and_loses_no_comment(two_hosts, post):
    first = two_hosts.hosts[0]
    paths = [*reader_paths(post), f"/post/{post['slug']}/"]
    with Load(two_hosts, paths, post["slug"]) as load:
        time.sleep(4)
        killed_at = time.monotonic()
        first.kill()
        time.sleep(6)
        changed_while_down = f"while-down-{uuid.uuid4().hex}"
        two_hosts.shell(
            f"from blog.models import Post\np = Post.objects.get(pk={post['pk']})\n"
            f"p.title = {changed_while_down!r}\np.save()"
        )  # fmt: skip
        first.start()
        first.wait_healthy()
        time.sleep(4)
    # The next test stops hosts one by one: the front must count host 1 in again first.
    time.sleep(FRONT_FAIL_TIMEOUT)
    print(f"\nkilled host 1 (SIGKILL, nginx and gunicorn) under 16 readers and 4 commenters: reads {dict(load.reads)}, "
          f"comments acknowledged {len(load.acknowledged())} of {len(load.comments)}")  # fmt: skip
    assert load.reads[200] > 100
    assert load.cut_off_in_flight(killed_at), load.read_errors
    counts = stored_bodies(two_hosts, load.marker)
    assert [body for body in load.acknowledged() if counts[body] != 1] == []
    assert [body for body, n in counts.items() if n > 1] == []
    # Back, host 1 serves what changed while it was down, not the page files it had kept.
    assert shows(first, [f"/post/{post['slug']}/", "/"], changed_while_down) == [True, True]


def test_a_rolling_restart_under_load_costs_readers_nothing(two_hosts, post):
    paths = [*reader_paths(post), f"/post/{post['slug']}/"]
    with Load(two_hosts, paths, post["slug"]) as load:
        time.sleep(2)
        two_hosts.rolling_restart()
    print(f"\nrolling restart of both hosts under 16 readers and 4 commenters: reads {dict(load.reads)}, "
          f"comments acknowledged {len(load.acknowledged())} of {len(load.comments)}")  # fmt: skip
    assert load.reads[200] > 100
    assert load.read_errors == []
    counts = stored_bodies(two_hosts, load.marker)
    assert [body for body in load.acknowledged() if counts[body] != 1] == []


def test_each_comment_is_mailed_to_the_author_once_with_both_hosts_sending(two_hosts, post, services):
    two_hosts.shell(
        "from django.contrib.auth import get_user_model\n"
        "get_user_model().objects.filter(username='author').update(email='author@example.com')"
    )
    marker = f"mail-once-{uuid.uuid4().hex}"
    first, second = two_hosts.hosts
    already = len(services.messages())

    def send(number):
        # Straight to each host in turn, as the front would spread them; each commenter from their own address.
        host = (first, second)[number % 2]
        form = {"author_name": f"Mailer {number}", "author_email": "m@example.com", "body": f"{marker} {number}"}
        with host.client() as client:
            client.headers["X-Forwarded-For"] = address(5000 + number)
            return client.post(f"/post/{post['slug']}/comment/", data={**form, "homepage": ""},
                               headers={"Origin": two_hosts.front_url}).status_code  # fmt: skip

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(send, range(200)))
    assert statuses == [302] * 200
    ids = json.loads(
        two_hosts.shell(
            "import json\nfrom comments.models import Comment\n"
            f"print(json.dumps(list(Comment.objects.filter(body__contains={marker!r}).values_list('pk', flat=True))))"
        ).strip().splitlines()[-1]
    )  # fmt: skip
    assert len(ids) == 200
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        mailed = notified_comment_ids(services.messages()[already:])
        if set(ids) <= set(mailed):
            break
        time.sleep(1)
    time.sleep(2)  # a second sending of any of them would come now
    mailed = notified_comment_ids(services.messages()[already:])
    assert {pk: mailed[pk] for pk in ids if mailed[pk] != 1} == {}


def test_memory_per_host(two_hosts):
    sizes = [host.memory_kib() for host in two_hosts.hosts]
    print(f"\nresident memory per host (nginx + gunicorn, {len(sizes)} hosts): "
          + ", ".join(f"{size / 1024:.0f} MiB" for size in sizes))  # fmt: skip
    assert all(size > 10 * 1024 for size in sizes)
