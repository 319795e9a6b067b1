"""Render a deploy/ template: replace every @@NAME@@ placeholder with a value.

    python deploy/render.py deploy/nginx/escribe.conf \
        --set SERVER_NAME=blog.example.com --set HTTP_PORT=80 ... > escribe.conf

Standard library only, so it runs on a bare server before any venv exists.
It fails loudly, naming every problem at once: a placeholder the template uses
but no value was given for, a value given for a name the template does not
use (a typo would otherwise pass silently), an empty value, or a value holding
a line break. HTTPS_PORT_SUFFIX is derived from HTTPS_PORT unless it is given:
"" for 443, ":<port>" otherwise (for redirects that keep a non-default port).
HTTP_LISTEN and HTTPS_LISTEN, the addresses a server listens on, are derived
from the ports too: every IPv4 and IPv6 address ("80", "[::]:80"), or, when
LISTEN_ADDRESS is given, that one address only ("127.0.0.2:80": several app
hosts on one machine, tools/stack.py).

Two more shapes, so one template serves every mode of a site rather than
copies that drift apart:
- a section between a line "@@IF NAME@@" (or "@@IF NOT NAME@@") and a line
  "@@END@@" is kept only when the flag NAME is on (off); a flag not given is
  off, and a flag given that the template never tests is refused;
- a list value (repeated --each NAME=VALUE) repeats every line that uses it,
  once per item: "set_real_ip_from @@PROXY@@;" for each proxy address.
Placeholders in a section left out need no value.
"""

import argparse
import re
import sys
from pathlib import Path

PLACEHOLDER = re.compile(r"@@([A-Z][A-Z0-9_]*)@@")
SECTION = re.compile(r"^[ \t]*@@(?:IF (NOT )?([A-Z][A-Z0-9_]*)|(END))@@[ \t]*$")
# Anything left that looks like a broken placeholder ("@@name@@", "@@ NAME@@").
LEFTOVER = re.compile(r"@@[^@\s]*@@")
# Values the renderer works out itself when the template asks for them.
DERIVED = {
    "HTTPS_PORT_SUFFIX": lambda values: "" if values["HTTPS_PORT"] == "443" else f":{values['HTTPS_PORT']}",
}


def _listen(port):
    def derive(values):
        if values.get("LISTEN_ADDRESS"):
            return [f"{values['LISTEN_ADDRESS']}:{values[port]}"]
        return [values[port], f"[::]:{values[port]}"]

    return derive


# Lists worked out the same way; LISTEN_ADDRESS is optional.
DERIVED_LISTS = {"HTTP_LISTEN": _listen("HTTP_PORT"), "HTTPS_LISTEN": _listen("HTTPS_PORT")}
# Names that may legitimately be empty.
MAY_BE_EMPTY = {"HTTPS_PORT_SUFFIX"}


class RenderError(ValueError):
    """The template and the values given do not match."""


def placeholders(text):
    """The placeholder names a template uses."""
    return set(PLACEHOLDER.findall(text))


def flags_used(text):
    """The flag names a template's sections test."""
    return {match.group(2) for match in map(SECTION.match, text.splitlines()) if match and match.group(2)}


def sections(text, flags):
    """The template's lines with each section kept or left out by its flag; raises RenderError on bad markers."""
    kept, open_at, keep = [], None, True
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        marker = SECTION.match(line)
        if not marker:
            if keep:
                kept.append(line)
            continue
        negated, name, end = marker.groups()
        if end and open_at is None:
            raise RenderError(f"line {number}: @@END@@ without an @@IF@@")
        if not end and open_at is not None:
            # Nesting would make the marker's reach hard to read in an nginx file.
            raise RenderError(f"line {number}: a section inside the section opened on line {open_at}")
        if end:
            open_at, keep = None, True
        else:
            open_at, keep = number, bool(flags.get(name)) != bool(negated)
    if open_at is not None:
        raise RenderError(f"line {open_at}: a section never closed by @@END@@")
    return "".join(kept)


def _expand_lists(text, lists):
    """Each line holding a list placeholder, once per item (a line may hold one list at most)."""
    out = []
    for line in text.splitlines(keepends=True):
        names = [name for name in PLACEHOLDER.findall(line) if name in lists]
        if len(set(names)) > 1:
            raise RenderError(f"one line uses two lists: {', '.join(sorted(set(names)))}")
        if not names:
            out.append(line)
            continue
        out.extend(line.replace(f"@@{names[0]}@@", item) for item in lists[names[0]])
    return "".join(out)


