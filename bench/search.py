"""Search benchmark: p50 of a search page's database work at 1,000 and 100,000 posts (target: under 20 ms at 100,000).

    .venv/bin/python -m bench.search                      # SQLite, 1,000 and 100,000 posts
    .venv/bin/python -m bench.search --posts 1000 10000   # other sizes
    bash .ci/postgres.sh .venv/bin/python -m bench.search # PostgreSQL (a database per size, dropped after)

For each size a fresh database is migrated and filled by `generate_content`
(which indexes as it goes), then each query below is run `--rounds` times in
process as the search view runs it: blog.search.search(), the count, and the
first page (ten posts with their highlighted title and snippet). Templates and
HTTP are left out: they cost what any list page costs. Every wait is bounded
(`--timeout` for generating a database). On PostgreSQL the database is
ANALYZEd before measuring, as autovacuum would after a bulk load.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    ("rare word (one post)", "{rare}"),
    ("common word (every post)", "quick"),
    ("two words", "boring technology"),
    ("phrase", '"careful changes"'),
    ("prefix, 4 letters", "serv*"),
    ("prefix, 5 letters", "serve*"),
    ("tag filter and word", "tag:python drama"),
    ("no match", "zanzibar"),
]


def measure(rounds):
    """Runs inside a process set up for the database: prints {label: p50 ms} as JSON."""
    import django

    django.setup()
    from django.db import connection

    from blog.models import Post
    from blog.search import search

    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; without it the planner
        # guesses 200 public posts of 100,000 and walks all of them per query.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    rare = Post.objects.published().order_by("pk").values_list("pk", flat=True)[Post.objects.count() // 2]
    figures = {}
    for label, template in QUERIES:
        query = template.format(rare=rare)
        times, found = [], 0
        for _ in range(rounds):
            started = time.perf_counter()
            results = search(query)
            found = results.count()
            page = results[0:10]
            times.append((time.perf_counter() - started) * 1000)
        figures[label] = {"query": query, "found": found, "shown": len(page), "p50_ms": statistics.median(times)}
    print(json.dumps(figures))


def run_size(posts, rounds, timeout, database_url):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "escribe.settings", "ESCRIBE_SECRET_KEY": "bench-only"}
    with tempfile.TemporaryDirectory(prefix="escribe-search-bench-") as folder:
        env["ESCRIBE_CACHE_DIR"] = folder
        name = None
        if database_url:
            name = f"escribe_search_bench_{posts}"
            _postgresql(database_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
            env["ESCRIBE_DATABASE_URL"] = database_url.rsplit("/", 1)[0] + "/" + name
        else:
            env["ESCRIBE_DATABASE_URL"] = ""
            env["ESCRIBE_DB_PATH"] = str(Path(folder) / "bench.sqlite3")
        try:
            manage = [sys.executable, str(ROOT / "manage.py")]
            subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=timeout)
            started = time.monotonic()
            subprocess.run(
                [*manage, "generate_content", "--posts", str(posts)],
                env=env, cwd=ROOT, check=True, timeout=timeout, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            generated = time.monotonic() - started
            out = subprocess.run(
                [sys.executable, "-m", "bench.search", "--measure", "--rounds", str(rounds)],
                env=env, cwd=ROOT, check=True, timeout=timeout, capture_output=True, text=True,
            ).stdout  # fmt: skip
            return generated, json.loads(out.strip().splitlines()[-1])
        finally:
            if name:
                _postgresql(database_url, f'DROP DATABASE IF EXISTS "{name}"')


def _postgresql(url, *statements):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--rounds", type=int, default=30, help="Runs of each query (the median is reported).")
    parser.add_argument("--timeout", type=int, default=1800, help="Seconds allowed for each step.")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.rounds)
        return
    database_url = os.environ.get("ESCRIBE_DATABASE_URL", "")
    vendor = "PostgreSQL" if database_url else "SQLite"
    results = {}
    for posts in args.posts:
        generated, figures = run_size(posts, args.rounds, args.timeout, database_url)
        results[posts] = figures
        print(f"{vendor}, {posts:,} posts (generated and indexed in {generated:.0f} s):")
        for label, figure in figures.items():
            print(
                f"  {label:28} {figure['query']!r:24} found {figure['found']:>7,}  p50 {figure['p50_ms']:8.2f} ms",
                flush=True,
            )
    worst = max(figure["p50_ms"] for figure in results[max(results)].values())
    print(f"Slowest query's p50 at {max(results):,} posts: {worst:.2f} ms (target: under 20 ms at 100,000 posts).")


if __name__ == "__main__":
    main()
