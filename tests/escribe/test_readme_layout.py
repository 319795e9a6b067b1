"""The Layout section (docs/LAYOUT.md) matches the tree: what it names exists, and every app module is named.

How a name in the section is read:

- The fenced block holds one paragraph per top-level folder: a line that starts
  in the first column (`blog/  ...`) opens it, indented lines continue it. The
  folder must exist.
- A path token (`rendering.py`, `wordpress/`, `markdown/importer.py`,
  `gunicorn.conf.py`, `DEPLOY.md`) is resolved relative to the paragraph's
  folder, except inside the parentheses right after a folder token:
  `wordpress/ (reader.py ...)` names `wordpress/reader.py`. Text in backticks
  (a command, or a git-ignored path made at run time) is not read.
- At the top level of an app's paragraph, Django's conventional module names
  may be written bare (`views, feeds, admin`), and a leading list of model classes
  (`Post, Tag (...), Upload;`) stands for models.py.

Every Python module of the apps must be named, except `__init__.py` and
`apps.py` (every app and package has them, they say nothing), `migrations/`
(Django's numbered history) and `management/commands/` (docs/CONFIGURATION.md's
Commands section lists the commands). Every model of an app must be named too.
"""

import re
from pathlib import Path

from django.apps import apps

REPO = Path(__file__).resolve().parents[2]
APPS = ("blog", "comments", "moving", "escribe")
BARE = {"admin", "feeds", "forms", "settings", "sitemaps", "urls", "views", "wsgi"}
NOT_LISTED = {"__init__.py", "apps.py"}
TOKEN = re.compile(r"(?P<open>\()|(?P<close>\))|(?P<word>[\w-]+(?:[./][\w-]+)*/?)")
PATH = re.compile(r"[\w.-]+(?:/[\w.-]+)*/|[\w./-]*\.(?:py|md|html|css|png)")


def layout_paragraphs(text):
    """{folder: its paragraph's text} from the first fenced block under "## Layout"."""
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    paragraphs = {}
    folder = None
    for line in block.splitlines()[1:]:
        if line[:1].strip():
            folder, _, line = line.partition(" ")
            paragraphs[folder] = ""
        paragraphs[folder] += " " + line.strip()
    return {folder: re.sub(r"`[^`]*`", "", body) for folder, body in paragraphs.items()}


def named_paths(folder, body):
    """The repository paths a paragraph names, each with the token that named it."""
    app = folder.rstrip("/") in APPS
    bases = [folder]
    last_dir, last_end = None, -1
    for match in TOKEN.finditer(body):
        if match["open"]:
            follows_dir = last_dir and not body[last_end : match.start()].strip()
            bases.append(bases[-1] + last_dir if follows_dir else bases[-1])
        elif match["close"]:
            bases.pop()
        elif PATH.fullmatch(match["word"]):
            yield bases[-1] + match["word"], match["word"]
        elif app and len(bases) == 1 and match["word"] in BARE:
            yield bases[-1] + match["word"] + ".py", match["word"]
        last_dir = match["word"] if match["word"] and match["word"].endswith("/") else None
        last_end = match.end()


def model_list(body):
    """The leading list of model classes (`Post, Tag (...), Upload;`), or nothing."""
    names = [name.strip() for name in re.sub(r"\([^)]*\)", "", body.split(";")[0]).split(",")]
    return names if all(re.fullmatch(r"[A-Z]\w*", name) for name in names) else []


def app_modules(app):
    """The app's Python modules a reader should find in the Layout, as repository paths."""
    for path in sorted((REPO / app).rglob("*.py")):
        parts = path.relative_to(REPO / app).parts
        if path.name in NOT_LISTED or parts[0] == "migrations" or parts[:2] == ("management", "commands"):
            continue
        yield path.relative_to(REPO).as_posix()


PARAGRAPHS = layout_paragraphs((REPO / "docs" / "LAYOUT.md").read_text())


def test_every_folder_and_path_named_exists():
    missing = [f"{folder} is not a folder of the repository" for folder in PARAGRAPHS if not (REPO / folder).is_dir()]
    for folder, body in PARAGRAPHS.items():
        for path, token in named_paths(folder, body):
            if not (REPO / path).exists():
                missing.append(f"{folder} names {path} ({token!r}), which does not exist")
    assert not missing, "docs/LAYOUT.md names what is not in the tree:\n" + "\n".join(missing)


def test_every_model_named_exists():
    stale = []
    for app in APPS:
        models = {model.__name__ for model in apps.get_app_config(app).get_models()}
        stale += [
            f"{app}/ names model {name}, which {app} does not define"
            for name in model_list(PARAGRAPHS[app + "/"])
            if name not in models
        ]
    assert not stale, "docs/LAYOUT.md names models that are gone:\n" + "\n".join(stale)


def test_every_app_module_and_model_is_named():
    unnamed = []
    for app in APPS:
        body = PARAGRAPHS[app + "/"]
        named = {path for path, _ in named_paths(app + "/", body)}
        models = sorted(model.__name__ for model in apps.get_app_config(app).get_models())
        if model_list(body):
            named.add(f"{app}/models.py")
        unnamed += [f"module {path}" for path in app_modules(app) if path not in named]
        unnamed += [f"model {app}.{name}" for name in models if not re.search(rf"\b{name}\b", body)]
    assert not unnamed, "docs/LAYOUT.md does not name:\n" + "\n".join(sorted(set(unnamed)))
