"""Running wrk and reading its report: the only place the benchmark starts wrk."""

import os
import re
import shlex
import subprocess
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TIMEOUT = 10  # seconds before wrk counts a request as timed out (an error)
# wrk stops by itself after its duration; this is how much longer we wait before killing it.
GRACE = 60
TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


class WrkError(RuntimeError):
    """wrk failed, hung or printed something we cannot read."""


def command(wrk, url, connections, seconds, headers=(), script=None):
    """The wrk command line: one thread per core at most, latency percentiles on."""
    threads = min(connections, os.cpu_count() or 1)
    line = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", f"{TIMEOUT}s"]
    for header in headers:
        line += ["-H", header]
    if script:
        line += ["-s", str(BENCH / script)]
    return [*line, url]


def start(line, env=None):
    """Start wrk in the background (the commenters run beside the readers)."""
    return subprocess.Popen(
        line, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
    )


def finish(process, seconds):
    """Wait for a started wrk (bounded), and return its report's text."""
    try:
        out, err = process.communicate(timeout=seconds + GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise WrkError(f"wrk did not finish: {shlex.join(process.args)}") from None
    if process.returncode != 0:
        raise WrkError(f"wrk exited {process.returncode}: {shlex.join(process.args)}\n{out}\n{err}")
    return out


def run(line, seconds, env=None):
    """Run wrk to the end and return its report's text."""
    process = start(line, env)
    try:
        return finish(process, seconds)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def parse(text):
    """requests/s, p50 and p99 (ms), errors and completed requests from a `wrk --latency` report.

    Errors are socket errors (connect, read, write, timeout) plus answers
    other than 2xx and 3xx.
    """
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", text, re.MULTILINE)
    if not rps or not total:
        raise WrkError(f"unexpected wrk output:\n{text}")
    latency = {
        int(share): float(value) * TIME_UNITS_MS[unit]
        for share, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.MULTILINE)
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
