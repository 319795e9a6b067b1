"""Finding the system programs some tests drive (nginx, Chromium, Java)."""

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
    message = f"{name} is not installed (`.ci/run` installs it with apt-get)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must have it")
    pytest.skip(message)
