"""E-Scribe's benchmark (issue 5): the real stack from deploy/ on loopback, measured layer by layer in one run.

    make bench                       # 1,000 posts, 10 s a measurement; appends to docs/PERFORMANCE.md
    make bench-smoke                 # seconds on a tiny database; writes nothing in the repository
    .venv/bin/python -m bench.run --help
    .venv/bin/python -m bench.run --growth      # 1,000 vs 100,000 posts, uncached (long)

A throw-away install (deploy/localstack.py) gets a database from
`manage.py generate_content`; nginx serves the rendered deploy/nginx site over
TLS for "localhost" (wrk takes the TLS server name from the URL), gunicorn
runs deploy/gunicorn.conf.py through bench/gunicorn_bench.py (an offline
Akismet that answers after --akismet-delay). After 15 s of unmeasured load
through nginx, to let the fresh stack settle, wrk measures, at each
--connections, every reader asking for gzip as browsers do (READER_HEADERS):

  static            the post page's bytes saved as a file (and as file.gz, for gzip_static),
                    served by the same nginx server
  nginx             front, post (about 20 comments), tag, Atom feed through nginx, its cache warm
  gunicorn+cache    the same paths straight to gunicorn (TCP), the application's page cache warm
  stock-cache_page  a second gunicorn with Django's stock per-site cache (bench/stock_cache_settings.py)
  gunicorn-nocache  a third gunicorn with ESCRIBE_PAGE_CACHE_SECONDS=0
  readers/commenters  readers going round the four paths, alone and while --commenters post
                    comments straight to the same gunicorn (nginx's limit_req would refuse them)

It prints a table and the targets of issue 5 with PASS/FAIL, and appends
both, with the revision and machine facts, to docs/PERFORMANCE.md. Targets
are reported, not enforced, unless --enforce is given.
"""

import argparse
import datetime
import gzip
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.slow_akismet import DELAY_VARIABLE  # noqa: E402
from deploy import localstack  # noqa: E402
from deploy.localstack import REPO, StackError, run_manage  # noqa: E402
from escribe import pagecache  # noqa: E402  (its gzip level, for the static twin)

BENCH = Path(__file__).resolve().parent
PERFORMANCE_MD = REPO / "docs" / "PERFORMANCE.md"
# wrk takes the TLS server name (SNI) from the URL: a name that resolves
# without touching /etc/hosts. The site is rendered for it.
HOST = "localhost"
STATIC_PATH = "/static/bench/post.html"
# Every reader asks for gzip, as every browser does. The pages come compressed
# from the page cache (compressed once, when stored) and the static file from
# its .gz twin (gzip_static), so the comparison stays like for like.
READER_HEADERS = ("Accept-Encoding: gzip",)
SETTLE_SECONDS = 15
READ_PAGES = ("front", "post", "tag", "feed")
GROWTH_PAGES = ("front", "post", "tag", "archive", "sitemap")
WRK_TIMEOUT = 10  # seconds before wrk counts a request as timed out
GENERATE_TIMEOUT = 3600
POST_COMMENTS = 20  # "a post with 20 comments"

# Issue 5's targets.
NGINX_SHARE_OF_STATIC = 0.75
NGINX_P99_MS = 20
APP_CACHE_OVER_STOCK = 1.5
APP_CACHE_RPS = 2500
NOCACHE_RPS = {"post": 400, "front": 250}
READERS_MAX_DROP = 0.20
READERS_P99_MS = 100
COMMENTERS_P99_MARGIN_MS = 200
GROWTH_MAX_RATIO = 1.5
GROWTH_GENERATE_SECONDS = 600
MEMORY_MB = 250


class BenchError(RuntimeError):
    """The benchmark could not run; the message says why."""


@dataclass
class Row:
    """One wrk measurement."""

    page: str
    path: str
    layer: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    ratio: float | None = None


@dataclass
class Target:
    """One of issue 5's targets, as far as this run can tell."""

    name: str
    figure: str
    goal: str
    passed: bool | None  # None: not measured in this run

    @property
    def verdict(self):
        return {True: "PASS", False: "FAIL", None: "n/a"}[self.passed]


# --- wrk -------------------------------------------------------------------------------------


def wrk_command(wrk, url, connections, duration, headers=(), script=None):
    command = [wrk, f"-t{min(connections, os.cpu_count() or 1)}", f"-c{connections}", f"-d{duration}s",
               "--latency", "--timeout", f"{WRK_TIMEOUT}s"]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(BENCH / script)]
    return [*command, url]


def start_wrk(command, env=None):
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
    )


