"""gunicorn settings for the stack's fault tests: deploy/gunicorn.conf.py as it is, plus Akismet on loopback.

Every worker's Akismet client is the real one, talking real HTTP to
tests/fake_services.py on FAKE_AKISMET_PORT instead of rest.akismet.com.
"""

import os
from pathlib import Path

_DEPLOY_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
exec(compile(_DEPLOY_CONFIG.read_text(), str(_DEPLOY_CONFIG), "exec"))  # noqa: S102 - our own config file

_deploy_post_worker_init = globals().get("post_worker_init")


def post_worker_init(worker):
    if _deploy_post_worker_init is not None:
        _deploy_post_worker_init(worker)
    from tests.fake_services import install_loopback_akismet

    install_loopback_akismet(int(os.environ["FAKE_AKISMET_PORT"]))
