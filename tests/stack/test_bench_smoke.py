"""The benchmark harness (bench/run.py) in its smoke mode: the same code, seconds on a tiny database.

Figures from so short a run mean nothing; what is checked is that every
measurement happened, was answered and without errors, that the page files
really were what nginx served, and that a run writes nothing in the
repository. bench/ is run as a program, never imported.
"""

import json
import subprocess
import sys

import pytest

from tests.support.system import require_program
from tools.localstack import REPO

pytestmark = pytest.mark.stack

SMOKE_TIMEOUT = 120
PAGES = ["front", "post", "tag", "feed"]


def repository_state():
    """What a run must leave alone: the tracked docs and the raw results folder's listing."""
    results = REPO / "bench" / "results"
    listing = sorted(path.name for path in results.iterdir()) if results.exists() else []
    return (REPO / "docs" / "PERFORMANCE.md").read_text(), listing


def run_bench(tmp_path, *args):
    """`python -m bench.run` with `args`, its install and results under tmp_path; returns results.json."""
    require_program("nginx", "/usr/sbin/nginx")
    require_program("openssl", "/usr/bin/openssl")
    require_program("wrk")
    before = repository_state()
    finished = subprocess.run(
        [sys.executable, "-m", "bench.run", *args, "--no-install", "--workdir", str(tmp_path / "w"),
         "--results", str(tmp_path / "results")],
        cwd=REPO, capture_output=True, text=True, timeout=SMOKE_TIMEOUT, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, f"{finished.stdout[-4000:]}\n{finished.stderr[-4000:]}"
    assert repository_state() == before
    # The throw-away install is gone; only the results stay.
    assert list((tmp_path / "w").iterdir()) == []
    assert (tmp_path / "results" / "report.md").read_text() in finished.stdout
    return json.loads((tmp_path / "results" / "results.json").read_text())


def test_smoke_run_measures_everything_without_errors(tmp_path):
    results = run_bench(tmp_path, "--smoke")
    measured = [(row["measurement"], row["page"]) for row in results["rows"]]
    assert measured == [
        *((kind, page) for page in PAGES for kind in ("static copy", "page file")),
        ("uncached", "post"),
        ("uncached", "front"),
        ("readers alone", "4 pages"),
        ("readers with commenters", "4 pages"),
        ("commenters", "comment"),
    ]
    for row in results["rows"]:
        assert row["requests"] > 0 and row["rps"] > 0, row
        assert row["errors"] == 0, row
        assert row["p99_ms"] >= row["p50_ms"] > 0, row
        assert (tmp_path / "results" / "wrk" / row["wrk_report"]).exists()
    assert results["problems"] == []
    # The file measurements never reached Django, and pending comments left the page files current.
    assert results["page_files_requests_reaching_gunicorn"] == 0
    assert results["comment_phase"]["reader_requests_reaching_gunicorn"] == 0
    assert results["comment_phase"]["generation_unchanged"] is True
    assert results["comment_phase"]["comment_posts_logged"] > 0
    assert results["database"]["post_comments"] > 0
    for page in ("front", "post", "feed"):
        for way in ("nginx", "gunicorn", "file"):
            assert len(results["after_change_ms"][page][way]) == 1
    assert results["gunicorn_rss_mb"] > 0
    verdicts = {target["name"][:3]: target["verdict"] for target in results["targets"]}
    assert sorted(verdicts) == ["(1)", "(2)", "(3)", "(5)", "(6)"]
    assert {target["verdict"] for target in results["targets"]} <= {"PASS", "FAIL", "report"}


def test_growth_mode_compares_two_database_sizes(tmp_path):
    results = run_bench(
        tmp_path, "--growth", "--growth-small", "20", "--growth-large", "60", "--growth-comments-per-post", "3",
        "--growth-requests", "5",
    )  # fmt: skip
    assert results["problems"] == []
    targets = {target["name"]: target["verdict"] for target in results["targets"]}
    for page in ("front", "post", "tag", "archive", "sitemap"):
        assert targets[f"(4) uncached p50, {page}, 20 → 60 posts"] in {"PASS", "FAIL"}
    assert targets["(4) generating 60 posts and 180 comments"] == "report"
    growth = results["growth"]
    assert growth["60"]["database"]["posts"] > growth["20"]["database"]["posts"]
    assert growth["20"]["pages"]["tag"]["path"] == growth["60"]["pages"]["tag"]["path"]
