"""A theme folder applied to a test as ESCRIBE_THEME_DIR applies it at start-up (escribe/settings.py)."""

import copy
from pathlib import Path

from django.conf import settings

from escribe import theme

EXAMPLE = Path(__file__).resolve().parents[2] / "themes" / "example"


def theme_settings(folder=EXAMPLE):
    """override_settings' arguments for the theme in `folder`: its templates and static files first.

    tests/escribe/test_theme.py checks, in a fresh process, that settings.py
    puts the folders where this puts them.
    """
    path = theme.folder(str(folder))
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*theme.dirs(path, "templates"), *settings.TEMPLATES[0]["DIRS"]]
    return {
        "THEME_DIR": path,
        "TEMPLATES": templates,
        "STATICFILES_DIRS": [*theme.dirs(path, "static"), *settings.STATICFILES_DIRS],
    }