def finish_wrk(process, duration):
    try:
        out, err = process.communicate(timeout=duration + 60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise BenchError(f"wrk did not finish: {shlex.join(process.args)}") from None
    if process.returncode != 0:
        raise BenchError(f"wrk exited {process.returncode}: {shlex.join(process.args)}\n{out}\n{err}")
    return parse_wrk(out)


def run_wrk(command, duration, env=None):
    process = start_wrk(command, env)
    try:
        return finish_wrk(process, duration)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(text):
    """requests/s, p50 and p99 (ms), errors and completed requests from wrk --latency's report."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in", text, re.M)
    if not rps or not total:
        raise BenchError(f"unexpected wrk output:\n{text}")
    latency = {
        int(share): float(value) * TIME_UNITS_MS[unit]
        for share, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    }
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if socket_errors:
        errors += sum(int(number) for number in socket_errors.groups())
    non_2xx_3xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non_2xx_3xx:
        errors += int(non_2xx_3xx.group(1))
    return {
        "rps": float(rps.group(1)),
        "p50_ms": latency.get(50, 0.0),
        "p99_ms": latency.get(99, 0.0),
        "errors": errors,
        "requests": int(total.group(1)),
    }


# --- the install -----------------------------------------------------------------------------


def find_program(name, *fallbacks):
    for candidate in (name, *fallbacks):
        path = shutil.which(candidate)
        if path:
            return path
    return None


def ensure_programs(install):
    """Paths of nginx, openssl and wrk; missing ones come from apt-get when `install`, else BenchError."""
    wanted = {"nginx": ("nginx", "/usr/sbin/nginx"), "openssl": ("openssl",), "wrk": ("wrk",)}
    found = {name: find_program(*candidates) for name, candidates in wanted.items()}
    missing = sorted(name for name, path in found.items() if path is None)
    if missing and install:
        apt_install(missing)
        found = {name: find_program(*candidates) for name, candidates in wanted.items()}
        missing = sorted(name for name, path in found.items() if path is None)
    if missing:
        raise BenchError(f"not installed: {', '.join(missing)} (apt-get install -y {' '.join(missing)})")
    return found


def apt_install(packages):
    """apt-get install -y the distribution's packages (refreshing the lists once if that fails)."""
    prefix = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if prefix is None:
        raise BenchError(f"{', '.join(packages)} missing and not root: apt-get install -y {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"Installing {' '.join(packages)} with apt-get", flush=True)
    install = [*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, timeout=900).returncode != 0:
        subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, timeout=900, check=False)
        subprocess.run(install, env=env, timeout=900, check=True)


def populate(posts, comments_per_post, timings):
    """A `populate` for localstack.build(): the demo blog (sidebar, tags), then generate_content's bulk."""

    def fill(env):
        localstack.seed_demo(env)
        started = time.monotonic()
        run_manage(env, "generate_content", "--posts", str(posts), "--comments-per-post", str(comments_per_post),
                   timeout=GENERATE_TIMEOUT)  # fmt: skip
        timings["generate_seconds"] = time.monotonic() - started

    return fill


PICK_PATHS = """
import json
from django.db.models import Count, F, Func
from django.urls import reverse
from django.utils import timezone
from blog.models import Post
from comments.models import Comment
published = Post.objects.published()
post = (published.filter(comments_enabled=True)
        .annotate(distance=Func(F("approved_comment_count") - {comments}, function="ABS"))
        .order_by("distance", "-published_at").first())
tag = (Post.tags.through.objects.filter(post__in=published).values("tag__slug")
       .annotate(n=Count("pk")).order_by("-n", "tag__slug").first())
first_of_month = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
month = timezone.localtime(published.filter(published_at__lt=first_of_month).latest().published_at)
print(json.dumps({{
    "paths": {{
        "front": reverse("blog:post-list"),
        "post": post.get_absolute_url(),
        "tag": reverse("blog:tag-detail", kwargs={{"slug": tag["tag__slug"]}}),
        "feed": reverse("blog:feed-atom"),
        "archive": reverse("blog:archive-month", kwargs={{"year": month.year, "month": month.month}}),
        "sitemap": "/sitemap.xml",
    }},
    "post_slug": post.slug,
    "post_comments": post.approved_comment_count,
    "posts": Post.objects.count(),
    "published": published.count(),
    "comments": dict(Comment.objects.values_list("status").annotate(n=Count("pk")).order_by()),
}}))
"""


def pick_paths(app, comments=POST_COMMENTS):
    """The measured paths (the post is the one whose approved comments come closest to `comments`) and DB facts."""
    return json.loads(app.shell(PICK_PATHS.format(comments=int(comments))))


def direct_headers(app):
    """What nginx sends gunicorn, for requests straight to gunicorn: the public Host, and HTTPS."""
    return {"Host": f"{HOST}:{app.https_port}", "X-Forwarded-Proto": "https"}


@contextmanager
def direct_client(app, port):
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers=direct_headers(app), timeout=30, follow_redirects=False
    ) as client:
        yield client


def fetch_ok(client, path):
    response = client.get(path)
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    return response


