"""Running the installed units: through systemd, or, where systemd is not PID 1, with the units' own command lines.

Without systemd (a container, CI's machine) the rendered unit is read for
ExecStart, User, Group, EnvironmentFile, WorkingDirectory and UMask, and that
command runs as that user with that environment: what runs is what systemd
would run, minus its sandboxing. Everything that depends on which of the two
applies is in this module.
"""

import os
import pwd
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# systemd gives a service this PATH; an EnvironmentFile adds to it.
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def systemd_is_init():
    """True when systemd runs this machine (its own test, as sd_booted() does)."""
    return Path("/run/systemd/system").is_dir()


def parse_unit(path):
    """{key: [values]} of a unit file's [Service] section (the keys the installer needs)."""
    section, keys = None, {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]" and "=" in line:
            key, _, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def environment_file(path):
    """The variables of an EnvironmentFile: NAME=value lines, optionally double-quoted values."""
    return environment_text(Path(path).read_text())


def environment_text(text):
    """The variables of an EnvironmentFile's text."""
    variables = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        variables[name.strip()] = value
    return variables


@dataclass
class Service:
    """How systemd would run a unit's commands: who, where, with what environment and umask."""

    commands: list
    user: str
    group: str
    env_file: str
    cwd: str
    umask: int
    reload: list

    @classmethod
    def from_unit(cls, path):
        keys = parse_unit(path)
        return cls(
            commands=keys.get("ExecStart", []),
            user=keys["User"][0],
            group=keys["Group"][0],
            env_file=keys["EnvironmentFile"][0],
            cwd=keys["WorkingDirectory"][0],
            umask=int(keys.get("UMask", ["0022"])[0], 8),
            reload=keys.get("ExecReload", []),
        )

    def environment(self):
        account = pwd.getpwnam(self.user)
        return {
            "PATH": SYSTEMD_PATH,
            "LANG": "C.UTF-8",
            "HOME": account.pw_dir,
            "USER": self.user,
            "LOGNAME": self.user,
            **environment_file(self.env_file),
        }

    def popen_options(self):
        """subprocess options that make a child what systemd's would be (user, groups, umask, folder, env)."""
        return {
            "user": self.user,
            "group": self.group,
            "extra_groups": [],
            "umask": self.umask,
            "cwd": self.cwd,
            "env": self.environment(),
            "stdin": subprocess.DEVNULL,
        }

    def run(self, argv, timeout=600):
        """Run one command as the service would; returns the CompletedProcess (text, stderr apart)."""
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **self.popen_options())

    def start(self, log, pid_file):
        """Start ExecStart in the background (a new session, output to `log`); the pid goes to `pid_file`."""
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as output:
            process = subprocess.Popen(
                shlex.split(self.commands[0]),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self.popen_options(),
            )
        Path(pid_file).write_text(f"{process.pid}\n")
        return process.pid


def alive(pid_file):
    """The pid a pid file names, if that process is running; else None."""
    try:
        pid = int(Path(pid_file).read_text().split()[0])
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, IndexError, ProcessLookupError, PermissionError):
        return None
    return pid


def stop(pid_file, timeout=40):
    """Stop the process a pid file names (TERM, then KILL), as systemctl stop would; True if one ran."""
    pid = alive(pid_file)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive(pid_file):
        time.sleep(0.1)
    if alive(pid_file):
        os.kill(pid, signal.SIGKILL)
    Path(pid_file).unlink(missing_ok=True)
    return True


def children(pid):
    """The pids of a process's children (gunicorn's workers), empty if it is not running."""
    if pid is None:
        return set()
    try:
        return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def wait_until_gone(pids, timeout):
    """Wait (bounded) until none of `pids` runs any more: old workers finishing their requests after a HUP."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.1)


def nginx_pid_file(nginx_conf):
    """The pid file nginx.conf names (Debian's nginx is built with /run/nginx.pid)."""
    for line in Path(nginx_conf).read_text().splitlines():
        words = line.split("#")[0].split()
        if len(words) == 2 and words[0] == "pid":
            return Path(words[1].rstrip(";"))
    return Path("/run/nginx.pid")
