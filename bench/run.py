"""E-Scribe's benchmark: issue 9's targets, measured on the real stack (tools/localstack.py) on loopback.

    make bench                                      # 1,000 posts: measurements 1, 2, 3, 5 and 6
    make bench-smoke                                # the same code on a tiny database, 1 s measurements
    .venv/bin/python -m bench.run --growth          # 4: 1,000 vs 100,000 posts (several minutes)
    .venv/bin/python -m bench.run --after-change    # 5 (and 6) at 10,000 posts

  1 page files   front, a post with about 20 comments, a tag page and the Atom feed through nginx from
                 their page files, each beside a static copy of the same bytes (and of its .gz twin)
                 that the same nginx serves from /static/; gunicorn must see none of these requests
  2 uncached     the post and the front page straight to gunicorn: every request rendered by Django
  3 comments     readers going round the four page files through nginx, alone, then while commenters
                 post straight to gunicorn with a slow Akismet; the page files must stay current
  4 growth       uncached p50 of front, post, tag, archive month and sitemap index at two sizes
  5 after a change  the first request of front, post and feed once the page files went stale
  6 memory       the RSS of gunicorn's master and workers at the end

Every reader asks for gzip, as browsers do. Raw results (results.json, report.md and every wrk
report) go to bench/results/<time>-<mode>/, which git ignores; nothing else in the repository is
written. Targets are reported with PASS/FAIL; --enforce exits 1 on a FAIL.
"""

import argparse
import datetime
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
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bench import wrk
from bench.slow_akismet import DELAY_VARIABLE
from escribe import page_files, pages  # which file keeps which URL, and the generation nginx serves
from tools import localstack
from tools.localstack import REPO, StackError, run_manage

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
# wrk takes the TLS server name (SNI) from the URL: a name that resolves
# without touching /etc/hosts. The site is rendered for it.
HOST = "localhost"
GZIP = "Accept-Encoding: gzip"
READ_PAGES = ("front", "post", "tag", "feed")
UNCACHED_PAGES = ("post", "front")
COLD_PAGES = ("front", "post", "feed")
GROWTH_PAGES = ("front", "post", "tag", "archive", "sitemap")
POST_COMMENTS = 20  # "a post with 20 comments"
SETTLE_SECONDS = 15
GENERATE_TIMEOUT = 3600
INVALIDATE = "from escribe import pages; pages.invalidate()"

# Issue 9's targets.
FILE_SHARE_OF_STATIC = 0.95
FILE_P99_MS = 10
UNCACHED_RPS = {"post": 150, "front": 100}
READERS_MAX_DROP = 0.10
GROWTH_MAX_RATIO = 1.5


class BenchError(RuntimeError):
    """The benchmark could not run; the message says why."""


@dataclass
class Row:
    """One wrk measurement."""

    measurement: str
    page: str
    path: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    wrk_report: str = ""


@dataclass
class Target:
    """One of issue 9's targets as this run measured it; passed is None for figures that are only reported."""

    name: str
    figure: str
    goal: str
    passed: bool | None

    @property
    def verdict(self):
        return {True: "PASS", False: "FAIL", None: "report"}[self.passed]


class Bench:
    """One run: its options, where its raw results go, and what it measured so far."""

    def __init__(self, args, wrk_program, results):
        self.args = args
        self.wrk_program = wrk_program
        self.results = results
        self.rows = []
        self.targets = []
        self.problems = []
        self.figures = {}
        self.wrk_runs = 0

    def wrk(self, label, url, connections, seconds, headers=(), script=None, env=None):
        """Run wrk once, keep its report in the results folder; returns (report text, file name)."""
        line = wrk.command(self.wrk_program, url, connections, seconds, headers, script)
        text = wrk.run(line, seconds, env)
        return text, self.keep_wrk(label, line, text)

    def keep_wrk(self, label, line, text):
        self.wrk_runs += 1
        name = f"{self.wrk_runs:02d}-{re.sub(r'[^A-Za-z0-9]+', '-', label).strip('-')}.txt"
        (self.results / "wrk").mkdir(parents=True, exist_ok=True)
        (self.results / "wrk" / name).write_text(f"$ {shlex.join(line)}\n\n{text}")
        return name

    def measure(self, measurement, page, path, url, connections, headers=(), script=None, env=None, warmup=True):
        """Unmeasured warm-up (unless told not to), then one measured wrk run at `connections`; returns the row."""
        headers = [GZIP, *headers]
        if warmup and self.args.warmup:
            line = wrk.command(self.wrk_program, url, connections, self.args.warmup, headers, script)
            wrk.run(line, self.args.warmup, env)
        label = f"{measurement} {page} c{connections}"
        text, name = self.wrk(label, url, connections, self.args.duration, headers, script, env)
        return self.add(Row(measurement, page, path, connections, **wrk.parse(text), wrk_report=name))

    def add(self, row):
        self.rows.append(row)
        print(
            f"  {row.measurement:<24} {row.page:<8} c={row.connections:<3} {row.rps:>9,.0f} req/s  "
            f"p50 {row.p50_ms:>7.2f} ms  p99 {row.p99_ms:>7.2f} ms  errors {row.errors}",
            flush=True,
        )
        if row.requests == 0:
            self.problem(f"{row.measurement}, {row.page}: no request was answered")
        if row.errors:
            self.problem(f"{row.measurement}, {row.page}: {row.errors} errors (see wrk/{row.wrk_report})")
        return row

    def check(self, ok, text):
        """A condition the figures depend on (the pages came from files, ...): a problem when it fails."""
        if not ok:
            self.problem(text)
        return ok

    def problem(self, text):
        print(f"  PROBLEM: {text}", flush=True)
        self.problems.append(text)

    def target(self, name, figure, goal, passed):
        self.targets.append(Target(name, figure, goal, passed))
        print(f"  {name}: {figure} ({goal}) {self.targets[-1].verdict}", flush=True)