def poll(condition, timeout):
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def settle(app, port, timeout=30):
    """Wait until gunicorn answers /healthz at once again: requests left queued by a finished wrk are done.

    wrk stops without waiting for its requests in flight; gunicorn still
    serves the ones it has queued (a comment POST with its slow Akismet call
    each) and would slow whatever is measured next.
    """
    deadline = time.monotonic() + timeout
    quick = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": HOST}, timeout=timeout) as client:
        while quick < 3 and time.monotonic() < deadline:
            started = time.perf_counter()
            client.get("/healthz")
            quick = quick + 1 if time.perf_counter() - started < 0.05 else 0
            time.sleep(0.05)


def process_tree_rss_mb(pid):
    """VmRSS of a process and all its descendants, in MB, and how many processes that is."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip() or 0)
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(member, 0) for member in tree) / 1024, len(tree)


# --- the measurements ------------------------------------------------------------------------


class Run:
    """One benchmark run: the stack, the wrk settings and the rows measured so far."""

    def __init__(self, args, wrk, app):
        self.args = args
        self.wrk = wrk
        self.app = app
        self.rows = []
        self.notes = []

    def measure(self, page, path, layer, url, headers=(), script=None, env=None, connections=None):
        """Warm up once, then one wrk run per connection count; returns the rows."""
        connections = connections or self.args.connections
        headers = [*READER_HEADERS, *headers]
        if self.args.warmup:
            run_wrk(wrk_command(self.wrk, url, max(connections), self.args.warmup, headers, script),
                    self.args.warmup, env)  # fmt: skip
        rows = []
        for count in connections:
            figures = run_wrk(wrk_command(self.wrk, url, count, self.args.duration, headers, script),
                              self.args.duration, env)  # fmt: skip
            rows.append(self.add(Row(page, path, layer, count, **figures)))
        return rows

    def add(self, row):
        self.rows.append(row)
        if not row.requests:
            self.note(f"{row.layer}, {row.page}: no request was answered within the {self.args.duration} s")
        print(
            f"  {row.layer:<34} {row.page:<10} c={row.connections:<3} {row.rps:>9.1f} req/s  "
            f"p50 {row.p50_ms:>8.2f} ms  p99 {row.p99_ms:>8.2f} ms  errors {row.errors}",
            flush=True,
        )
        return row

    def note(self, text):
        print(f"  note: {text}", flush=True)
        self.notes.append(text)

    def nginx_url(self, path):
        return f"https://{HOST}:{self.app.https_port}{path}"

    def direct(self, port, path):
        return f"http://127.0.0.1:{port}{path}", [f"{name}: {value}" for name, value in direct_headers(self.app).items()]


def settle_nginx(run, path):
    """Load nginx, unmeasured, before the first measurement.

    Whatever is measured first after the stack starts answers about 15%
    fewer requests/s than the same thing measured a little later. The disk
    is still writing out the fresh database, and caches are cold. Without
    this step that penalty lands on whichever layer happens to come first.
    """
    os.sync()
    seconds = SETTLE_SECONDS if not run.args.smoke else 1
    run_wrk(wrk_command(run.wrk, run.nginx_url(path), max(run.args.connections), seconds, READER_HEADERS), seconds)


def measure_reads(run, paths, app_port):
    """static, nginx and gunicorn+cache layers; the stock and no-cache gunicorns, each started for its turn."""
    app = run.app
    # The static-file limit: the post page's own bytes, from the same nginx server.
    with app.client() as client:
        page = fetch_ok(client, paths["post"]).content
    static_file = app.prefix / "static" / STATIC_PATH.removeprefix("/static/")
    static_file.parent.mkdir(parents=True, exist_ok=True)
    static_file.write_bytes(page)
    static_file.with_name(static_file.name + ".gz").write_bytes(gzip.compress(page, pagecache.GZIP_LEVEL, mtime=0))
    with app.client() as client:
        served = fetch_ok(client, STATIC_PATH)  # httpx asks for gzip and decodes it
        if served.content != page or served.headers.get("Content-Encoding") != "gzip":
            raise BenchError(f"nginx served {STATIC_PATH} with other bytes than the post page, or uncompressed")
    print(f"static: {STATIC_PATH} ({len(page):,} bytes, the page {paths['post']})", flush=True)
    settle_nginx(run, paths["post"])
    run.measure("static", STATIC_PATH, "static", run.nginx_url(STATIC_PATH))

    print("nginx (its page cache warm):", flush=True)
    for name in READ_PAGES:
        path = paths[name]
        with app.client() as client:
            fetch_ok(client, path)
            if not poll(lambda: client.get(path).headers.get("X-Cache-Status") == "HIT", 5):
                run.note(f"nginx never answered {path} from its cache (X-Cache-Status HIT) before the run")
        run.measure(name, path, "nginx", run.nginx_url(path))

    print("gunicorn+cache (straight to gunicorn, the application's page cache warm):", flush=True)
    for name in READ_PAGES:
        path = paths[name]
        with direct_client(app, app_port) as client:
            fetch_ok(client, path)
            if not poll(lambda: client.get(path).headers.get("X-Page-Cache") == "hit", 5):
                run.note(f"the application's page cache never answered {path} (X-Page-Cache: hit) before the run")
        run.measure(name, path, "gunicorn+cache", *run.direct(app_port, path))

    print("stock-cache_page (a second gunicorn: Django's UpdateCache/FetchFromCache middleware):", flush=True)
    stock_env = {
        "DJANGO_SETTINGS_MODULE": "bench.stock_cache_settings",
        "ESCRIBE_CACHE_DIR": str(app.prefix / "stock-cache"),
        "ESCRIBE_ACCESS_LOG": str(app.prefix / "stock-access.log"),
    }
    with localstack.extra_gunicorn(app, "stock-gunicorn", env=stock_env) as port:
        for name in READ_PAGES:
            path = paths[name]
            with direct_client(app, port) as client:
                first = fetch_ok(client, path)
                time.sleep(1.1)
                second = fetch_ok(client, path)
            # A stored response keeps the Expires header it was stored with.
            if "X-Page-Cache" in second.headers or not second.headers.get("Expires") or (
                first.headers.get("Expires") != second.headers.get("Expires")
            ):
                run.note(f"Django's stock cache did not answer {path} from the cache before the run")
            run.measure(name, path, "stock-cache_page", *run.direct(port, path))

    print("gunicorn-nocache (a third gunicorn, ESCRIBE_PAGE_CACHE_SECONDS=0):", flush=True)
    nocache_env = {"ESCRIBE_PAGE_CACHE_SECONDS": "0", "ESCRIBE_ACCESS_LOG": str(app.prefix / "nocache-access.log")}
    with localstack.extra_gunicorn(app, "nocache-gunicorn", env=nocache_env) as port:
        for name in READ_PAGES:
            path = paths[name]
            with direct_client(app, port) as client:
                if fetch_ok(client, path).headers.get("X-Page-Cache") == "hit":
                    run.note(f"{path} came from the page cache with ESCRIBE_PAGE_CACHE_SECONDS=0")
            run.measure(name, path, "gunicorn-nocache", *run.direct(port, path))


def measure_comments(run, paths, app_port):
    """Readers alone, then readers while commenters post to the same gunicorn (slow Akismet), per reader layer."""
    app, args = run.app, run.args
    comment_path = f"{paths['post']}comment/"
    with direct_client(app, app_port) as client:
        response = client.post(comment_path, data={
            "author_name": "Bench", "author_email": "bench@example.com", "author_url": "", "homepage": "",
            "body": f"A first benchmark comment {time.time_ns()}.",
        })  # fmt: skip
    if response.status_code != 302:
        raise BenchError(f"POST {comment_path} answered {response.status_code}, not 302: {response.text[:300]}")
    readers = args.connections[0]
    mix = " ".join(paths[name] for name in READ_PAGES)
    mix_label = "+".join(READ_PAGES)
    reader_env = {"BENCH_PATHS": mix}
    comment_url, comment_headers = run.direct(app_port, comment_path)
    layers = {
        "gunicorn+cache": run.direct(app_port, "/"),
        "nginx": (run.nginx_url("/"), []),
    }
    delay_ms = round(args.akismet_delay * 1000)
    for layer, (url, headers) in layers.items():
        print(f"readers on {layer}, {readers} connections; {args.commenters} commenters, Akismet {delay_ms} ms:",
              flush=True)  # fmt: skip
        run.measure(mix_label, "4 paths in turn", f"{layer}, readers alone", url, headers, "read_mix.lua",
                    reader_env, [readers])  # fmt: skip
        # Commenters start first and stop last, so readers meet them the whole time.
        commenter_seconds = args.duration + 2
        commenters = start_wrk(
            wrk_command(run.wrk, comment_url, args.commenters, commenter_seconds, comment_headers, "comment_post.lua"),
            {"BENCH_NONCE": f"{layer.replace('+', '-')}-{time.time_ns()}"},
        )
        try:
            time.sleep(1)
            run.measure(mix_label, "4 paths in turn", f"{layer}, readers with commenters", url, headers,
                        "read_mix.lua", {"BENCH_PATHS": mix}, [readers])  # fmt: skip
            figures = finish_wrk(commenters, commenter_seconds)
        finally:
            if commenters.poll() is None:
                commenters.kill()
                commenters.communicate()
        run.add(Row("comment", f"POST {comment_path}", f"commenters (Akismet {delay_ms} ms)", args.commenters,
                    **figures))  # fmt: skip
        settle(app, app_port)


def add_ratios(rows):
    static = {row.connections: row.rps for row in rows if row.layer == "static"}
    for row in rows:
        if static.get(row.connections):
            row.ratio = row.rps / static[row.connections]


def find(rows, layer, page=None, connections=None):
    for row in rows:
        if row.layer == layer and (page is None or row.page == page) and (
            connections is None or row.connections == connections
        ):
            return row
    return None


def rps_floor(name, row, goal):
    return Target(name, f"{row.rps:,.0f} req/s", f"≥{goal:,} req/s", row.rps >= goal and row.errors == 0)


def evaluate(rows, connections, akismet_timeout, memory_mb, delay_ms):
    """Issue 5's targets 1-4 and 6, from this run's rows."""
    targets = []
    low, high = min(connections), max(connections)
    static = find(rows, "static", connections=high)
    for page in READ_PAGES:
        row = find(rows, "nginx", page, high)
        if row and static:
            share = row.rps / static.rps
            targets.append(Target(
                f"(1) nginx, cache warm: {page} at {high} connections",
                f"{share:.0%} of static ({row.rps:,.0f}/{static.rps:,.0f} req/s), p99 {row.p99_ms:.1f} ms",
                f"≥{NGINX_SHARE_OF_STATIC:.0%} of static, p99 < {NGINX_P99_MS} ms",
                share >= NGINX_SHARE_OF_STATIC and row.p99_ms < NGINX_P99_MS and row.errors == 0,
            ))  # fmt: skip
    for page in READ_PAGES:
        ours, stock = find(rows, "gunicorn+cache", page, low), find(rows, "stock-cache_page", page, low)
        if ours and stock:
            factor = ours.rps / stock.rps if stock.rps else float("inf")
            targets.append(Target(
                f"(2) gunicorn+cache vs stock cache_page: {page} at {low} connections",
                f"{factor:.2f}× ({ours.rps:,.0f} vs {stock.rps:,.0f} req/s)",
                f"≥{APP_CACHE_OVER_STOCK}×", factor >= APP_CACHE_OVER_STOCK and ours.errors == 0,
            ))  # fmt: skip
    for page in READ_PAGES:
        ours = find(rows, "gunicorn+cache", page, low)
        if ours:
            targets.append(rps_floor(f"(2) gunicorn+cache: {page} at {low} connections", ours, APP_CACHE_RPS))
    for page, goal in NOCACHE_RPS.items():
        row = find(rows, "gunicorn-nocache", page, low)
        if row:
            targets.append(rps_floor(f"(3) every cache off: {page} at {low} connections", row, goal))
    commenters = [row for row in rows if row.page == "comment"]
    for layer in ("gunicorn+cache", "nginx"):
        alone, busy = find(rows, f"{layer}, readers alone"), find(rows, f"{layer}, readers with commenters")
        if alone and busy:
            drop = 1 - busy.rps / alone.rps if alone.rps else 1.0
            targets.append(Target(
                f"(4) readers on {layer} while commenters post (Akismet {delay_ms} ms)",
                f"rps {alone.rps:,.0f} → {busy.rps:,.0f} ({-drop:+.0%}), p99 {busy.p99_ms:.1f} ms",
                f"drop ≤{READERS_MAX_DROP:.0%}, p99 < {READERS_P99_MS} ms",
                drop <= READERS_MAX_DROP and busy.p99_ms < READERS_P99_MS and busy.errors == 0,
            ))  # fmt: skip
    if commenters:
        limit = akismet_timeout * 1000 + COMMENTERS_P99_MARGIN_MS
        worst, errors = max(row.p99_ms for row in commenters), sum(row.errors for row in commenters)
        targets.append(Target(
            f"(4) commenters' p99 (Akismet {delay_ms} ms), the worse of the two runs",
            f"p99 {worst:,.0f} ms, {errors} errors",
            f"< {limit:,.0f} ms (AKISMET_TIMEOUT + {COMMENTERS_P99_MARGIN_MS} ms)",
            worst < limit and errors == 0,
        ))  # fmt: skip
    targets.append(Target(
        "(5) growth: 1,000 vs 100,000 posts", "not measured here", "`bench.run --growth`", None,
    ))  # fmt: skip
    targets.append(Target(
        "(6) gunicorn master + workers, RSS after the run", f"{memory_mb:,.0f} MB", f"< {MEMORY_MB} MB",
        memory_mb < MEMORY_MB,
    ))  # fmt: skip
    return targets


# --- reports ---------------------------------------------------------------------------------


def _ms(value):
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def rows_table(rows):
    lines = [
        "| path | layer | connections | requests/s | p50 ms | p99 ms | errors | vs static |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        label = row.path if row.page in ("static", "comment") else f"{row.page} `{row.path}`"
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(
            f"| {label} | {row.layer} | {row.connections} | {row.rps:,.0f} | {_ms(row.p50_ms)} | {_ms(row.p99_ms)} "
            f"| {row.errors} | {ratio} |"
        )
    return "\n".join(lines)


def targets_table(targets):
    lines = ["| target | this run | goal | result |", "|---|---|---|---|"]
    lines += [f"| {t.name} | {t.figure} | {t.goal} | {t.verdict} |" for t in targets]
    return "\n".join(lines)


def _output(command, *, stderr=False):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=REPO)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return ((result.stderr if stderr else result.stdout) or result.stdout or result.stderr).strip()


def revision():
    rev = _output(["git", "rev-parse", "--short", "HEAD"])
    return rev + ("+dirty" if _output(["git", "status", "--porcelain"]) else "")


def machine_facts(programs):
    import django
    import gunicorn

    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    nginx = _output([programs["nginx"], "-v"], stderr=True).removeprefix("nginx version: ")
    wrk = _output([programs["wrk"], "--version"]).splitlines()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else platform.machine(),
        "memory_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "kernel": f"{platform.system()} {platform.release()}",
        "nginx": nginx,
        "gunicorn": gunicorn.__version__,
        "django": django.get_version(),
        "python": platform.python_version(),
        "wrk": wrk[0].split(" [")[0] if wrk else "?",
        "load_before": load_average(),
    }


def load_average():
    """The 1-minute load average: anything else running on the machine skews the figures."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def facts_line(facts):
    return (
        f"{facts['cores']} cores ({facts['cpu']}), {facts['memory_gib']} GiB, {facts['kernel']}; "
        f"{facts['nginx']}, gunicorn {facts['gunicorn']}, Django {facts['django']}, Python {facts['python']}, "
        f"{facts['wrk']}; load average {facts['load_before']:.1f} before the run, {facts['load_after']:.1f} "
        "after it"
    )


