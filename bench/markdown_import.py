"""Markdown import benchmark: seconds to bring in an Octopress blog of 319 posts with its images, and to run again.

    .venv/bin/python -m bench.markdown_import
    .venv/bin/python -m bench.markdown_import --posts 1000

The blog is tests/support/real_blog.py's (generated text, 48 PNGs of which a few
are 1200 px wide and get resized copies, a PDF, 110 weekly links posts).
Each run is `manage.py import_markdown` in its own process, as an author
runs it, on a fresh SQLite database and media folder in a temporary
directory (migrated beforehand, not timed). Reported: wall seconds of the
first import and of the second (which changes nothing), and what was made.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=319)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.support.real_blog import octopress_blog

    with tempfile.TemporaryDirectory(prefix="escribe-bench-md-") as folder:
        folder = Path(folder)
        blog = octopress_blog(folder / "blog", posts=options.posts)
        env = {
            **os.environ,
            "ESCRIBE_DB_PATH": str(folder / "db.sqlite3"),
            "ESCRIBE_MEDIA_ROOT": str(folder / "media"),
            "DJANGO_SETTINGS_MODULE": "escribe.settings",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True)
        rows = [("posts on disk", len(blog.posts)), ("files on disk", len(blog.files))]
        for label in ("first import", "second import"):
            started = time.perf_counter()
            done = subprocess.run(
                [*manage, "import_markdown", str(blog.root)], env=env, check=True, capture_output=True, text=True
            )
            rows.append((f"{label} (s)", round(time.perf_counter() - started, 2)))
            rows.append((f"{label}: report", done.stdout.strip().splitlines()[-1]))
        media = [path for path in (folder / "media").rglob("*") if path.is_file()]
        rows.append(("files in the media folder", len(media)))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
