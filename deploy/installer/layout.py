"""Where an install keeps everything (docs/DEPLOY.md's table), and the choices it was made with.

Every system path hangs off `root` ("/" on a server): the installer test
passes a temporary folder, so it never writes the machine's own /etc.
"""

import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

USER = "escribe"
# nginx's user: it reads the socket, static files, page files and uploads.
WEB_GROUP = "www-data"
# Debian's own Python makes the virtualenv, whatever `python3` is first on PATH.
SYSTEM_PYTHON = "/usr/bin/python3"
PACKAGES = ["python3-venv", "git", "nginx", "sqlite3", "ssl-cert", "openssl"]
UNITS = ["escribe.service", "escribe-recheck.service", "escribe-purge-spam.service", "escribe-backup.service"]
TIMERS = ["escribe-recheck.timer", "escribe-purge-spam.timer", "escribe-backup.timer"]
# The first line of every file the installer writes for nginx: a file without it is someone else's.
MARKER = "# Written by E-Scribe's deploy/install; it writes this file again on each run."


@dataclass(frozen=True)
class Choices:
    """What an install was made with; recorded, so a second run and --check need only the name."""

    name: str
    email: str = ""
    tls: str = "letsencrypt"
    database: str = "sqlite"
    http_port: int = 80
    https_port: int = 443
    # --tls none: the TLS-terminating proxy's addresses (IPs or CIDRs), the only ones nginx believes.
    proxies: tuple = ()
    # --join: one more app host of a blog whose database, store and author other hosts share.
    joined: bool = False

    @property
    def host(self):
        """The Host readers send: the name, with https_port unless it is 443."""
        # With --tls none too: readers reach the proxy over HTTPS on https_port.
        return self.name if self.https_port == 443 else f"{self.name}:{self.https_port}"

    @property
    def site_url(self):
        return f"https://{self.host}"


@dataclass(frozen=True)
class Layout:
    """The paths of one install: the checkout (`app`) and the system folders under `root`."""

    app: Path
    root: Path = Path("/")

    def _sys(self, path):
        return self.root / path

    @property
    def venv(self):
        return self.app / ".venv"

    @property
    def python(self):
        return self.venv / "bin" / "python"

    @property
    def var(self):
        return self.app / "var"

    def folders(self):
        """(path, owner, group, mode) of every folder the app uses, as the table in docs/DEPLOY.md."""
        shared = [(self.var / name, USER, WEB_GROUP, 0o750) for name in ("", "static", "pages", "media")]
        private = [(self.var / name, USER, USER, 0o700) for name in ("db", "cache", "backups")]
        return shared + private

    @property
    def etc(self):
        return self._sys("etc/escribe")

    @property
    def env_file(self):
        return self.etc / "env"

    @property
    def choices_file(self):
        return self.etc / "install.json"

    @property
    def tls_dir(self):
        return self.etc / "tls"

    @property
    def systemd_dir(self):
        return self._sys("etc/systemd/system")

    @property
    def nginx_conf(self):
        return self._sys("etc/nginx/nginx.conf")

    @property
    def site(self):
        return self._sys("etc/nginx/sites-available/escribe.conf")

    @property
    def site_link(self):
        return self._sys("etc/nginx/sites-enabled/escribe.conf")

    @property
    def stock_site_link(self):
        """Debian's default site, which claims default_server on port 80 too."""
        return self._sys("etc/nginx/sites-enabled/default")

    @property
    def page_headers(self):
        return self._sys("etc/nginx/snippets/escribe-page-headers.conf")

    @property
    def security_headers(self):
        return self._sys("etc/nginx/snippets/escribe-security-headers.conf")

    @property
    def check_socket_dir(self):
        """Root's alone (0700): nginx makes its unix sockets 0666, so the folder is what keeps others out."""
        return self._sys("run/escribe-nginx")

    @property
    def check_socket_tmpfiles(self):
        """/run is emptied at each boot: systemd-tmpfiles makes the folder again before nginx starts."""
        return self._sys("etc/tmpfiles.d/escribe-nginx.conf")

    @property
    def check_socket(self):
        """--tls none: where deploy/install asks nginx as the proxy would (--check, the wait for the site)."""
        return self.check_socket_dir / "check.sock"

    @property
    def acme_root(self):
        return self._sys("var/www/letsencrypt")

    @property
    def access_log(self):
        return self._sys("var/log/nginx/escribe.access.log")

    @property
    def runtime(self):
        """/run/escribe: systemd's RuntimeDirectory=escribe, made by the installer where systemd is not PID 1."""
        return self._sys("run/escribe")

    @property
    def socket(self):
        return self.runtime / "gunicorn.sock"

    @property
    def gunicorn_pid_file(self):
        """Where the installer keeps gunicorn's pid when it starts gunicorn itself (systemd not PID 1)."""
        return self.runtime / "gunicorn.pid"

    @property
    def log_dir(self):
        """gunicorn's output where no journal takes it (systemd not PID 1)."""
        return self._sys("var/log/escribe")

    def certificate(self, choices):
        """(certificate chain, key) nginx uses for the choices' TLS."""
        if choices.tls == "letsencrypt":
            live = Path("/etc/letsencrypt/live") / choices.name
            return live / "fullchain.pem", live / "privkey.pem"
        return self.tls_dir / f"{choices.name}.pem", self.tls_dir / f"{choices.name}.key"

    def load_choices(self):
        """The recorded choices, or None before the first install."""
        try:
            recorded = json.loads(self.choices_file.read_text())
        except FileNotFoundError:
            return None
        recorded.pop("app", None)
        recorded["proxies"] = tuple(recorded.get("proxies", ()))
        return Choices(**recorded)

    def installed_app(self):
        """The checkout the recorded install runs from."""
        return Path(json.loads(self.choices_file.read_text())["app"])

    def save_choices(self, choices):
        self.choices_file.write_text(json.dumps({**asdict(choices), "app": str(self.app)}, indent=2) + "\n")


