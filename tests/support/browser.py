"""Launching the distribution's Chromium through Playwright."""

import os
import re
from pathlib import Path

import pytest
from django.db import connections

from tests.support.system import require_program

# Screenshots the browser tests take, kept for a person to look at after a run
# (CI keeps the folder as its artefacts); git ignores it.
ARTEFACTS_DIR = Path(os.environ.get("ESCRIBE_ARTEFACTS_DIR", Path(__file__).resolve().parents[2] / "artefacts"))


def log_in(page, base_url, username, password):
    """Sign in through the admin's own login form, as a person would."""
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def save_screenshot(page, name, *, full_page=True):
    """Save the page as artefacts/screenshots/<name>.png and return the path."""
    folder = ARTEFACTS_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^\w.-]+", "-", name).strip("-") + ".png")
    page.screenshot(path=str(path), full_page=full_page)
    return path


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # This machine has no network: without these Chromium keeps dialling out.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    executable = require_program("chromium", "chromium-browser", "/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # refuses to run beside one unless told this thread is not async code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
            # Code under Playwright's sync API runs in a context of its own, so
            # the test's ORM calls got connections of their own: close them, or
            # PostgreSQL refuses to drop the test database at the end.
            connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