def append_to_performance_md(text):
    existing = PERFORMANCE_MD.read_text()
    with open(PERFORMANCE_MD, "a") as doc:
        doc.write(("" if existing.endswith("\n") else "\n") + "\n" + text.rstrip("\n") + "\n")
    print(f"Appended to {PERFORMANCE_MD.relative_to(REPO)}", flush=True)


def command_line():
    return shlex.join(["python", "-m", "bench.run", *sys.argv[1:]])


def now_heading():
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


# --- the modes -------------------------------------------------------------------------------


def bench_env(app, args):
    """The stack's environment for the benchmark's gunicorns."""
    app.env.pop("ESCRIBE_WORKERS", None)  # deploy/gunicorn.conf.py's own default, as in production
    if args.workers:
        app.env["ESCRIBE_WORKERS"] = str(args.workers)
    # Commenters reach gunicorn from 127.0.0.1 but each comment names its own
    # address (X-Forwarded-For, see comment_post.lua), as a wave of readers or
    # spammers would: the per-address limit keeps its production value, and no
    # address piles up thousands of comments for the checks to go through.
    app.env["ESCRIBE_TRUSTED_PROXIES"] = "unix,127.0.0.1"
    app.env.pop("ESCRIBE_COMMENT_RATE", None)
    app.env[DELAY_VARIABLE] = str(args.akismet_delay)


