"""The benchmark harness (bench/run.py) in its smoke mode: the same code, seconds on a tiny database.

Figures from so short a run mean nothing; what is checked is that every
layer was measured, answered, and without errors, and that the smoke run
leaves docs/PERFORMANCE.md alone.
"""

import json
import subprocess
import sys

import pytest

from deploy.localstack import REPO
from tests.system import require_program

pytestmark = pytest.mark.stack

SMOKE_TIMEOUT = 90
READ_LAYERS = ["static", "nginx", "gunicorn+cache", "stock-cache_page", "gunicorn-nocache"]
COMMENT_LAYERS = [
    "gunicorn+cache, readers alone",
    "gunicorn+cache, readers with commenters",
    "nginx, readers alone",
    "nginx, readers with commenters",
]


def run_bench(tmp_path, *args):
    """bench/run.py with `args` and --json; returns (the JSON results, the stdout)."""
    require_program("nginx", "/usr/sbin/nginx")
    require_program("openssl", "/usr/bin/openssl")
    require_program("wrk")
    results = tmp_path / "results.json"
    performance_md = (REPO / "docs" / "PERFORMANCE.md").read_text()
    finished = subprocess.run(
        [sys.executable, "-m", "bench.run", *args, "--no-install", "--workdir", str(tmp_path), "--json", str(results)],
        cwd=REPO, capture_output=True, text=True, timeout=SMOKE_TIMEOUT,
    )
    assert finished.returncode == 0, f"{finished.stdout[-4000:]}\n{finished.stderr[-4000:]}"
    assert (REPO / "docs" / "PERFORMANCE.md").read_text() == performance_md
    # The throw-away install is gone; only the results stay.
    assert [path.name for path in tmp_path.iterdir()] == ["results.json"]
    return json.loads(results.read_text()), finished.stdout


def test_smoke_run_measures_every_layer_without_errors(tmp_path):
    results, stdout = run_bench(tmp_path, "--smoke")
    rows = results["rows"]
    layers = [row["layer"] for row in rows]
    for layer in READ_LAYERS:
        measured = [row["page"] for row in rows if row["layer"] == layer]
        assert measured == (["static"] if layer == "static" else ["front", "post", "tag", "feed"]), layer
    for layer in COMMENT_LAYERS:
        assert layer in layers
    assert layers.count("commenters (Akismet 50 ms)") == 2
    for row in rows:
        assert row["requests"] > 0 and row["rps"] > 0, row
        assert row["errors"] == 0, row
        assert row["p99_ms"] >= row["p50_ms"] > 0, row
    assert results["picked"]["post_comments"] > 0
    verdicts = {target["name"]: target["verdict"] for target in results["targets"]}
    assert {verdict for verdict in verdicts.values()} <= {"PASS", "FAIL", "n/a"}
    assert sum(name.startswith("(1)") for name in verdicts) == 4
    assert any(name.startswith("(6)") for name in verdicts)
    # The table is printed, with a row a measurement.
    assert "| path | layer | connections | requests/s | p50 ms | p99 ms | errors | vs static |" in stdout
    assert stdout.count("| /static/bench/post.html | static |") == 1


def test_growth_mode_compares_two_database_sizes(tmp_path):
    results, stdout = run_bench(
        tmp_path, "--growth", "--growth-small", "20", "--growth-large", "60", "--growth-comments-per-post", "3",
        "--growth-requests", "5", "--no-append",
    )
    targets = {target["name"]: target for target in results["targets"]}
    for page in ("front", "post", "tag", "archive", "sitemap"):
        assert targets[f"(5) uncached p50, {page}"]["verdict"] in {"PASS", "FAIL"}
    # generate_content's time limit is for 100,000 posts, not for this small pair.
    assert targets["(5) generate_content, 60 posts + 180 comments"]["verdict"] == "n/a"
    assert "| page | p50 ms at 20 posts | p50 ms at 60 posts | ratio |" in stdout
