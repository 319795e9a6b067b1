"""Readers through the front with one app host and with two (docs/SCALING.md): `make bench-hosts`.

    python -m bench.hosts [--rounds 3] [--seconds 10] [--connections 32]

Starts tools/stack.py's topology with two hosts (PostgreSQL from
ESCRIBE_DATABASE_URL; `make bench-hosts` gives it a throwaway cluster), then
measures in alternating pairs: wrk through the front over the four reader
pages (front page, a post, a tag page, the feed; page files, gzip), with both
hosts up, then with host 2 stopped gracefully (the front sends everything to
host 1). Prints the medians and spread of requests/s and p99, errors, and
each host's resident memory after the load. Everything runs on this
machine's cores: the front, both hosts, PostgreSQL and wrk share them.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time

from bench import wrk
from tools import localstack
from tools.stack import FRONT_FAIL_TIMEOUT, running

GZIP = "Accept-Encoding: gzip"


def reader_paths(topology):
    found = topology.shell(
        "import json\nfrom blog.models import Post\n"
        "p = Post.objects.published().filter(tags__isnull=False).order_by('-published_at')[0]\n"
        "print(json.dumps([f'/post/{p.slug}/', f'/tag/{p.tags.order_by(\"slug\")[0].slug}/']))"
    )
    post, tag = json.loads(found.strip().splitlines()[-1])
    return ["/", post, tag, "/feeds/atom/"]


def measure(program, topology, paths, seconds, connections):
    url = f"https://localhost:{topology.front.https_port}/"
    # Warm: every page kept as a file on each running host.
    wrk.run(wrk.command(program, url, connections, 2, [GZIP], "read_mix.lua"), 2, {"BENCH_PATHS": " ".join(paths)})
    line = wrk.command(program, url, connections, seconds, [GZIP], "read_mix.lua")
    return wrk.parse(wrk.run(line, seconds, {"BENCH_PATHS": " ".join(paths)}))


def summary(rows):
    rps = [row["rps"] for row in rows]
    p99 = [row["p99_ms"] for row in rows]
    return (
        f"{statistics.median(rps):,.0f} req/s (runs {', '.join(f'{r:,.0f}' for r in rps)}), "
        f"p99 {statistics.median(p99):.1f} ms, errors {sum(row['errors'] for row in rows)}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    program = localstack.find_program("wrk")
    nginx = localstack.find_program("nginx", "/usr/sbin/nginx")
    openssl = localstack.find_program("openssl", "/usr/bin/openssl")
    results = {1: [], 2: []}
    with (
        tempfile.TemporaryDirectory(prefix="escribe-hosts-") as prefix,
        running(prefix, 2, nginx=nginx, openssl=openssl, server_name="localhost") as topology,
    ):
        paths = reader_paths(topology)
        second = topology.hosts[1]
        for round_ in range(args.rounds):
            for hosts in (2, 1) if round_ % 2 == 0 else (1, 2):
                if hosts == 1:
                    second.stop()
                else:
                    if not second.running():
                        second.start()
                        second.wait_healthy()
                time.sleep(FRONT_FAIL_TIMEOUT + 1)  # the front counts the host in (or out) again
                results[hosts].append(measure(program, topology, paths, args.seconds, args.connections))
                if hosts == 2:  # each host's memory after it served its share
                    memory = [host.memory_kib() for host in topology.hosts]
                print(f"round {round_ + 1}, {hosts} host(s): {results[hosts][-1]}", flush=True)
    print(f"\nReaders through the front, {args.connections} connections, {args.seconds} s runs, {args.rounds} pairs:")
    print(f"  one host:  {summary(results[1])}")
    print(f"  two hosts: {summary(results[2])}")
    print("  resident memory per host (nginx + gunicorn): " + ", ".join(f"{kib / 1024:.0f} MiB" for kib in memory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