def run_layers(args, programs, workdir):
    timings = {}
    print(f"Building the database: {args.posts:,} posts, {args.comments_per_post} comments a post", flush=True)
    app = localstack.build(
        workdir / "stack", programs["nginx"], programs["openssl"], host=HOST,
        populate=populate(args.posts, args.comments_per_post, timings), worker_connections=4096,
    )  # fmt: skip
    bench_env(app, args)
    app_port = localstack.free_port()
    started = time.monotonic()
    with localstack.running(app, config=BENCH / "gunicorn_bench.py",
                            binds=[f"unix:{app.socket}", f"127.0.0.1:{app_port}"]):  # fmt: skip
        picked = pick_paths(app)
        akismet_timeout = float(app.shell("from django.conf import settings\nprint(settings.AKISMET_TIMEOUT)"))
        paths = picked["paths"]
        print(f"Database: {picked['posts']:,} posts ({picked['published']:,} public), comments {picked['comments']}; "
              f"the post {paths['post']} has {picked['post_comments']} approved comments", flush=True)  # fmt: skip
        run = Run(args, programs["wrk"], app)
        measure_reads(run, paths, app_port)
        measure_comments(run, paths, app_port)
        memory_mb, processes = process_tree_rss_mb(app.gunicorn.pid)
        print(f"gunicorn master and workers: {processes} processes, {memory_mb:,.0f} MB RSS", flush=True)
    add_ratios(run.rows)
    targets = evaluate(run.rows, args.connections, akismet_timeout, memory_mb, round(args.akismet_delay * 1000))
    return {
        "rows": run.rows, "targets": targets, "notes": run.notes, "picked": picked,
        "memory_mb": memory_mb, "gunicorn_processes": processes, "akismet_timeout": akismet_timeout,
        "generate_seconds": timings.get("generate_seconds"), "measure_seconds": time.monotonic() - started,
    }  # fmt: skip


