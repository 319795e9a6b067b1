"""Running one step's command as root, and writing a file only when it changes: what every step uses."""

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
    """Write `text` to `path` if it differs; True when it did. The old content is returned to undo with."""
    path = Path(path)
    old = path.read_text() if path.exists() else None
    if old != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    path.chmod(mode)
    return old
