"""A folder served over HTTP in a test, as a plain static host would serve it: Python's http.server on loopback."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx


@contextmanager
def static_server(folder, port, log=None):
    """Python's http.server on 127.0.0.1:port serving folder, its request log in the file `log` (or dropped)."""
    with open(log if log is not None else os.devnull, "wb") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(10)
