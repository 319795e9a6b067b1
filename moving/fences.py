"""How a block of code is written as a Markdown fence that nothing in the code can close early."""

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