def layers_report(args, facts, result):
    picked = result["picked"]
    comments = ", ".join(f"{count:,} {status}" for status, count in sorted(picked["comments"].items()))
    lines = [
        f"## {now_heading()} — `make bench`{' (smoke)' if args.smoke else ''}",
        "",
        f"Revision `{revision()}`, `{command_line()}`.",
        f"Machine: {facts_line(facts)}.",
        f"Database: {picked['posts']:,} posts ({picked['published']:,} public; generate_content took "
        f"{result['generate_seconds']:.1f} s), comments: {comments}. The post page is `{picked['paths']['post']}` "
        f"with {picked['post_comments']} approved comments. gunicorn: deploy/gunicorn.conf.py "
        f"({result['gunicorn_processes'] - 1} workers), Akismet answering after {args.akismet_delay * 1000:.0f} ms.",
        f"wrk, {args.duration} s a measurement after {args.warmup} s of warm-up, every reader asking for gzip "
        "(pages compressed once when cached, the static file pre-compressed for gzip_static); "
        "\"vs static\" is requests/s over the static file's at the same connections.",
        "",
        rows_table(result["rows"]),
        "",
        targets_table(result["targets"]),
    ]
    if result["notes"]:
        lines += ["", *(f"- {note}" for note in result["notes"])]
    return "\n".join(lines) + "\n"


