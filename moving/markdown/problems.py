"""Every problem of a folder found in one run, so the author fixes them all at once rather than one per run."""

from contextlib import contextmanager

from blog.frontmatter import FrontMatterError


class Problems:
    """Problems collected while reading a folder; raise_any() refuses the folder with all of them, one a line."""

    def __init__(self):
        self.lines = []

    def add(self, line):
        self.lines.append(line)

    @contextmanager
    def collect(self):
        """Note a FrontMatterError raised inside the block and go on with the next file."""
        try:
            yield
        except FrontMatterError as error:
            self.lines.append(str(error))

    def raise_any(self):
        if self.lines:
            raise FrontMatterError("\n".join(dict.fromkeys(self.lines)))
