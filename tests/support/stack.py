"""The `stack` fixture: the real production stack on loopback, nginx (deploy/nginx) in front of gunicorn.

The launcher itself is tools/localstack.py, shared with the benchmark: a
throw-away install in a temporary prefix (its own database, static files,
certificate and ports; with ESCRIBE_DATABASE_URL set, a new database on that
PostgreSQL server, dropped afterwards), the nginx site rendered with
deploy/render.py exactly as docs/DEPLOY.md does, gunicorn with
deploy/gunicorn.conf.py and the production settings. Every wait is bounded; on
a failing test the tails of all logs are attached to the report.
"""

from contextlib import contextmanager

import pytest

from tests.support.system import require_program
from tools.localstack import (  # noqa: F401  (re-exported for the stack tests)
    HOST,
    REPO,
    build,
    drop_database,
    make_certificate,
    production_env,
    run_manage,
    running,
)


class LogsOnFailure:
    """A plugin, registered while the stack runs, that attaches the stack's logs to failing tests."""

    def __init__(self, stack, fixture="stack"):
        self.stack = stack
        self.fixture = fixture

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.failed and self.fixture in getattr(item, "fixturenames", ()):
            report.sections.append(("stack logs", self.stack.log_tails()))
        return report


def built_stack(tmp_path_factory, name="stack"):
    """A stack built (not started) in a new temporary prefix; skips without nginx or openssl (fails under CI)."""
    nginx = require_program("nginx", "/usr/sbin/nginx")
    openssl = require_program("openssl", "/usr/bin/openssl")
    return build(tmp_path_factory.mktemp(name), nginx, openssl)


@contextmanager
def serving(request, built, **running_options):
    """Run a built stack for a test module: its logs on every failing test, its database dropped afterwards."""
    plugin = LogsOnFailure(built)
    request.config.pluginmanager.register(plugin)
    try:
        with running(built, **running_options):
            yield built
    finally:
        request.config.pluginmanager.unregister(plugin)
        drop_database(built)


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """nginx + gunicorn with the production settings on 127.0.0.1, shared by a test module."""
    with serving(request, built_stack(tmp_path_factory)) as built:
        yield built
