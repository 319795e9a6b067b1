"""Installing and upgrading: docs/DEPLOY.md's steps, each named, each stopping the run with its output on failure.

A first run sets everything up; a later run upgrades in place (backup,
requirements, migrate, collectstatic, refresh_pages, graceful restart) and
leaves the settings, secret key, data, certificate and password alone.
Configuration is written beside the old, checked (nginx -t, systemd-analyze
verify) and put back as it was when the check fails, so a failed step never
reaches the running site.
"""

import grp
import pwd
import re
import secrets
import shlex
import shutil
import subprocess
import time

from deploy import render
from deploy.installer import join, probe, units
from deploy.installer.commands import StepFailed, run, undo, write
from deploy.installer.layout import PACKAGES, SYSTEM_PYTHON, TIMERS, UNITS, USER, WEB_GROUP, env_file_text
from deploy.installer.web import WebServer

START_TIMEOUT = 60  # seconds for the site to answer through nginx
BACKUP_TIMEOUT = 3600  # seconds, as escribe/backups.py gives pg_dump


class Installer(WebServer):
    """One run of deploy/install on a layout, with the choices the site is (or was first) installed with."""

    def __init__(self, layout, choices, first, out=print, join=None):
        self.layout, self.choices, self.first, self.out = layout, choices, first, out
        # --join: host 1's env file, which this host's settings are made from.
        self.join = join
        self.changes = []
        self.login = None
        self.systemd = units.systemd_is_init()

    def say(self, text):
        self.out(text, flush=True)

    def changed(self, text):
        self.changes.append(text)
        self.say(f"    {text}")

    def service(self, unit="escribe.service"):
        return units.Service.from_unit(self.layout.systemd_dir / unit)

    def manage(self, step, *args):
        """manage.py as the service runs it: its user, group, environment file, folder and umask."""
        result = self.service().run([str(self.layout.python), "manage.py", *args])
        if result.returncode != 0:
            raise StepFailed(step, f"$ manage.py {' '.join(args)}\n{result.stdout}{result.stderr}")
        return result.stdout

    # --- The run ---------------------------------------------------------------------------

    def run(self):
        self.say(f"{'Installing' if self.first else 'Upgrading'} E-Scribe for {self.choices.name} "
                 f"from {self.layout.app}")  # fmt: skip
        if not self.systemd:
            self.say(
                "systemd is not PID 1 here: its units are written and verified with systemd-analyze, and "
                "gunicorn and nginx are started directly with the units' own command lines."
            )
        if self.first:
            self.packages()
            self.system_user()
        self.folders()
        if not self.first:
            self.backup("Back up before the upgrade")
        self.virtualenv()
        if self.first:
            self.settings()
        self.systemd_units()
        self.database()
        self.static_files()
        self.header_snippets()
        self.app_server()
        self.web_server()
        if self.first:
            self.backup("First backup")
        self.wait_until_served()
        return self.report()

    def packages(self):
        wanted = PACKAGES + (["certbot"] if self.choices.tls == "letsencrypt" else [])
        if self.choices.joined:
            # Backups run pg_dump on whichever host's timer fires first: this one too.
            wanted += [] if shutil.which("pg_dump", path=units.SYSTEMD_PATH) else ["postgresql-client"]
        else:
            wanted += ["postgresql"] if self.choices.database == "postgres" else []
        installed = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\\n", *wanted],
            capture_output=True,
            text=True,
        ).stdout
        missing = [name for name in wanted if f"{name} installed" not in installed]
        if missing:
            self.say(f"==> System packages: {' '.join(missing)}")
            env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": units.SYSTEMD_PATH}
            run("apt-get update", ["apt-get", "update", "-q"], env=env)
            run("apt-get install", ["apt-get", "install", "-y", "-q", *missing], env=env)
            self.changed(f"Installed {' '.join(missing)}")

    def system_user(self):
        try:
            pwd.getpwnam(USER)
        except KeyError:
            run("system user", ["adduser", "--system", "--group", "--home", str(self.layout.app),
                                "--no-create-home", USER])  # fmt: skip
            self.changed(f"Created the system user {USER}")

    def folders(self):
        for path, owner, group, mode in self.layout.folders():
            path.mkdir(parents=True, exist_ok=True)
            uid, gid = pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid
            stat = path.stat()
            if (stat.st_uid, stat.st_gid, stat.st_mode & 0o7777) != (uid, gid, mode):
                shutil.chown(path, owner, group)
                path.chmod(mode)
                self.changed(f"{path}: {owner}:{group} {mode:04o}")

    def virtualenv(self):
        layout = self.layout
        self.say("==> The virtualenv (requirements.txt)")
        if not layout.python.exists():
            run("virtualenv", [SYSTEM_PYTHON, "-m", "venv", str(layout.venv)])
            self.changed(f"Created the virtualenv {layout.venv}")
        pip = [str(layout.python), "-m", "pip", "--disable-pip-version-check"]
        before = run("pip freeze", [*pip, "freeze"])
        run("pip install", [*pip, "install", "--quiet", "-r", str(layout.app / "requirements.txt")])
        after = run("pip freeze", [*pip, "freeze"])
        if before != after:
            added = sorted(set(after.split()) - set(before.split()))
            packages = f"{len(added)} package" + ("" if len(added) == 1 else "s")
            self.changed(f"Installed {packages}: {' '.join(added[:8])}{' ...' if len(added) > 8 else ''}")
        # The code is read-only to the app: compile it once here.
        packages = [str(layout.app / name) for name in ("blog", "comments", "escribe", "moving", "deploy")]
        run("compileall", [str(layout.python), "-m", "compileall", "-q", *packages])

    def settings(self):
        layout = self.layout
        layout.etc.mkdir(mode=0o755, parents=True, exist_ok=True)
        if layout.env_file.exists():
            self.say(f"==> Settings: {layout.env_file} exists and is kept")
            return
        self.say(f"==> Settings: {layout.env_file}")
        if self.choices.joined:
            self.joined_settings()
            return
        database_url = self.postgres() if self.choices.database == "postgres" else ""
        write(layout.env_file, env_file_text(layout, self.choices, database_url), mode=0o600)
        self.changed(f"Wrote {layout.env_file} with a new secret key (0600)")

    def joined_settings(self):
        """The env file of a host that joins: host 1's shared lines, this host's paths; the database asked first."""
        layout = self.layout
        text = join.env_file_text_joined(layout, self.choices, self.join)
        # As the app will, with these very settings, before they are written: a wrong password stops the run here.
        connect = "from django.db import connection; connection.ensure_connection()"
        asked = subprocess.run(
            [str(layout.python), "manage.py", "shell", "-c", connect],
            cwd=layout.app, user=USER, group=WEB_GROUP, extra_groups=[], capture_output=True, text=True, timeout=120,
            env={"PATH": units.SYSTEMD_PATH, "LANG": "C.UTF-8", "HOME": str(layout.app),
                 **units.environment_text(text)},
        )  # fmt: skip
        if asked.returncode != 0:
            lines = (asked.stdout + asked.stderr).strip().splitlines()
            raise StepFailed("the shared database (connect as the app)", lines[-1] if lines else "no output")
        write(layout.env_file, text, mode=0o600)
        self.changed(f"Wrote {layout.env_file} with the blog's secret key and shared settings from {self.join} (0600)")

    def postgres(self):
        """A role and database for the blog on this machine's PostgreSQL; returns ESCRIBE_DATABASE_URL."""
        self.say("==> PostgreSQL: the role and database escribe")
        if self.systemd:
            run("PostgreSQL", ["systemctl", "enable", "--now", "postgresql"])
        # Debian's cluster (apt made one): started where systemd does not, and its port.
        clusters = run("PostgreSQL", ["pg_lsclusters", "--no-header"]).split("\n")
        version, cluster, port, status = clusters[0].split()[:4]
        if status != "online":
            run("PostgreSQL", ["pg_ctlcluster", version, cluster, "start"])
        password = secrets.token_hex(24)
        psql = ["runuser", "-u", "postgres", "--", "psql", "-q", "-v", "ON_ERROR_STOP=1"]
        exists = run("PostgreSQL role", [*psql, "-tAc", "SELECT 1 FROM pg_roles WHERE rolname = 'escribe'"])
        verb = "ALTER" if exists.strip() else "CREATE"
        run("PostgreSQL role", [*psql, "-c", f"{verb} ROLE escribe LOGIN PASSWORD '{password}'"])
        databases = run("PostgreSQL database", [*psql, "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'escribe'"])
        if not databases.strip():
            run("PostgreSQL database", ["runuser", "-u", "postgres", "--", "createdb", "--owner", "escribe", "escribe"])
        self.changed("Created the PostgreSQL role and database escribe (a random password)")
        return f"postgres://escribe:{password}@127.0.0.1:{port}/escribe"

    def systemd_units(self):
        """The service and timers rendered into the systemd folder, verified before they replace the old ones."""
        layout = self.layout
        self.say("==> systemd units")
        values = {"APP_DIR": layout.app, "ENV_FILE": layout.env_file}
        texts = {unit: render.render_file(layout.app / "deploy/systemd" / unit, **values) for unit in UNITS}
        texts.update({timer: (layout.app / "deploy/systemd" / timer).read_text() for timer in TIMERS})
        olds = {unit: write(layout.systemd_dir / unit, text) for unit, text in texts.items()}
        verified = subprocess.run(
            ["systemd-analyze", "verify", *(str(layout.systemd_dir / unit) for unit in texts)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        if verified.returncode != 0 or verified.stdout.strip():
            for unit, old in olds.items():
                undo(layout.systemd_dir / unit, old)
            raise StepFailed("systemd units (systemd-analyze verify)", verified.stdout)
        self.units_changed = [unit for unit, old in olds.items() if old != texts[unit]]
        if self.units_changed:
            self.changed(f"Wrote {', '.join(self.units_changed)} (verified)")
        if self.systemd and self.units_changed:
            run("systemctl daemon-reload", ["systemctl", "daemon-reload"])

    def database(self):
        self.say("==> Database: migrate")
        migrated = self.manage("migrate", "migrate", "--noinput")
        applied = re.findall(r"Applying (\S+)\.\.\.", migrated)
        if applied:
            more = " ..." if len(applied) > 5 else ""
            count = f"{len(applied)} migration" + ("" if len(applied) == 1 else "s")
            self.changed(f"Applied {count}: {', '.join(applied[:5])}{more}")
        if self.first and not self.choices.joined:
            email = ["--email", self.choices.email] if self.choices.email else []
            self.login = self.manage("create_author", "create_author", "--no-color", *email).strip()

    def static_files(self):
        self.say("==> Static files: collectstatic")
        collected = self.manage("collectstatic", "collectstatic", "--noinput")
        copied = re.search(r"(\d+) static files? copied", collected)
        if copied and copied.group(1) != "0":
            self.changed(f"Collected {copied.group(1)} new static file" + ("" if copied.group(1) == "1" else "s"))

    def header_snippets(self):
        layout = self.layout
        for path, extra in ((layout.page_headers, []), (layout.security_headers, ["--any-response"])):
            text = self.manage("page_headers", "page_headers", *extra)
            if write(path, text) != text:
                self.changed(f"Wrote {path}")

    def app_server(self):
        """gunicorn started, or on an upgrade restarted gracefully (new workers, the socket kept open)."""
        self.say("==> gunicorn (escribe.service)")
        old_workers = units.children(self.gunicorn_pid())
        self.restart_gunicorn()
        if not self.first:
            # Once the old code's workers are gone: a page one of them rendered later would outlive the upgrade.
            units.wait_until_gone(old_workers, timeout=45)
            self.manage("refresh_pages", "refresh_pages")
            self.changed("Made every page file stale (refresh_pages): pages are rendered by the new code")

    def gunicorn_pid(self):
        """gunicorn's master process, if it runs."""
        if self.systemd:
            shown = subprocess.run(["systemctl", "show", "-p", "MainPID", "--value", "escribe.service"],
                                   capture_output=True, text=True).stdout.strip()  # fmt: skip
            return int(shown) if shown.isdigit() and shown != "0" else None
        return units.alive(self.layout.gunicorn_pid_file)

    def restart_gunicorn(self):
        layout = self.layout
        if self.systemd:
            if self.first:
                run("systemctl enable", ["systemctl", "enable", "--now", "escribe.service", *TIMERS])
            elif "escribe.service" in self.units_changed:
                run("systemctl restart", ["systemctl", "restart", "escribe.service"])
            else:
                run("systemctl reload", ["systemctl", "reload", "escribe.service"])
            return
        pid_file = layout.gunicorn_pid_file
        service = self.service()
        layout.runtime.mkdir(parents=True, exist_ok=True)
        shutil.chown(layout.runtime, service.user, service.group)
        pid = units.alive(pid_file)
        if pid and "escribe.service" not in self.units_changed:
            run("graceful restart", [arg.replace("$MAINPID", str(pid)) for arg in service.reload[0].split()])
            self.changed(f"Reloaded gunicorn gracefully (HUP to pid {pid})")
            return
        units.stop(pid_file)
        pid = service.start(layout.log_dir / "gunicorn.log", pid_file)
        self.changed(
            f"Started gunicorn (pid {pid}) with escribe.service's ExecStart as {service.user}:{service.group}"
            f"; its output goes to {layout.log_dir / 'gunicorn.log'}; the timers run only under systemd"
        )

    # --- Backups and the end ---------------------------------------------------------------

    def backup(self, what):
        self.say(f"==> {what} (escribe-backup.service's command)")
        service = self.service("escribe-backup.service")
        argv = shlex.split(service.commands[0])
        if "--every" in argv:
            # The timer's daily job skips a run when any host backed up within the day; this one is asked for
            # (before migrations touch the data), so it runs: still claimed, never beside another host's.
            del argv[argv.index("--every") : argv.index("--every") + 2]
        result = service.run(argv, timeout=BACKUP_TIMEOUT)
        if result.returncode != 0:
            raise StepFailed(what, result.stdout + result.stderr)
        done = [line for line in result.stdout.splitlines() if line.startswith("Backed up")]
        self.changed(done[0] if done else "Backed up the database")

    def wait_until_served(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            try:
                status, _headers, body = probe.get(self.layout, self.choices, "/healthz")
                if status == 200:
                    return
                last = f"{status} {body[:200]!r}"
            except OSError as error:
                last = repr(error)
            time.sleep(0.2)
        raise StepFailed("the site answers through nginx", f"/healthz: {last}")

    def report(self):
        self.say("")
        if self.first and self.choices.joined:
            self.say(f"This host has joined {self.choices.site_url}/: add it to the load balancer. The author's "
                     "account and the data are the blog's, as on the other hosts.")  # fmt: skip
        elif self.first:
            self.say(f"E-Scribe is installed: {self.choices.site_url}/")
        else:
            self.say(f"Upgraded {self.choices.site_url}/ in place. What changed:")
            for change in self.changes:
                self.say(f"  - {change}")
            self.say("Unchanged: the settings and secret key, the data, the certificate and the author's password.")
        if self.login and "password:" in self.login:
            self.say(f"\n{self.login}\n")
        elif self.login:
            # A first run that stopped after create_author: the password was shown then, or never.
            self.say(f"\n{self.login}\nA forgotten password is set anew with `manage changepassword author`.")
        return 0