def env_file_text(layout, choices, database_url=""):
    """/etc/escribe/env of a new install: a new secret key, the server's paths, no site identity (the admin's)."""
    database = (
        f"ESCRIBE_DATABASE_URL={database_url}"
        if database_url
        else f"ESCRIBE_DB_PATH={layout.var / 'db' / 'escribe.sqlite3'}"
    )
    return f"""# E-Scribe's settings, in systemd's EnvironmentFile syntax (docs/DEPLOY.md).
# Written once by deploy/install; later runs leave it alone: edit it here.
ESCRIBE_SECRET_KEY={secrets.token_urlsafe(50)}
ESCRIBE_ALLOWED_HOSTS={choices.name}
ESCRIBE_SITE_URL={choices.site_url}
{database}
ESCRIBE_STATIC_ROOT={layout.var / "static"}
ESCRIBE_CACHE_DIR={layout.var / "cache"}
ESCRIBE_PAGES_DIR={layout.var / "pages"}
ESCRIBE_MEDIA_ROOT={layout.var / "media"}
ESCRIBE_BACKUP_DIR={layout.var / "backups"}
# nginx on the unix socket is the only proxy whose X-Forwarded-For is believed.
ESCRIBE_TRUSTED_PROXIES=unix
ESCRIBE_GUNICORN_BIND=unix:{layout.socket}
PYTHON_AKISMET_BLOG_URL={choices.site_url}
# Optional: an Akismet key, and a mail server for the comment notifications.
# PYTHON_AKISMET_API_KEY=your-akismet-key
# ESCRIBE_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
# ESCRIBE_EMAIL_HOST=smtp.example.com
# ESCRIBE_EMAIL_PORT=587
# ESCRIBE_EMAIL_USE_TLS=1
# ESCRIBE_EMAIL_HOST_USER=blog@example.com
# ESCRIBE_EMAIL_HOST_PASSWORD=your-smtp-password
# ESCRIBE_DEFAULT_FROM_EMAIL="Your Blog <blog@example.com>"
# Where the notifications go, like the blog's name, is in the admin: Site settings.
"""
