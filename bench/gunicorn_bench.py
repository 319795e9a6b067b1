"""gunicorn settings for the benchmark: deploy/gunicorn.conf.py as it is, plus a slow offline Akismet.

    gunicorn -c bench/gunicorn_bench.py ...

Every worker answers comment checks with bench/slow_akismet.py's client
(ham after ESCRIBE_BENCH_AKISMET_DELAY seconds). Production code and the
deploy config stay untouched: their values are read from the file itself.
"""

from pathlib import Path

_DEPLOY_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
exec(compile(_DEPLOY_CONFIG.read_text(), str(_DEPLOY_CONFIG), "exec"))  # noqa: S102 - our own config file

_deploy_post_worker_init = globals().get("post_worker_init")


def post_worker_init(worker):
    if _deploy_post_worker_init is not None:
        _deploy_post_worker_init(worker)
    from bench.slow_akismet import install

    client = install()
    worker.log.info("bench: Akismet answers ham after %.3f s (timeout %.1f s)", client.delay, client.timeout)
