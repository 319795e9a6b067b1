"""gunicorn settings for E-Scribe (read with `gunicorn -c deploy/gunicorn.conf.py escribe.wsgi`).

Every value can be overridden from the environment, so the systemd unit, the
stack test and `make run` share this one file.
"""

import os

wsgi_app = "escribe.wsgi:application"

# nginx talks to gunicorn over a unix socket; `make run` passes --bind instead.
bind = os.environ.get("ESCRIBE_GUNICORN_BIND", "unix:/run/escribe/gunicorn.sock")
umask = 0o007

# A few processes use the cores; threads in each keep readers served while
# commenters wait on Akismet (network time, the GIL is free meanwhile) and
# let clients keep their connections alive.
workers = int(os.environ.get("ESCRIBE_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("ESCRIBE_THREADS", "16"))

# Longer than the worst legitimate request: SQLite's 20 s busy timeout plus
# Akismet's timeout (5 s by default) plus rendering.
timeout = int(os.environ.get("ESCRIBE_GUNICORN_TIMEOUT", "40"))
graceful_timeout = 30
# No keep-alive: behind nginx every request arrives on a new connection
# anyway (nginx speaks HTTP/1.0 to its upstream), and a client keeping a
# connection stays with the worker that accepted it: a few busy clients could
# pile onto one worker (one core, one GIL) while the others idled. Measured
# straight to gunicorn, 16 keep-alive clients on uncached post pages got
# anywhere from 70 to 230 requests/s; without keep-alive, 200-245.
keepalive = 0

# Recycle workers now and then so slow leaks never grow; jitter keeps them
# from all restarting at once.
max_requests = int(os.environ.get("ESCRIBE_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10

# The access log shows the client's address as nginx saw it.
accesslog = os.environ.get("ESCRIBE_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# Which peers gunicorn believes about the scheme (X-Forwarded-Proto) over TCP.
# On the unix socket gunicorn believes every peer: the socket is 0770 and
# group www-data, so that is nginx alone.
forwarded_allow_ips = os.environ.get("ESCRIBE_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "escribe"

# gunicorn 25.1+ also opens a control socket for `gunicornc`, by default
# ~/.gunicorn/gunicorn.ctl: one path shared by every gunicorn of the user
# (`make run` and the stack test would unlink each other's), and not writable
# under the systemd unit's ProtectSystem=strict. Signals do the same job
# (`systemctl reload escribe` sends HUP).
control_socket_disable = True


def post_worker_init(worker):
    """Each worker checks and watches the page files (escribe/pages.py) and sends the comment mail (comments/outbox.py).

    A scheduled post's time makes every page file stale with no write to
    announce it: the watcher switches to fresh files then, so nothing but the
    site needs to run. Several workers watching is fine: the switch happens once.
    """
    from comments import outbox
    from escribe import pages

    # Page files written with other settings (a new ESCRIBE_SITE_URL, say) go
    # stale now, before this worker serves anyone; the first worker switches, the others find it done.
    try:
        if pages.refresh_if_settings_changed():
            worker.log.info("The settings changed since the page files were written: they are stale now")
    except Exception:
        # A full disk, say: the switch failed closed (no `current`), so nginx sends readers to Django.
        worker.log.exception("Could not compare the page files' settings")
    if pages.watch():
        worker.log.info("Watching the page files in %s for changes on any host and for expiry", pages.root())
    # The author's comment mail goes out from this thread, never a request's.
    outbox.start_sender()
