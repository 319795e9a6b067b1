"""deploy/install --join: a second app host for a blog whose database and media store other hosts share.

The operator copies host 1's /etc/escribe/env over; this host's env file
takes from it every line that is the blog's (the secret key that signs
sessions and links, the names, the database, the store and its keys, mail,
Akismet) and writes its own paths, socket and proxy trust as a new install
does. What cannot be shared is refused before anything changes.
"""

import ipaddress
import socket
from pathlib import Path
from urllib.parse import urlsplit

from deploy.installer.layout import env_file_text
from deploy.installer.units import environment_file

# The lines that describe this host, not the blog: a new install's own (layout.env_file_text), never copied.
LOCAL = {
    "ESCRIBE_DB_PATH",
    "ESCRIBE_STATIC_ROOT",
    "ESCRIBE_CACHE_DIR",
    "ESCRIBE_PAGES_DIR",
    "ESCRIBE_MEDIA_ROOT",
    "ESCRIBE_BACKUP_DIR",
    "ESCRIBE_SECRET_KEY_FILE",
    "ESCRIBE_TRUSTED_PROXIES",
    "ESCRIBE_FORWARDED_ALLOW_IPS",
    "ESCRIBE_GUNICORN_BIND",
    "ESCRIBE_ACCESS_LOG",
    # gunicorn's size is the machine's (its cores and memory), not the blog's.
    "ESCRIBE_WORKERS",
    "ESCRIBE_THREADS",
    "ESCRIBE_MAX_REQUESTS",
    "ESCRIBE_GUNICORN_TIMEOUT",
}
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
CONNECT_TIMEOUT = 5  # seconds for the database's port to answer
DOCS = "docs/DEPLOY.md, Joining a host"


class JoinRefused(Exception):
    """The file cannot make this host part of the blog; the message says why, in one line."""


def shared_lines(path):
    """host 1's env file as (name, line) pairs, its lines kept verbatim (quotes and all), local ones left out."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise JoinRefused(f"--join {path}: cannot read it ({error.strerror or error}); copy host 1's "
                          f"/etc/escribe/env here first ({DOCS})") from None  # fmt: skip
    lines = []
    for line in text.splitlines():
        name, equals, _value = line.strip().partition("=")
        if equals and not name.startswith(("#", ";")) and name.strip() not in LOCAL:
            lines.append((name.strip(), line.strip()))
    return lines


def _loopback(host):
    if not host or host.startswith("/") or host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def database_address(values, path):
    """(host, port) of host 1's PostgreSQL as another machine reaches it, or JoinRefused."""
    url = values.get("ESCRIBE_DATABASE_URL", "")
    if not url:
        raise JoinRefused(f"--join {path} has no ESCRIBE_DATABASE_URL: that blog is on SQLite, which lives on "
                          f"its host's disk and cannot be shared; move it to PostgreSQL first ({DOCS})")  # fmt: skip
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise JoinRefused(f"--join {path}: ESCRIBE_DATABASE_URL is {parts.scheme}://, not PostgreSQL; "
                          f"only a PostgreSQL database can be shared by several hosts ({DOCS})")  # fmt: skip
    try:
        host, port = parts.hostname or "", parts.port or 5432
    except ValueError as error:
        raise JoinRefused(f"--join {path}: ESCRIBE_DATABASE_URL: {error}") from None
    if _loopback(host):
        raise JoinRefused(f"--join {path}: ESCRIBE_DATABASE_URL names {host or 'a local socket'}, host 1's own "
                          f"loopback; put the database server's network address there ({DOCS})")  # fmt: skip
    return host, port


def refusal(path, name=None):
    """Why host 1's env file at `path` cannot be joined (as `name`), or None: read, checked, the database asked."""
    try:
        lines = shared_lines(path)
        values = environment_file(path)
        if not values.get("ESCRIBE_SECRET_KEY"):
            raise JoinRefused(f"--join {path} has no ESCRIBE_SECRET_KEY: sessions and signed links must verify "
                              f"on every host, so they share host 1's key; put it in the file ({DOCS})")  # fmt: skip
        host, port = database_address(values, path)
        if not values.get("ESCRIBE_MEDIA_STORAGE_URL"):
            # Uploads would land on the disk of whichever host took them, missing from the others' pages.
            raise JoinRefused(f"--join {path} has no ESCRIBE_MEDIA_STORAGE_URL: every host must keep uploads in "
                              f"one object store; set one up on host 1 first ({DOCS})")  # fmt: skip
        if not dict(lines).get("ESCRIBE_SITE_URL"):
            raise JoinRefused(f"--join {path} has no ESCRIBE_SITE_URL: it is not an env file deploy/install wrote")
        blog = site(path)[0]
        if name and name.lower() != blog:
            raise JoinRefused(f"--join: that blog is {blog}, and every host of a blog answers to its one name, "
                              f"not {name}")  # fmt: skip
        try:
            socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
        except OSError as error:
            raise JoinRefused(
                f"--join {path}: the database at {host}:{port} does not answer ({error}); "
                f"let PostgreSQL listen there and this host in (pg_hba.conf) ({DOCS})"
            ) from None
    except JoinRefused as refused:
        return str(refused)
    return None


def site(path):
    """(name, https port) of the blog, from host 1's ESCRIBE_SITE_URL: every host answers to that one name."""
    parts = urlsplit(environment_file(path)["ESCRIBE_SITE_URL"])
    return (parts.hostname or "").lower(), parts.port or 443


def env_file_text_joined(layout, choices, path):
    """This host's env file: a new install's local lines, with every shared line taken from host 1's file."""
    shared = shared_lines(path)
    # A new install's lines for this host's paths, socket and proxy trust; its secret key and names are not used.
    own = env_file_text(layout, choices).splitlines()
    local = [line for line in own if line.partition("=")[0] in LOCAL - {"ESCRIBE_DB_PATH"}]
    return "\n".join([
        "# E-Scribe's settings, in systemd's EnvironmentFile syntax (docs/DEPLOY.md).",
        "# Written once by deploy/install --join; later runs leave it alone: edit it here.",
        "# The blog's, as on every host (keep them the same everywhere: the secret key above all):",
        *(line for _name, line in shared),
        "# This host's own:",
        *local,
    ]) + "\n"  # fmt: skip
