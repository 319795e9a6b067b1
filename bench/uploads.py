"""Upload benchmark: what the author waits for, and what a worker holds, when an image is uploaded.

    .venv/bin/python -m bench.uploads                  # 1200×800, 4000×3000 and 8000×6000 photos
    .venv/bin/python -m bench.uploads --rounds 5

Each size runs in a fresh process on a throwaway SQLite database and media
folder: a photo-like JPEG (noise over a gradient, so it compresses like a
photo, not like a flat colour) is stored as the admin stores it
(`Upload.full_clean()` then `save()`: the checks, the original, the 800 and
1600 px copies and the WebP ones). Reported: the median seconds of a save,
the process's peak resident memory after it (Pillow decodes the whole image),
and the bytes of the original and of each copy.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(1200, 800), (4000, 3000), (8000, 6000)]


def photo(width, height):
    from io import BytesIO

    from PIL import Image

    noise = Image.effect_noise((width, height), 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buffer = BytesIO()
    Image.blend(noise, gradient, 0.6).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def peak_memory_mb():
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return None


def measure(path, rounds):
    """Runs inside a fresh process (the photo made beforehand, so as not to count its making): prints JSON."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from PIL import Image

    from blog.models import Upload

    call_command("migrate", verbosity=0)
    content = Path(path).read_bytes()
    times = []
    for n in range(rounds):
        item = Upload(file=SimpleUploadedFile(f"photo-{n}.jpg", content))
        started = time.perf_counter()
        item.full_clean()
        item.save()
        times.append(time.perf_counter() - started)
    copies = {f"{v['width']} {v['type'].split('/')[1]}": item.file.storage.size(v["name"]) for v in item.variants}
    print(
        json.dumps(
            {
                "size": "×".join(map(str, Image.open(path).size)),
                "seconds_p50": round(statistics.median(times), 2),
                "peak_rss_mb": peak_memory_mb(),
                "original_kb": round(len(content) / 1024),
                "copies_kb": {name: round(size / 1024) for name, size in copies.items()},
            },
            ensure_ascii=False,
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed for one size")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.rounds)
        return
    for width, height in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "photo.jpg"
            path.write_bytes(photo(width, height))
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "escribe.settings",
                "ESCRIBE_SECRET_KEY": "bench-only",
                "ESCRIBE_DB_PATH": str(Path(folder) / "bench.sqlite3"),
                "ESCRIBE_MEDIA_ROOT": str(Path(folder) / "media"),
                "ESCRIBE_UPLOAD_MAX_MB": "100",
                "ESCRIBE_LOG_LEVEL": "WARNING",
            }
            command = [sys.executable, "-m", "bench.uploads", "--measure", str(path)]
            command += ["--rounds", str(args.rounds)]
            result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.timeout)
            if result.returncode:
                sys.exit(f"{width}×{height} failed:\n{result.stderr}")
            print(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
