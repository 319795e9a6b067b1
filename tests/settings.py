"""Test settings: the project's settings with test-only speed-ups.

The one settings module stays the truth; this only swaps what tests must not
depend on (collected static files, slow password hashing, real mail).
"""

import os
import tempfile

os.environ.setdefault("ESCRIBE_SECRET_KEY", "tests-only-not-secret")
# The test client speaks plain HTTP; production's HTTPS settings are checked
# by `check --deploy` and the stack test.
os.environ["ESCRIBE_HTTPS"] = "0"

from escribe.settings import *  # noqa: E402,F403

STORAGES = {
    **STORAGES,  # noqa: F405
    # Tests render templates without running collectstatic first.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# WhiteNoise warns about a missing STATIC_ROOT; tests never collect into it.
STATIC_ROOT = tempfile.mkdtemp(prefix="escribe-static-")
# Uploads made by tests land in a folder of their own, never in var/media.
MEDIA_ROOT = tempfile.mkdtemp(prefix="escribe-media-")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# No test touches the network: without a key the adapter never builds a client;
# tests that need one swap in a TestSyncClient subclass.
AKISMET_API_KEY = ""