def sequential_p50(client, path, count, budget):
    """The median of up to `count` sequential GETs (after a warm-up), within `budget` seconds."""
    for _ in range(5):
        fetch_ok(client, path)
    times = []
    deadline = time.monotonic() + budget
    while len(times) < count and (len(times) < 5 or time.monotonic() < deadline):
        started = time.perf_counter()
        fetch_ok(client, path)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, len(times)


def run_growth(args, workdir):
    """Uncached p50 of five pages at two database sizes, and how long generate_content took for each."""
    measured = {}
    tag_path = None
    for posts in (args.growth_small, args.growth_large):
        timings = {}
        print(f"Building the database: {posts:,} posts, {args.growth_comments_per_post} comments a post", flush=True)
        app = localstack.build(
            workdir / f"growth-{posts}", host=HOST,
            populate=populate(posts, args.growth_comments_per_post, timings),
        )  # fmt: skip
        bench_env(app, args)
        print(f"  generate_content: {timings['generate_seconds']:.1f} s", flush=True)
        env = {"ESCRIBE_PAGE_CACHE_SECONDS": "0"}
        with localstack.extra_gunicorn(app, "growth-gunicorn", env=env) as port:
            picked = pick_paths(app, round(args.growth_comments_per_post * 0.6))
            # The same tag at both sizes (generate_content draws them at random).
            tag_path = picked["paths"]["tag"] = tag_path or picked["paths"]["tag"]
            figures = {}
            with direct_client(app, port) as client:
                for page in GROWTH_PAGES:
                    path = picked["paths"][page]
                    p50, count = sequential_p50(client, path, args.growth_requests, args.growth_seconds)
                    figures[page] = {"path": path, "p50_ms": p50, "requests": count}
                    print(f"  {page:<8} {path:<40} p50 {p50:8.2f} ms ({count} requests)", flush=True)
        measured[posts] = {"figures": figures, "picked": picked, "generate_seconds": timings["generate_seconds"]}
        if not args.keep:
            shutil.rmtree(app.prefix, ignore_errors=True)
    small, large = measured[args.growth_small], measured[args.growth_large]
    targets = []
    for page in GROWTH_PAGES:
        before, after = small["figures"][page]["p50_ms"], large["figures"][page]["p50_ms"]
        ratio = after / before if before else float("inf")
        targets.append(Target(
            f"(5) uncached p50, {page}", f"{before:.2f} → {after:.2f} ms ({ratio:.2f}×)",
            f"≤{GROWTH_MAX_RATIO}×", ratio <= GROWTH_MAX_RATIO,
        ))  # fmt: skip
    seconds = large["generate_seconds"]
    comments = args.growth_large * args.growth_comments_per_post
    targets.append(Target(
        f"(5) generate_content, {args.growth_large:,} posts + {comments:,} comments", f"{seconds:,.0f} s",
        f"< {GROWTH_GENERATE_SECONDS} s (for 100,000 posts)",
        seconds < GROWTH_GENERATE_SECONDS if args.growth_large >= 100_000 else None,
    ))  # fmt: skip
    return {"measured": measured, "targets": targets}


