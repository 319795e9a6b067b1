"""The theme folder (ESCRIBE_THEME_DIR): the author's templates and static files before the built-in ones.

The settings read the folder once, when they load; base.html asks once per
process whether the theme has a custom stylesheet. No request looks at the disk.
"""

import functools
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PARTS = ("templates", "static")
# Linked after the site's own stylesheets through {% static %}: a hashed name and
# the far-future cache like every static file, nothing inline for the CSP to allow.
CUSTOM_CSS = "css/custom.css"


def folder(value):
    """The theme folder ESCRIBE_THEME_DIR names, as an absolute path; None when it is unset."""
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise ImproperlyConfigured(f"ESCRIBE_THEME_DIR: {value!r} is not a folder")
    # A theme with neither part changes nothing: most likely the path points one level too deep or too high.
    if not any((path / part).is_dir() for part in PARTS):
        raise ImproperlyConfigured(f"ESCRIBE_THEME_DIR: {value!r} holds neither templates/ nor static/")
    return path


def dirs(theme, part):
    """The theme's `part` folder as a list to put before the built-in one: empty without a theme or that part."""
    return [theme / part] if theme and (theme / part).is_dir() else []


@functools.cache
def custom_css(theme):
    """CUSTOM_CSS when the theme has that file, else "": looked up once per process and theme."""
    return CUSTOM_CSS if theme and (Path(theme) / "static" / CUSTOM_CSS).is_file() else ""
