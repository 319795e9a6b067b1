"""Writing a folder of files as another blog left it, and running import_markdown on it, for the import tests."""

from pathlib import Path

from tests.support.commands import run_both


def write(folder, name, data):
    """The file `name` under `folder` (its folders made), holding `data`: text (UTF-8) or bytes."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data, encoding="utf-8")
    return path


def run(*args):
    """import_markdown with `args` (folders and options); its (stdout, stderr)."""
    return run_both("import_markdown", *map(str, args))
