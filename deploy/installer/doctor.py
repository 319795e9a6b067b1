"""`deploy/install --check`: one line per thing wrong with an installed site; no line, exit status 0."""

import grp
import pwd
import shutil
import stat
import subprocess
import time

from deploy.installer import probe, units
from deploy.installer.layout import TIMERS, USER, WEB_GROUP

CERTIFICATE_DAYS = 14
BACKUP_AGE = 2 * 24 * 3600
FREE_DISK = 1024**3  # bytes; or 5 % of the disk, whichever is less


def _mode(path):
    info = path.stat()
    return pwd.getpwuid(info.st_uid).pw_name, grp.getgrgid(info.st_gid).gr_name, stat.S_IMODE(info.st_mode)


def services(layout, systemd):
    if systemd:
        for unit in ["escribe.service", "nginx.service", *TIMERS]:
            state = subprocess.run(["systemctl", "is-active", unit], capture_output=True, text=True).stdout.strip()
            if state != "active":
                yield f"{unit} is {state or 'not running'} (systemctl status {unit})"
        return
    if not units.alive(layout.gunicorn_pid_file):
        yield f"gunicorn (escribe.service) is not running: no live process in {layout.gunicorn_pid_file}"
    if not units.alive(units.nginx_pid_file(layout.nginx_conf)):
        yield "nginx is not running"


def modes(layout, choices):
    expected = layout.folders() + [(layout.env_file, "root", "root", 0o600), (layout.socket, USER, WEB_GROUP, 0o770)]
    if choices.tls == "none":
        # Whoever enters it is believed as the proxy.
        expected.append((layout.check_socket_dir, "root", "root", 0o700))
    for path, owner, group, mode in expected:
        if not path.exists():
            yield f"{path} is missing"
            continue
        actual = _mode(path)
        if actual != (owner, group, mode):
            yield f"{path} is {actual[0]}:{actual[1]} {actual[2]:04o}, should be {owner}:{group} {mode:04o}"


def certificate(layout, choices):
    if choices.tls == "none":
        return  # the proxy's, out of this server's sight
    cert = layout.certificate(choices)[0]
    ends = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", str(cert)],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    if not ends:
        yield f"no certificate at {cert}"
        return
    fresh = subprocess.run(["openssl", "x509", "-noout", "-checkend", str(CERTIFICATE_DAYS * 86400), "-in", str(cert)],
                           capture_output=True, text=True)  # fmt: skip
    if fresh.returncode != 0:
        yield f"the certificate {cert} expires in less than {CERTIFICATE_DAYS} days ({ends.partition('=')[2]})"


def backups(layout):
    copies = [path for path in (layout.var / "backups").glob("escribe-*") if path.is_file()]
    if not copies:
        yield f"no backup in {layout.var / 'backups'} (systemctl start escribe-backup.service)"
        return
    newest = max(path.stat().st_mtime for path in copies)
    age = time.time() - newest
    if age > BACKUP_AGE:
        yield f"the last backup is {age / 86400:.1f} days old (escribe-backup.timer should run nightly)"


# When a backup last finished on any host: escribe-backup.service runs it as a cluster-wide job (run_job).
LAST_BACKUP = """
from django.apps import apps
from django.db.models import Max
runs = apps.get_model("escribe", "JobClaim").objects.filter(name__startswith="backup")
last = runs.aggregate(last=Max("last_done_at"))["last"]
print(last.timestamp() if last else "")
"""


def shared_backups(layout, service):
    """On a shared database the backup lands on whichever host's timer fired first: the database says when."""
    asked = service.run([str(layout.python), "manage.py", "shell", "-v", "0", "-c", LAST_BACKUP])
    if asked.returncode != 0:
        yield f"cannot ask the database when it was last backed up: {(asked.stdout + asked.stderr).strip()[-300:]}"
        return
    if not asked.stdout.strip():
        yield "no backup of the shared database has finished on any host (systemctl start escribe-backup.service)"
        return
    age = time.time() - float(asked.stdout)
    if age > BACKUP_AGE:
        yield f"the last backup of the shared database, on any host, is {age / 86400:.1f} days old " \
              "(escribe-backup.timer should run nightly)"  # fmt: skip


def shared_database(layout):
    """An install on PostgreSQL, which other hosts may share (--join): its backups are one job for all."""
    return layout.env_file.exists() and bool(units.environment_file(layout.env_file).get("ESCRIBE_DATABASE_URL"))


def disk(layout):
    usage = shutil.disk_usage(layout.var)
    if usage.free < min(FREE_DISK, usage.total // 20):
        yield f"only {usage.free // 1024**2} MB free on the disk holding {layout.var}"


def django(layout, service):
    migrations = service.run([str(layout.python), "manage.py", "migrate", "--check", "--plan"])
    if migrations.returncode != 0:
        yield "migrations are pending (deploy/install applies them): " + " ".join(migrations.stdout.split()[:20])
    deploy = service.run([str(layout.python), "manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    if deploy.returncode != 0:
        # The findings, without Django's headings and summary.
        findings = [line.strip() for line in (deploy.stdout + deploy.stderr).splitlines()
                    if line.strip() and not line.startswith(("System check", "WARNINGS:", "ERRORS:"))]  # fmt: skip
        yield "manage.py check --deploy: " + "; ".join(findings)


def page_files(layout, choices):
    """The front page twice through nginx: the second must be the page file, sent by nginx (its ETag)."""
    try:
        first = probe.get(layout, choices, "/")
        second = probe.get(layout, choices, "/")
    except OSError as error:
        where = layout.check_socket if choices.tls == "none" else f"port {choices.https_port}"
        yield f"the site does not answer through nginx on {where}: {error}"
        return
    if first[0] != 200:
        yield f"the front page answers {first[0]} through nginx"
        return
    page = layout.var / "pages" / "current" / "index.html"
    if not page.exists():
        yield f"the front page was not kept as a file ({page} is missing): readers are all served by gunicorn"
        return
    info = page.stat()
    # nginx's ETag for a file: its mtime and size in hex; Django's differ.
    if second[1].get("ETag") != f'"{int(info.st_mtime):x}-{info.st_size:x}"':
        yield "nginx does not serve the page files: the second reader of / was answered by gunicorn"


def problems(layout, choices):
    """Every problem found, one line each."""
    found = list(services(layout, units.systemd_is_init()))
    found += modes(layout, choices)
    found += certificate(layout, choices)
    found += disk(layout)
    try:
        service = units.Service.from_unit(layout.systemd_dir / "escribe.service")
    except (OSError, KeyError) as error:
        found.append(f"escribe.service is not installed in {layout.systemd_dir}: {error}")
        found += backups(layout)
    else:
        found += shared_backups(layout, service) if shared_database(layout) else backups(layout)
        found += django(layout, service)
    found += page_files(layout, choices)
    return found


def check(layout, out=print):
    choices = layout.load_choices()
    if choices is None:
        out(f"E-Scribe is not installed here ({layout.choices_file} is missing)")
        return 1
    found = problems(layout, choices)
    for line in found:
        out(line)
    if not found:
        out(f"All is well: {choices.site_url}/")
    return 1 if found else 0
