"""What a code fence's opening line asks for after its language: a caption, a link, line numbers, marked lines.

Octopress, Jekyll and Hugo each spell these their own way, and posts moved
from them keep their spelling; all of these are understood:

    ```python models.py                          a caption (the words after the language)
    ```python title:"Hello world"  title="x"      a caption
    ```ruby Prime test http://example.com Source  Octopress: caption, then a link and its text
    ```python linenos  linenos=table|inline|true  line numbers (linenos=false, linenos:false: none)
    ```python linenostart=10  start:10            the first line's number
    ```python hl_lines="2 3"  hl_lines=[2,"4-5"]  marked lines (Octopress: mark:1,3-4)
    ```go {linenos=table,hl_lines=[2,"4-5"]}     Hugo's attribute block: the same options

Any other option is reported as a warning and never shown as the caption.
Pure string work: blog/rendering/highlight.py turns the result into HTML.
"""

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""(?P<url>https?://\S+)
      | (?P<braces>\{[^}]*\})
      | (?P<option>(?P<key>[A-Za-z_][\w-]*)(?P<sep>[=:])(?P<value>"[^"]*"|'[^']*'|\[[^\]]*\]|[^\s"']*))
      | (?P<word>\S+)""",
    re.VERBOSE,
)
_BRACED = re.compile(r"""(?P<key>[^\s,=}]+)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|\[[^\]]*\]|[^,\s}]*))?""")
# Octopress writes options as key:value; any other word with a colon (C:\code.py) is part of the caption.
_COLON_KEYS = {"title", "linenos", "mark", "start"}
_LINE_RANGE = re.compile(r"(\d{1,9})(?:-(\d{1,9}))?")
KNOWN = "title, linenos, linenostart, hl_lines; Octopress's mark:, start:, linenos:false"


@dataclass
class FenceInfo:
    caption: str = ""
    link_url: str = ""
    link_text: str = ""
    linenos: bool = False
    linenostart: int = 1
    marked: list[tuple[int, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def marked_lines(self, line_count):
        """The marked line numbers (the block's first line is 1) that exist in a block of line_count lines.

        Overlapping ranges are walked once: the work is bounded by the block's
        length, however many ranges the fence names.
        """
        lines, reach = [], 0
        for start, end in sorted(self.marked):
            last = min(end, line_count)
            lines.extend(range(max(start, reach + 1), last + 1))
            reach = max(reach, last)
        return lines


def parse_info(text):
    """The options of a fence's opening line after its language (see the module's docstring)."""
    info, words, title = FenceInfo(), [], None
    for token in _TOKEN.finditer(text):
        if token["url"]:
            info.link_url = token["url"]
            info.link_text = text[token.end() :].strip() or "link"
            break
        if token["braces"]:
            for option in _BRACED.finditer(token["braces"][1:-1]):
                title = _apply(info, option["key"], option["value"], option[0]) or title
        elif token["option"] and (token["sep"] == "=" or token["key"] in _COLON_KEYS):
            title = _apply(info, token["key"], token["value"], token[0]) or title
        elif token["word"] == "linenos":  # Jekyll's {% highlight ruby linenos %}, Hugo's bare flag
            info.linenos = True
        else:
            words.append(token[0])
    if title is not None and words:
        info.warnings.append(f"Code block: the words {' '.join(words)!r} beside a title are ignored.")
    info.caption = title if title is not None else " ".join(words)
    return info


def _apply(info, key, value, spelled):
    """Apply one option to info; returns the caption if the option is a title."""
    plain = _unquote(value) if value is not None else None
    if key == "title" and plain is not None:
        return plain
    if key == "linenos":
        setting = "true" if plain is None else plain.lower()
        if setting in {"true", "table", "inline", "1", ""}:
            info.linenos = True
        elif setting in {"false", "0"}:
            info.linenos = False
        else:
            info.warnings.append(f"Code block option {spelled!r}: linenos takes true, table, inline or false.")
    elif key in {"hl_lines", "mark", "mark_lines"}:
        for part in re.split(r"[,\s]+", (plain or "").strip("[]").strip()):
            numbers = _LINE_RANGE.fullmatch(_unquote(part))
            if numbers:
                start = int(numbers[1])
                info.marked.append((start, int(numbers[2] or start)))
            else:
                info.warnings.append(f"Code block option {spelled!r}: {part!r} is not a line or a range like 3-5.")
    elif key in {"linenostart", "start"}:
        if plain and plain.isdigit() and len(plain) <= 9:
            info.linenostart = int(plain)
        else:
            info.warnings.append(f"Code block option {spelled!r}: {key} takes the first line's number.")
    else:
        info.warnings.append(f"Code block option {spelled!r} is unknown and was ignored (known: {KNOWN}).")
    return None


def _unquote(value):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