def render(text, flags=None, **values):
    """The template text with its sections settled and every @@NAME@@ replaced; raises RenderError on a mismatch."""
    flags = dict(flags or {})
    unknown_flags = sorted(flags.keys() - flags_used(text))
    if unknown_flags:
        raise RenderError("the template has no section " + ", ".join(unknown_flags))
    everywhere = placeholders(text)
    text = sections(text, flags)
    lists = {name: [str(item) for item in value] for name, value in values.items() if isinstance(value, (list, tuple))}
    values = {name: str(value) for name, value in values.items() if name not in lists}
    used = placeholders(text)
    for name, derive in DERIVED_LISTS.items():
        if name in used and name not in lists:
            try:
                lists[name] = derive(values)
            except KeyError as missing:
                raise RenderError(f"{name} is derived from {missing.args[0]}, which was not given") from None
    for name, derive in DERIVED.items():
        if name in used and name not in values:
            try:
                values[name] = derive(values)
            except KeyError as missing:
                raise RenderError(f"{name} is derived from {missing.args[0]}, which was not given") from None
    problems = []
    missing = sorted(used - values.keys() - lists.keys())
    if missing:
        problems.append("no value for " + ", ".join(missing))
    # A derived input (HTTPS_PORT) counts as used when its result is.
    inputs = {"HTTPS_PORT"} if "HTTPS_PORT_SUFFIX" in everywhere else set()
    for name, port in (("HTTP_LISTEN", "HTTP_PORT"), ("HTTPS_LISTEN", "HTTPS_PORT")):
        inputs |= {port, "LISTEN_ADDRESS"} if name in everywhere else set()
    unknown = sorted((values.keys() | lists.keys()) - everywhere - inputs - DERIVED.keys() - DERIVED_LISTS.keys())
    if unknown:
        problems.append("the template has no placeholder " + ", ".join(unknown))
    for name, value in sorted(values.items()) + [(name, item) for name, items in lists.items() for item in items]:
        if "\n" in value or "\r" in value:
            problems.append(f"{name} holds a line break")
        if not value and name not in MAY_BE_EMPTY and name in used:
            problems.append(f"{name} is empty")
    for name in sorted(lists.keys() & used):
        if not lists[name]:
            problems.append(f"{name} is an empty list")
    if problems:
        raise RenderError("; ".join(problems))
    text = _expand_lists(text, lists)
    rendered = PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
    leftover = LEFTOVER.findall(rendered)
    if leftover:
        raise RenderError("malformed placeholders: " + ", ".join(sorted(set(leftover))))
    return rendered


def render_file(path, flags=None, **values):
    """render() on a template file; the error names the file."""
    try:
        return render(Path(path).read_text(), flags, **values)
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
        "--set",
        dest="values",
        metavar="NAME=VALUE",
        type=_assignment,
        action="append",
        default=[],
        help="a placeholder's value (repeat for each placeholder)",
    )
    parser.add_argument(
        "--each",
        dest="lists",
        metavar="NAME=VALUE",
        type=_assignment,
        action="append",
        default=[],
        help="one item of a list placeholder (repeat for each item; the lines using it repeat with them)",
    )
    parser.add_argument(
        "--flag",
        dest="flags",
        metavar="NAME",
        action="append",
        default=[],
        help="turn on the sections marked @@IF NAME@@ (and leave out @@IF NOT NAME@@)",
    )
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    parser.add_argument("--list", action="store_true", help="only list the template's placeholders")
    args = parser.parse_args(argv)
    if args.list:
        text = Path(args.template).read_text()
        names = placeholders(text) - {"END"}  # "@@END@@" closes a section: no placeholder
        for name in sorted(names):
            derived = name in DERIVED or name in DERIVED_LISTS
            print(f"{name} (derived)" if derived else name)
        if names & DERIVED_LISTS.keys():
            print("LISTEN_ADDRESS (optional)")
        for name in sorted(flags_used(text)):
            print(f"{name} (a flag: --flag {name})")
        return 0
    values = dict(args.values)
    if len(values) != len(args.values):
        parser.error("a NAME was given twice")
    for name, item in args.lists:
        if not isinstance(values.setdefault(name, []), list):
            parser.error(f"{name} was given with --set and --each")
        values[name].append(item)
    try:
        rendered = render_file(args.template, dict.fromkeys(args.flags, True), **values)
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
