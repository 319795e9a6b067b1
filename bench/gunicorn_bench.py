"""gunicorn settings for the benchmark: deploy/gunicorn.conf.py as it is, plus a slow offline Akismet.

    gunicorn -c bench/gunicorn_bench.py ...

Every worker answers comment checks with bench/slow_akismet.py's client
(ham after ESCRIBE_BENCH_AKISMET_DELAY seconds). Production code and the
deploy config stay untouched: their values are read from the file itself.
"""

from tools.localstack import extend_gunicorn_config


def _slow_akismet(worker):
    from bench.slow_akismet import install

    client = install()
    worker.log.info("bench: Akismet answers ham after %.3f s (timeout %.1f s)", client.delay, client.timeout)


extend_gunicorn_config(globals(), _slow_akismet)
