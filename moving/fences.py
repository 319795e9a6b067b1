"""Markdown fences in another engine's post: where they are (Fences), and how code is written as one (fence_for)."""

import re

# A line that could close a backtick fence: a run of backticks at its start. CommonMark allows up to
# three spaces before a closing fence and other Markdown engines more; counting any indent is safe for all.
_LINE_START_BACKTICKS = re.compile(r"^[ \t]*(`+)", re.MULTILINE)


def fence_for(code: str) -> str:
    """The backtick fence for `code`: three backticks, or one more than the longest run starting a line.

    A run in the middle of a line (say ```hi```) closes no fence anywhere, so it
    does not lengthen it; tildes close only a tilde fence, never this one.
    """
    longest = max((len(run) for run in _LINE_START_BACKTICKS.findall(code)), default=0)
    return "`" * max(3, longest + 1)


# An opening fence (``` or ~~~, then maybe an info string), as CommonMark and kramdown read it.
_FENCE_OPEN = re.compile(r"(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)")


class Fences:
    """Which lines of a post are fenced code, fed one line at a time (a converter may replace what it reads).

    As CommonMark and kramdown read them: a fence closes only on a line of its
    own character, at least as long, with nothing after it ("```python" inside
    a fence is code), and a backtick opener whose info string holds a backtick
    opens nothing.
    """

    def __init__(self):
        self.fence = None

    def feed(self, line: str) -> tuple[bool, re.Match | None]:
        """(whether the line is fenced code, the fence's opening if the line opens one)."""
        text = line.rstrip("\r\n")
        if self.fence is not None:
            if re.fullmatch(rf" {{0,3}}{re.escape(self.fence[0])}{{{len(self.fence)},}}[ \t]*", text):
                self.fence = None
            return True, None
        opening = _FENCE_OPEN.fullmatch(text)
        if opening and not (opening["fence"][0] == "`" and "`" in opening["info"]):
            self.fence = opening["fence"]
            return True, opening
        return False, None
