"""Finding the system programs and tools some tests drive (nginx, Chromium, Java, axe-core)."""

import os
import shutil

import pytest


def require_program(name, *fallbacks):
    """The program's path; skip visibly when it is missing, but fail under CI."""
    for candidate in (name, *fallbacks):
        executable = os.path.isabs(candidate) and os.access(candidate, os.X_OK)
        path = shutil.which(candidate) or (candidate if executable else None)
        if path:
            return path
    missing(f"{name} is not installed (`.ci/run` installs it with apt-get)")


def missing(message):
    """Skip the test visibly because something it needs is missing; under CI, fail it instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must have it")
    pytest.skip(message)