def growth_report(args, facts, result):
    small, large = (result["measured"][n] for n in (args.growth_small, args.growth_large))
    lines = [
        f"## {now_heading()} — `bench.run --growth`",
        "",
        f"Revision `{revision()}`, `{command_line()}`.",
        f"Machine: {facts_line(facts)}.",
        f"Every cache off (ESCRIBE_PAGE_CACHE_SECONDS=0, straight to gunicorn), {args.growth_requests} sequential "
        f"GETs a page after 5 of warm-up (at most {args.growth_seconds} s a page); "
        f"{args.growth_comments_per_post} comments a post.",
        "",
        f"| page | p50 ms at {args.growth_small:,} posts | p50 ms at {args.growth_large:,} posts | ratio |",
        "|---|---:|---:|---:|",
    ]
    for page in GROWTH_PAGES:
        before, after = small["figures"][page], large["figures"][page]
        lines.append(f"| {page} `{after['path']}` | {before['p50_ms']:.2f} | {after['p50_ms']:.2f} "
                     f"| {after['p50_ms'] / before['p50_ms']:.2f} |")  # fmt: skip
    lines += [
        "",
        f"generate_content: {small['generate_seconds']:.1f} s for {args.growth_small:,} posts, "
        f"{large['generate_seconds']:.1f} s for {args.growth_large:,} posts.",
        "",
        targets_table(result["targets"]),
    ]
    return "\n".join(lines) + "\n"


def _connections(text):
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, not {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("connections must be positive numbers")
    return counts


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, help="posts generated (default 1000; --smoke: 40)")
    parser.add_argument("--comments-per-post", type=int, default=34,
                        help="comments generated a post, in every state (about 60%% approved)")
    parser.add_argument("--duration", type=int, help="seconds a measurement (default 10; --smoke: 1)")
    parser.add_argument("--warmup", type=int, help="seconds of wrk warm-up before each path (default 2; --smoke: 0)")
    parser.add_argument("--connections", type=_connections, help="wrk connections, comma-separated (default 16,64)")
    parser.add_argument("--commenters", type=int, default=16, help="connections posting comments (default 16)")
    parser.add_argument("--akismet-delay", type=float,
                        help="seconds Akismet takes to answer (default 0.3; --smoke: 0.05, so that readers "
                        "get answers within its short measurements)")
    parser.add_argument("--workers", type=int, help="ESCRIBE_WORKERS (default: deploy/gunicorn.conf.py's)")
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny database, 1 s measurements, 16 connections only; implies --no-append")
    parser.add_argument("--growth", action="store_true",
                        help="only the growth comparison: uncached p50 at --growth-small vs --growth-large posts")
    parser.add_argument("--growth-small", type=int, default=1000)
    parser.add_argument("--growth-large", type=int, default=100_000)
    parser.add_argument("--growth-comments-per-post", type=int, default=10)
    parser.add_argument("--growth-requests", type=int, default=200, help="sequential GETs a page (default 200)")
    parser.add_argument("--growth-seconds", type=int, default=120, help="at most this long a page (default 120)")
    parser.add_argument("--no-append", action="store_true", help="do not append to docs/PERFORMANCE.md")
    parser.add_argument("--json", type=Path, help="also write the results here, as JSON")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--workdir", type=Path, help="where the throw-away install goes (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away install (its logs) afterwards")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install missing programs")
    args = parser.parse_args(argv)
    smoke = args.smoke
    args.posts = args.posts or (40 if smoke else 1000)
    args.duration = args.duration or (1 if smoke else 10)
    args.warmup = args.warmup if args.warmup is not None else (0 if smoke else 2)
    args.connections = args.connections or ([16] if smoke else [16, 64])
    args.akismet_delay = args.akismet_delay if args.akismet_delay is not None else (0.05 if smoke else 0.3)
    args.no_append = args.no_append or smoke
    if args.growth and args.growth_small >= args.growth_large:
        parser.error("--growth-small must be smaller than --growth-large")
    return args


def _stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        programs = ensure_programs(install=not (args.smoke or args.no_install))
    except (BenchError, subprocess.SubprocessError, OSError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="escribe-bench-", dir=args.workdir))
    print(f"Working in {workdir}", flush=True)
    try:
        facts = machine_facts(programs)
        result = run_growth(args, workdir) if args.growth else run_layers(args, programs, workdir)
        facts["load_after"] = load_average()
        report = (growth_report if args.growth else layers_report)(args, facts, result)
    except (BenchError, StackError, AssertionError, subprocess.SubprocessError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; everything it started is stopped", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"Kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(report)
    if args.json:
        args.json.write_text(json.dumps(
            {**result, "facts": facts, "rows": [asdict(row) for row in result.get("rows", [])],
             "targets": [{**asdict(t), "verdict": t.verdict} for t in result["targets"]]},
            indent=2, default=str,
        ))  # fmt: skip
    if not args.no_append:
        append_to_performance_md(report)
    failed = [t.name for t in result["targets"] if t.passed is False]
    if args.enforce and failed:
        print(f"bench: {len(failed)} target(s) failed (--enforce)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
