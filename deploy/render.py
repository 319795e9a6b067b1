"""Render a deploy/ template: replace every @@NAME@@ placeholder with a value.

    python deploy/render.py deploy/nginx/escribe.conf \
        --set SERVER_NAME=blog.example.com --set HTTP_PORT=80 ... > escribe.conf

Standard library only, so it runs on a bare server before any venv exists.
It fails loudly, naming every problem at once: a placeholder the template uses
but no value was given for, a value given for a name the template does not
use (a typo would otherwise pass silently), an empty value, or a value holding
a line break. HTTPS_PORT_SUFFIX is derived from HTTPS_PORT unless it is given:
"" for 443, ":<port>" otherwise (for redirects that keep a non-default port).
"""

import argparse
import re
import sys
from pathlib import Path

PLACEHOLDER = re.compile(r"@@([A-Z][A-Z0-9_]*)@@")
# Anything left that looks like a broken placeholder ("@@name@@", "@@ NAME@@").
LEFTOVER = re.compile(r"@@[^@\s]*@@")
# Values the renderer works out itself when the template asks for them.
DERIVED = {
    "HTTPS_PORT_SUFFIX": lambda values: "" if values["HTTPS_PORT"] == "443" else f":{values['HTTPS_PORT']}",
}
# Names that may legitimately be empty.
MAY_BE_EMPTY = {"HTTPS_PORT_SUFFIX"}


class RenderError(ValueError):
    """The template and the values given do not match."""


def placeholders(text):
    """The placeholder names a template uses."""
    return set(PLACEHOLDER.findall(text))


def render(text, **values):
    """The template text with every @@NAME@@ replaced; raises RenderError on any mismatch."""
    values = {name: str(value) for name, value in values.items()}
    used = placeholders(text)
    for name, derive in DERIVED.items():
        if name in used and name not in values:
            try:
                values[name] = derive(values)
            except KeyError as missing:
                raise RenderError(f"{name} is derived from {missing.args[0]}, which was not given") from None
    problems = []
    missing = sorted(used - values.keys())
    if missing:
        problems.append("no value for " + ", ".join(missing))
    # A derived input (HTTPS_PORT) counts as used when its result is.
    inputs = {"HTTPS_PORT"} if "HTTPS_PORT_SUFFIX" in used else set()
    unknown = sorted(values.keys() - used - inputs - DERIVED.keys())
    if unknown:
        problems.append("the template has no placeholder " + ", ".join(unknown))
    for name, value in sorted(values.items()):
        if "\n" in value or "\r" in value:
            problems.append(f"{name} holds a line break")
        if not value and name not in MAY_BE_EMPTY and name in used:
            problems.append(f"{name} is empty")
    if problems:
        raise RenderError("; ".join(problems))
    rendered = PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
    leftover = LEFTOVER.findall(rendered)
    if leftover:
        raise RenderError("malformed placeholders: " + ", ".join(sorted(set(leftover))))
    return rendered


def render_file(path, **values):
    """render() on a template file; the error names the file."""
    try:
        return render(Path(path).read_text(), **values)
    except RenderError as error:
        raise RenderError(f"{path}: {error}") from None


def _assignment(text):
    name, sep, value = text.partition("=")
    if not sep or not PLACEHOLDER.fullmatch(f"@@{name}@@"):
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with an upper-case NAME, not {text!r}")
    return name, value


def main(argv=None):
    parser = argparse.ArgumentParser(description="Replace @@NAME@@ placeholders in a deploy template.")
    parser.add_argument("template", help="the template file, e.g. deploy/nginx/escribe.conf")
    parser.add_argument(
        "--set", dest="values", metavar="NAME=VALUE", type=_assignment, action="append", default=[],
        help="a placeholder's value (repeat for each placeholder)",
    )
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    parser.add_argument("--list", action="store_true", help="only list the template's placeholders")
    args = parser.parse_args(argv)
    if args.list:
        names = placeholders(Path(args.template).read_text())
        for name in sorted(names):
            print(f"{name} (derived)" if name in DERIVED else name)
        return 0
    values = dict(args.values)
    if len(values) != len(args.values):
        parser.error("a NAME was given twice")
    try:
        rendered = render_file(args.template, **values)
    except (RenderError, OSError) as error:
        print(f"render.py: {error}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(rendered)
    else:
        sys.stdout.write(rendered)
    return 0


if __name__ == "__main__":
    sys.exit(main())
