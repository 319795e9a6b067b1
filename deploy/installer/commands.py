"""Running one step's command as root, and writing a file only when it changes: what every step uses."""

import os
import subprocess
from pathlib import Path


class StepFailed(Exception):
    """A step failed; the message names it and carries its output."""

    def __init__(self, step, output):
        super().__init__(f"step {step!r} failed:\n{output.strip()}")
        self.step = step


def run(step, argv, timeout=1800, **options):
    """Run a command as root; its output, or StepFailed naming the step."""
    try:
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                timeout=timeout, **options)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StepFailed(step, f"{' '.join(map(str, argv))}: {error}") from None
    if result.returncode != 0:
        raise StepFailed(step, f"$ {' '.join(map(str, argv))}\n{result.stdout}")
    return result.stdout


def write(path, text, mode=0o644):
    """Write `text` to `path` (with `mode`) if it differs; returns the old text (None: no file), to undo with."""
    path = Path(path)
    old = path.read_text() if path.exists() else None
    if old != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created with its mode: a secret is never readable by others, not even for a moment.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w") as file:
            file.write(text)
    path.chmod(mode)
    return old


def undo(path, old):
    """Put back what write() replaced: the old text it returned, or no file when it returned None."""
    path = Path(path)
    if old is None:
        path.unlink()
    else:
        path.write_text(old)
