"""gunicorn settings for the stack's fault tests: deploy/gunicorn.conf.py as it is, plus Akismet on loopback.

Every worker's Akismet client is the real one, talking real HTTP to
tests/support/fake_services.py on FAKE_AKISMET_PORT instead of rest.akismet.com.
"""

import os

from tools.localstack import extend_gunicorn_config


def _akismet_on_loopback(worker):
    from tests.support.fake_services import install_loopback_akismet

    install_loopback_akismet(int(os.environ["FAKE_AKISMET_PORT"]))


extend_gunicorn_config(globals(), _akismet_on_loopback)