# --- the stack -------------------------------------------------------------------------------


def find_program(*candidates):
    for candidate in candidates:
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
    if subprocess.run(install, env=env, timeout=900, check=False).returncode != 0:
        subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, timeout=900, check=False)
        subprocess.run(install, env=env, timeout=900, check=True)


def populate(posts, comments_per_post, timings):
    """A `populate` for localstack.build(): the demo blog (sidebar, tags), then the generated posts and comments."""

    def fill(env):
        localstack.seed_demo(env)
        started = time.monotonic()
        run_manage(env, "generate_content", "--posts", str(posts), timeout=GENERATE_TIMEOUT)
        timings["generate_content_s"] = time.monotonic() - started
        started = time.monotonic()
        run_manage(env, "generate_comments", "--per-post", str(comments_per_post), timeout=GENERATE_TIMEOUT)
        timings["generate_comments_s"] = time.monotonic() - started

    return fill


def build(args, prefix, posts, comments_per_post, programs=None):
    """A throw-away install with `posts` generated posts; nginx too when `programs` are given."""
    timings = {}
    print(f"Building the database: {posts:,} posts, {comments_per_post} comments a post", flush=True)
    nginx, openssl = (programs["nginx"], programs["openssl"]) if programs else (None, None)
    app = localstack.build(
        prefix, nginx, openssl, host=HOST, populate=populate(posts, comments_per_post, timings), worker_connections=4096
    )
    print(
        f"  generate_content {timings['generate_content_s']:.1f} s, "
        f"generate_comments {timings['generate_comments_s']:.1f} s",
        flush=True,
    )
    # deploy/gunicorn.conf.py's own number of workers, as in production.
    app.env.pop("ESCRIBE_WORKERS", None)
    if args.workers:
        app.env["ESCRIBE_WORKERS"] = str(args.workers)
    # Commenters reach gunicorn from 127.0.0.1 but each comment names its own
    # address (X-Forwarded-For, see comment_post.lua), as a wave of readers
    # would: the per-address limit keeps its production value.
    app.env["ESCRIBE_TRUSTED_PROXIES"] = "unix,127.0.0.1"
    app.env.pop("ESCRIBE_COMMENT_RATE", None)
    app.env[DELAY_VARIABLE] = str(args.akismet_delay)
    return app, timings


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
        "sitemap": reverse("blog:sitemap-index"),
    }},
    "post_comments": post.approved_comment_count,
    "posts": Post.objects.count(),
    "published": published.count(),
    "comments": dict(Comment.objects.values_list("status").annotate(n=Count("pk")).order_by()),
}}))
"""


def pick_paths(app, comments=POST_COMMENTS):
    """The measured paths (the post is the one whose approved comments come closest to `comments`) and DB facts."""
    return json.loads(app.shell(PICK_PATHS.format(comments=int(comments))))


def nginx_url(app, path):
    return f"https://{HOST}:{app.https_port}{path}"


def direct_headers(app):
    """What nginx sends gunicorn, for requests straight to it: the public Host, and HTTPS.

    With them Django treats a request as nginx's would be, writing the page
    file as well: exactly the work of a page's first request after a change.
    """
    return {"Host": f"{HOST}:{app.https_port}", "X-Forwarded-Proto": "https"}


def direct_client(app, port):
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=direct_headers(app), timeout=30)


def fetch(client, path):
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    return response


def timed_fetch(client, path):
    """Milliseconds for one GET, the body read."""
    started = time.perf_counter()
    fetch(client, path)
    return (time.perf_counter() - started) * 1000


def log_size(path):
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def requests_since(log, offset):
    """(method, path) of every request gunicorn logged after `offset` bytes of its access log."""
    time.sleep(0.5)  # each worker writes its line after sending the answer
    with open(log, "rb") as lines:
        lines.seek(offset)
        text = lines.read().decode(errors="replace")
    return re.findall(r'"([A-Z]+) (\S+) HTTP/[\d.]+"', text)


def reads(requests):
    """The readers' requests among gunicorn's (not comment POSTs, not the harness's /healthz)."""
    return [(method, path) for method, path in requests if method != "POST" and path != "/healthz"]


def current_generation(app):
    """The page-file generation nginx serves from now (escribe/pages.py's `current` symlink)."""
    return os.readlink(app.prefix / "pages" / pages.CURRENT)


def settle_gunicorn(port, timeout=30):
    """Wait until gunicorn answers /healthz at once again: the POSTs a finished wrk left queued are done."""
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


def static_copy(app, client, page, path):
    """Warm `path`'s page file, copy its bytes and .gz twin under /static/bench/; returns the copy's URL path.

    Checks that both then come from disk through nginx: the same bytes,
    compressed ahead of time (gzip_static, so a Content-Length of the .gz
    twin's size rather than gzip on the fly).
    """
    first = fetch(client, path)  # rendered by Django, which writes the file
    relative = page_files.file_for(path, first.headers.get("Content-Type", ""))
    if relative is None:
        raise BenchError(f"{path} ({first.headers.get('Content-Type')}) is never kept as a file")
    page_file = app.prefix / "pages" / pages.CURRENT / relative
    if not page_file.exists() or page_file.read_bytes() != first.content:
        raise BenchError(f"{path} was not written to {page_file} as served")
    copy = app.prefix / "static" / "bench" / f"{page}{page_file.suffix}"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(page_file, copy)
    shutil.copyfile(f"{page_file}.gz", f"{copy}.gz")
    copy_path = f"/static/bench/{copy.name}"
    for url_path, twin in ((path, Path(f"{page_file}.gz")), (copy_path, Path(f"{copy}.gz"))):
        response = fetch(client, url_path)
        if (
            response.content != first.content
            or response.headers.get("Content-Encoding") != "gzip"
            or (response.headers.get("Content-Length") != str(twin.stat().st_size))
        ):
            raise BenchError(f"nginx did not serve {url_path} from {twin}: {dict(response.headers)}")
    return copy_path


def measure_page_files(bench, app, paths):
    """1: each page from its file through nginx, beside a static copy of the same bytes from the same nginx.

    A page and its copy are measured in turn, --pairs times, each pair in the
    other order: one pair's ratio moves by ±5% from run to run on this
    machine, as much as the target's margin, so the figures are the medians.
    """
    args = bench.args
    print(f"1. page files through nginx, beside static copies of the same bytes ({args.pairs} pairs):", flush=True)
    with app.client() as client:
        copies = {page: static_copy(app, client, page, paths[page]) for page in READ_PAGES}
    offset = log_size(app.access_log)
    # Whatever is measured first after the stack starts gets about 15% fewer
    # requests/s than the same thing a little later (the disk still writing
    # the fresh database, cold caches): an unmeasured load takes that penalty.
    os.sync()
    bench.wrk("settle", nginx_url(app, paths["post"]), max(args.connections), args.settle, [GZIP])
    summary = []
    for connections in args.connections:
        for page in READ_PAGES:
            urls = {"static copy": copies[page], "page file": paths[page]}
            runs = {"static copy": [], "page file": []}
            for pair in range(args.pairs):
                for kind in ("static copy", "page file") if pair % 2 == 0 else ("page file", "static copy"):
                    row = bench.measure(
                        kind, page, urls[kind], nginx_url(app, urls[kind]), connections, warmup=pair == 0
                    )
                    runs[kind].append(row)
            figures = {
                "page": page,
                "connections": connections,
                "static_rps": statistics.median(row.rps for row in runs["static copy"]),
                "page_rps": statistics.median(row.rps for row in runs["page file"]),
                "share": statistics.median(
                    served.rps / static.rps if static.rps else 0.0
                    for static, served in zip(runs["static copy"], runs["page file"], strict=True)
                ),
                "static_p99_ms": statistics.median(row.p99_ms for row in runs["static copy"]),
                "page_p99_ms": statistics.median(row.p99_ms for row in runs["page file"]),
                "errors": sum(row.errors for kind in runs for row in runs[kind]),
            }
            summary.append(figures)
            passed = figures["share"] >= FILE_SHARE_OF_STATIC and figures["page_p99_ms"] < FILE_P99_MS
            bench.target(
                f"(1) {page} page file vs static copy, {connections} connections",
                f"{figures['share']:.1%} ({figures['page_rps']:,.0f} vs {figures['static_rps']:,.0f} req/s), "
                f"p99 {figures['page_p99_ms']:.2f} ms",
                f"≥{FILE_SHARE_OF_STATIC:.0%}, p99 < {FILE_P99_MS} ms",
                passed and figures["errors"] == 0,
            )
    bench.figures["page_files"] = summary
    reached = requests_since(app.access_log, offset)
    bench.figures["page_files_requests_reaching_gunicorn"] = len(reached)
    print(f"  gunicorn logged {len(reached)} requests meanwhile", flush=True)
    bench.check(
        not reached, f"(1) {len(reached)} requests reached gunicorn while page files were measured: {reached[:5]}"
    )


def measure_uncached(bench, app, paths, port):
    """2: straight to gunicorn, every request rendered (Django keeps no cache)."""
    connections = min(bench.args.connections)
    print(f"2. uncached, straight to gunicorn, {connections} connections:", flush=True)
    headers = [f"{name}: {value}" for name, value in direct_headers(app).items()]
    for page in UNCACHED_PAGES:
        path = paths[page]
        offset = log_size(app.access_log)
        row = bench.measure("uncached", page, path, f"http://127.0.0.1:{port}{path}", connections, headers)
        rendered = len(requests_since(app.access_log, offset))
        bench.check(rendered >= row.requests, f"(2) gunicorn logged {rendered} requests, wrk counted {row.requests}")
        goal = UNCACHED_RPS[page]
        bench.target(
            f"(2) uncached {page}, {connections} connections",
            f"{row.rps:,.0f} req/s, p99 {row.p99_ms:.0f} ms",
            f"≥{goal} req/s",
            row.rps >= goal and row.errors == 0,
        )


def post_one_comment(port, headers, path):
    """One comment by hand: the form must be accepted (302) before wrk sends hundreds."""
    fields = {
        "author_name": "Bench",
        "author_email": "bench@example.com",
        "author_url": "",
        "homepage": "",
        "body": f"A first benchmark comment {time.time_ns()}.",
    }
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
        response = client.post(path, data=fields, headers={"X-Forwarded-For": "198.18.255.254"})
    if response.status_code != 302:
        raise BenchError(f"POST {path} answered {response.status_code}, not 302: {response.text[:300]}")


def measure_comments(bench, app, paths, port):
    """3: readers through nginx, alone and while commenters post straight to gunicorn (slow Akismet)."""
    args = bench.args
    readers = min(args.connections)
    delay_ms = round(args.akismet_delay * 1000)
    print(
        f"3. readers through nginx ({readers} connections), alone and with {args.commenters} commenters "
        f"(Akismet {delay_ms} ms):",
        flush=True,
    )
    mix = {"BENCH_PATHS": " ".join(paths[page] for page in READ_PAGES)}
    url = nginx_url(app, "/")
    comment_path = f"{paths['post']}comment/"
    post_one_comment(port, direct_headers(app), comment_path)
    generation = current_generation(app)
    offset = log_size(app.access_log)
    alone = bench.measure("readers alone", "4 pages", "4 pages in turn", url, readers, script="read_mix.lua", env=mix)
    # Commenters start first and stop last, so readers meet them the whole time (warm-up included).
    commenter_seconds = 1 + args.warmup + args.duration + 1
    headers = [f"{name}: {value}" for name, value in direct_headers(app).items()]
    line = wrk.command(
        bench.wrk_program,
        f"http://127.0.0.1:{port}{comment_path}",
        args.commenters,
        commenter_seconds,
        headers,
        "comment_post.lua",
    )
    commenters = wrk.start(line, {"BENCH_NONCE": str(time.time_ns())})
    try:
        time.sleep(1)
        busy = bench.measure(
            "readers with commenters", "4 pages", "4 pages in turn", url, readers, script="read_mix.lua", env=mix
        )
        text = wrk.finish(commenters, commenter_seconds)
    finally:
        if commenters.poll() is None:
            commenters.kill()
            commenters.communicate()
    name = bench.keep_wrk("commenters", line, text)
    bench.add(Row("commenters", "comment", f"POST {comment_path}", args.commenters, **wrk.parse(text), wrk_report=name))
    settle_gunicorn(port)
    requests = requests_since(app.access_log, offset)
    stray = reads(requests)
    posted = len(requests) - len(stray)
    same = current_generation(app) == generation
    bench.figures["comment_phase"] = {
        "comment_posts_logged": posted,
        "reader_requests_reaching_gunicorn": len(stray),
        "generation_unchanged": same,
    }
    print(
        f"  gunicorn logged {posted:,} comment POSTs and {len(stray)} other requests; "
        f"page files {'stayed' if same else 'were switched'}",
        flush=True,
    )
    bench.check(not stray, f"(3) {len(stray)} reader requests reached gunicorn during the comment phase: {stray[:5]}")
    bench.check(same, "(3) the page files went stale during the comment phase (pending comments must not do that)")
    drop = 1 - busy.rps / alone.rps if alone.rps else 1.0
    bench.target(
        f"(3) readers through nginx while {args.commenters} commenters post (Akismet {delay_ms} ms)",
        f"{alone.rps:,.0f} → {busy.rps:,.0f} req/s ({-drop:+.1%}), p99 {alone.p99_ms:.2f} → {busy.p99_ms:.2f} ms",
        f"drop ≤{READERS_MAX_DROP:.0%}",
        drop <= READERS_MAX_DROP and busy.errors == 0,
    )


def measure_after_change(bench, app, paths, port):
    """5: the first request of a page once every page file went stale, through nginx and straight to gunicorn."""
    rounds = bench.args.rounds
    print(f"5. after a change (pages.invalidate()), {rounds} rounds:", flush=True)
    timings = {page: {"nginx": [], "gunicorn": [], "file": []} for page in COLD_PAGES}
    with app.client() as through_nginx, direct_client(app, port) as straight:
        for _ in range(rounds):
            app.shell(INVALIDATE)
            for page in COLD_PAGES:
                offset = log_size(app.access_log)
                timings[page]["nginx"].append(timed_fetch(through_nginx, paths[page]))
                logged = reads(requests_since(app.access_log, offset))
                bench.check(("GET", paths[page]) in logged, f"(5) {paths[page]} after a change did not reach gunicorn")
            # The next request of each is the file nginx serves: for scale.
            offset = log_size(app.access_log)
            for page in COLD_PAGES:
                timings[page]["file"].append(timed_fetch(through_nginx, paths[page]))
            logged = reads(requests_since(app.access_log, offset))
            bench.check(not logged, f"(5) the second requests reached gunicorn: {logged}")
            app.shell(INVALIDATE)
            for page in COLD_PAGES:
                timings[page]["gunicorn"].append(timed_fetch(straight, paths[page]))
    bench.figures["after_change_ms"] = timings
    for page in COLD_PAGES:
        cold, direct, file = (statistics.median(timings[page][way]) for way in ("nginx", "gunicorn", "file"))
        bench.target(
            f"(5) {page} after a change",
            f"{cold:.1f} ms through nginx, {direct:.1f} ms straight to gunicorn (then {file:.1f} ms from the file)",
            "report (median)",
            None,
        )


def measure_memory(bench, app):
    """6: the RSS of gunicorn's master and workers now."""
    memory_mb, processes = process_tree_rss_mb(app.gunicorn.pid)
    bench.figures["gunicorn_rss_mb"] = memory_mb
    bench.figures["gunicorn_processes"] = processes
    bench.target("(6) gunicorn RSS after the run", f"{memory_mb:,.0f} MB ({processes} processes)", "report", None)


def run_stack(bench, programs, workdir):
    """The default run (1, 2, 3, 5, 6), or --after-change alone (5, 6)."""
    args = bench.args
    app, timings = build(args, workdir / "stack", args.posts, args.comments_per_post, programs)
    bench.figures["generate"] = timings
    port = localstack.free_port()
    with localstack.running(app, config=BENCH / "gunicorn_bench.py", binds=[f"unix:{app.socket}", f"127.0.0.1:{port}"]):
        picked = pick_paths(app)
        bench.figures["database"] = picked
        print(
            f"Database: {picked['posts']:,} posts ({picked['published']:,} public), comments {picked['comments']}; "
            f"the post {picked['paths']['post']} has {picked['post_comments']} approved comments",
            flush=True,
        )
        if not args.after_change:
            measure_page_files(bench, app, picked["paths"])
            measure_uncached(bench, app, picked["paths"], port)
            measure_comments(bench, app, picked["paths"], port)
        measure_after_change(bench, app, picked["paths"], port)
        measure_memory(bench, app)


def sequential_p50(client, path, count, budget):
    """The median of up to `count` sequential GETs (after a warm-up), within `budget` seconds."""
    for _ in range(5):
        fetch(client, path)
    times = []
    deadline = time.monotonic() + budget
    while len(times) < count and (len(times) < 5 or time.monotonic() < deadline):
        times.append(timed_fetch(client, path))
    return statistics.median(times), len(times)


def run_growth(bench, workdir):
    """4: uncached p50 of five pages, straight to gunicorn, at two database sizes."""
    args = bench.args
    measured = {}
    tag_path = None
    for posts in (args.growth_small, args.growth_large):
        app, timings = build(args, workdir / f"growth-{posts}", posts, args.growth_comments_per_post)
        with localstack.extra_gunicorn(app, "growth-gunicorn") as port:
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
        measured[posts] = {"pages": figures, "database": picked, **timings}
        if not args.keep:
            shutil.rmtree(app.prefix, ignore_errors=True)
    bench.figures["growth"] = measured
    small, large = measured[args.growth_small], measured[args.growth_large]
    for page in GROWTH_PAGES:
        before, after = small["pages"][page]["p50_ms"], large["pages"][page]["p50_ms"]
        ratio = after / before if before else float("inf")
        bench.target(
            f"(4) uncached p50, {page}, {args.growth_small:,} → {args.growth_large:,} posts",
            f"{before:.2f} → {after:.2f} ms ({ratio:.2f}×)",
            f"≤{GROWTH_MAX_RATIO}×",
            ratio <= GROWTH_MAX_RATIO,
        )
    seconds = large["generate_content_s"] + large["generate_comments_s"]
    comments = args.growth_large * args.growth_comments_per_post
    bench.target(
        f"(4) generating {args.growth_large:,} posts and {comments:,} comments",
        f"{seconds:,.0f} s (posts {large['generate_content_s']:,.0f} s, "
        f"comments {large['generate_comments_s']:,.0f} s)",
        "report",
        None,
    )


# --- reports ---------------------------------------------------------------------------------


def _ms(value):
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def rows_table(rows):
    lines = [
        "| measurement | page | path | connections | requests/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.measurement} | {row.page} | `{row.path}` | {row.connections} | {row.rps:,.0f} "
            f"| {_ms(row.p50_ms)} | {_ms(row.p99_ms)} | {row.errors} |"
        )
    return "\n".join(lines)


def page_files_table(summary):
    lines = [
        "| page | connections | static copy req/s | page file req/s | page/static | static p99 ms | page file p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for figures in summary:
        lines.append(
            f"| {figures['page']} | {figures['connections']} | {figures['static_rps']:,.0f} "
            f"| {figures['page_rps']:,.0f} | {figures['share']:.1%} | {_ms(figures['static_p99_ms'])} "
            f"| {_ms(figures['page_p99_ms'])} |"
        )
    return "\n".join(lines)


def after_change_table(timings):
    lines = [
        "| page | first request through nginx, ms | first request straight to gunicorn, ms | next request (file), ms |",
        "|---|---:|---:|---:|",
    ]
    for page, ways in timings.items():
        cells = [
            f"{statistics.median(ways[way]):.1f} ({min(ways[way]):.1f}–{max(ways[way]):.1f})"
            for way in ("nginx", "gunicorn", "file")
        ]
        lines.append(f"| {page} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n\nMedian (min–max) of the rounds."


def growth_table(args, growth):
    small, large = growth[args.growth_small], growth[args.growth_large]
    lines = [
        f"| page | path | p50 ms at {args.growth_small:,} posts | p50 ms at {args.growth_large:,} posts | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for page in GROWTH_PAGES:
        before, after = small["pages"][page], large["pages"][page]
        lines.append(
            f"| {page} | `{after['path']}` | {before['p50_ms']:.2f} | {after['p50_ms']:.2f} "
            f"| {after['p50_ms'] / before['p50_ms']:.2f} |"
        )
    for size, figures in ((args.growth_small, small), (args.growth_large, large)):
        lines.append(
            f"\n{size:,} posts: generate_content {figures['generate_content_s']:.1f} s, "
            f"generate_comments {figures['generate_comments_s']:.1f} s."
        )
    return "\n".join(lines)


def targets_table(targets):
    lines = ["| target | this run | goal | result |", "|---|---|---|---|"]
    lines += [f"| {t.name} | {t.figure} | {t.goal} | {t.verdict} |" for t in targets]
    return "\n".join(lines)


def report(bench, facts):
    args, figures = bench.args, bench.figures
    command = shlex.join(["python", "-m", "bench.run", *sys.argv[1:]])
    lines = [
        f"# bench: {mode_name(args)}",
        "",
        f"`{command}` at revision {facts['revision']}, {facts['started']}.",
        f"Machine: {facts_line(facts)}.",
    ]
    if "database" in figures:
        database = figures["database"]
        comments = ", ".join(f"{count:,} {status}" for status, count in sorted(database["comments"].items()))
        lines.append(
            f"Database: {database['posts']:,} posts ({database['published']:,} public), comments: {comments}; "
            f"the post `{database['paths']['post']}` has {database['post_comments']} approved comments. "
            f"Akismet answers after {args.akismet_delay * 1000:.0f} ms."
        )
    if "page_files" in figures:
        lines += [
            "",
            f"## 1. Page files through nginx vs static copies (medians of {args.pairs} runs each, in turn)",
            "",
            page_files_table(figures["page_files"]),
            "",
            f"Requests that reached gunicorn meanwhile: {figures['page_files_requests_reaching_gunicorn']}.",
        ]
    others = [row for row in bench.rows if row.measurement not in ("static copy", "page file")]
    if others:
        lines += ["", "## 2. Uncached (straight to gunicorn) and 3. readers with commenters", "", rows_table(others)]
    if "comment_phase" in figures:
        phase = figures["comment_phase"]
        lines += [
            "",
            (
                f"During 3, gunicorn logged {phase['comment_posts_logged']:,} comment POSTs and "
                f"{phase['reader_requests_reaching_gunicorn']} reader requests; the page files "
                f"{'stayed current' if phase['generation_unchanged'] else 'were switched'}."
            ),
        ]
    if "after_change_ms" in figures:
        lines += ["", "## 5. After a change", "", after_change_table(figures["after_change_ms"])]
    if "gunicorn_rss_mb" in figures:
        lines += [
            "",
            (
                f"## 6. gunicorn after the run: {figures['gunicorn_rss_mb']:,.0f} MB RSS "
                f"({figures['gunicorn_processes']} processes)"
            ),
        ]
    if "growth" in figures:
        lines += ["", "## 4. Growth (straight to gunicorn, sequential GETs)", "", growth_table(args, figures["growth"])]
    lines += ["", "## Targets", "", targets_table(bench.targets)]
    if bench.problems:
        lines += ["", "## Problems (the figures above may not mean what they say)", ""]
        lines += [f"- {problem}" for problem in bench.problems]
    if bench.rows:
        lines += [
            "",
            "## Every wrk run",
            "",
            (
                f"{args.duration} s each, after {args.warmup} s of warm-up, every reader asking for gzip; "
                "the reports are in wrk/."
            ),
            "",
            rows_table(bench.rows),
        ]
    return "\n".join(lines) + "\n"


def _output(command, *, stderr=False):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=REPO, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return ((result.stderr if stderr else result.stdout) or result.stdout or result.stderr).strip()


def machine_facts(programs):
    import django
    import gunicorn

    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    revision = _output(["git", "rev-parse", "--short", "HEAD"])
    return {
        "revision": revision + ("+dirty" if _output(["git", "status", "--porcelain"]) else ""),
        "started": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cores": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else platform.machine(),
        "nginx": _output([programs["nginx"], "-v"], stderr=True).removeprefix("nginx version: "),
        "wrk": (_output([programs["wrk"], "--version"]).splitlines() or ["?"])[0].split(" [")[0],
        "gunicorn": gunicorn.__version__,
        "django": django.get_version(),
        "python": platform.python_version(),
        "load_before": load_average(),
    }


def load_average():
    """The 1-minute load average: anything else running on the machine skews the figures."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def facts_line(facts):
    return (
        f"{facts['cores']} cores ({facts['cpu']}); {facts['nginx']}, {facts['wrk']}, gunicorn "
        f"{facts['gunicorn']}, Django {facts['django']}, Python {facts['python']}; load average "
        f"{facts['load_before']:.1f} before, {facts.get('load_after', 0):.1f} after"
    )


def mode_name(args):
    return "growth" if args.growth else "after-change" if args.after_change else "smoke" if args.smoke else "bench"


# --- options and main ------------------------------------------------------------------------


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
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--smoke", action="store_true", help="the default measurements on a tiny database, 1 s each; fails on any error"
    )
    mode.add_argument("--growth", action="store_true", help="only 4: uncached p50 at --growth-small vs --growth-large")
    mode.add_argument("--after-change", action="store_true", help="only 5 and 6, at --posts (default 10,000)")
    parser.add_argument("--posts", type=int, help="posts generated (default 1,000; --after-change 10,000; --smoke 40)")
    parser.add_argument(
        "--comments-per-post",
        type=int,
        default=34,
        help="comments generated a post, in every state (60%% approved: about 20)",
    )
    parser.add_argument("--duration", type=int, help="seconds a measurement (default 10; --smoke 1)")
    parser.add_argument("--warmup", type=int, help="seconds of unmeasured load before each (default 2; --smoke 0)")
    parser.add_argument(
        "--settle", type=int, help=f"seconds of load before the first (default {SETTLE_SECONDS}; --smoke 1)"
    )
    parser.add_argument(
        "--connections",
        type=_connections,
        help="wrk connections for 1, comma-separated (default 16,64; --smoke 16); the lowest is used for 2 and 3",
    )
    parser.add_argument("--pairs", type=int, help="static/page-file pairs a page in 1 (default 3; --smoke 1)")
    parser.add_argument("--commenters", type=int, default=16, help="connections posting comments (default 16)")
    parser.add_argument(
        "--akismet-delay", type=float, help="seconds Akismet takes to answer (default 0.3; --smoke 0.05)"
    )
    parser.add_argument("--rounds", type=int, help="rounds of the after-a-change measurement (default 5; --smoke 1)")
    parser.add_argument("--workers", type=int, help="ESCRIBE_WORKERS (default: deploy/gunicorn.conf.py's)")
    parser.add_argument("--growth-small", type=int, default=1000)
    parser.add_argument("--growth-large", type=int, default=100_000)
    parser.add_argument("--growth-comments-per-post", type=int, default=10)
    parser.add_argument("--growth-requests", type=int, default=200, help="sequential GETs a page (default 200)")
    parser.add_argument("--growth-seconds", type=int, default=120, help="at most this long a page (default 120)")
    parser.add_argument(
        "--results",
        type=Path,
        help="where raw results go (default bench/results/<time>-<mode>/; --smoke: the temporary workdir, removed)",
    )
    parser.add_argument("--enforce", action="store_true", help="exit 1 when a target fails or a measurement had errors")
    parser.add_argument("--workdir", type=Path, help="where the throw-away install goes (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away install (its logs) afterwards")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install missing programs")
    args = parser.parse_args(argv)
    smoke = args.smoke
    args.posts = args.posts or (40 if smoke else 10_000 if args.after_change else 1000)
    args.duration = args.duration or (1 if smoke else 10)
    args.warmup = args.warmup if args.warmup is not None else (0 if smoke else 2)
    args.settle = args.settle if args.settle is not None else (1 if smoke else SETTLE_SECONDS)
    args.connections = args.connections or ([16] if smoke else [16, 64])
    args.akismet_delay = args.akismet_delay if args.akismet_delay is not None else (0.05 if smoke else 0.3)
    args.rounds = args.rounds or (1 if smoke else 5)
    args.pairs = args.pairs or (1 if smoke else 3)
    if args.growth and args.growth_small >= args.growth_large:
        parser.error("--growth-small must be smaller than --growth-large")
    return args


def _stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds the `with` blocks that stop nginx and gunicorn


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
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=args.workdir))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    results = args.results or (workdir / "results" if args.smoke else RESULTS / f"{stamp}-{mode_name(args)}")
    results.mkdir(parents=True, exist_ok=True)
    print(f"Working in {workdir}; raw results in {results}", flush=True)
    bench = Bench(args, programs["wrk"], results)
    facts = machine_facts(programs)
    status = 0
    try:
        try:
            if args.growth:
                run_growth(bench, workdir)
            else:
                run_stack(bench, programs, workdir)
        except (
            BenchError,
            StackError,
            wrk.WrkError,
            AssertionError,
            subprocess.SubprocessError,
            httpx.HTTPError,
        ) as error:
            print(f"bench: {error}", file=sys.stderr)
            bench.problems.append(f"stopped early: {error}")
            status = 2
        facts["load_after"] = load_average()
        write_results(bench, facts, results)
    except KeyboardInterrupt:
        print("bench: interrupted; everything it started is stopped", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"Kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if status:
        return status
    if bench.problems and (args.smoke or args.enforce):
        print(f"bench: {len(bench.problems)} problem(s) in the measurements", file=sys.stderr)
        return 1
    failed = [target.name for target in bench.targets if target.passed is False]
    if failed and args.enforce:
        print(f"bench: {len(failed)} target(s) failed (--enforce)", file=sys.stderr)
        return 1
    return 0


def write_results(bench, facts, results):
    """report.md and results.json beside the wrk reports; the report is printed too."""
    text = report(bench, facts)
    print()
    print(text)
    (results / "report.md").write_text(text)
    (results / "results.json").write_text(
        json.dumps(
            {
                "mode": mode_name(bench.args),
                "args": vars(bench.args),
                "facts": facts,
                "rows": [asdict(row) for row in bench.rows],
                "targets": [{**asdict(target), "verdict": target.verdict} for target in bench.targets],
                "problems": bench.problems,
                **bench.figures,
            },
            indent=2,
            default=str,
        )
    )
    print(f"Raw results: {results}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
