"""What deploy/install refuses, before it changes anything: each check returns the problem, or None."""

import ipaddress
import os
import re
import socket
from pathlib import Path

from deploy.installer.layout import MARKER
from deploy.installer.units import alive, nginx_pid_file

SUPPORTED = {("debian", "12"), ("debian", "13")}
# RFC 1123 labels; a name of digits and dots alone is an address, not a name.
LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def os_release(root):
    """The (ID, VERSION_ID) of /etc/os-release under `root`."""
    values = {}
    path = Path(root) / "etc/os-release"
    for line in path.read_text().splitlines() if path.exists() else ():
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip().strip('"')
    return values.get("ID", ""), values.get("VERSION_ID", ""), values.get("PRETTY_NAME", "an unknown system")


def unsupported_system(root):
    system_id, version, pretty = os_release(root)
    if (system_id, version) not in SUPPORTED:
        return f"this is {pretty}; deploy/install supports Debian 12 and 13 (docs/DEPLOY.md's appendix: by hand)"
    return None


def not_a_host_name(name, tls):
    labels = name.split(".")
    if len(name) > 253 or not all(LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return f"{name!r} is not a host name (letters, digits, hyphens in dot-separated labels: blog.example.com)"
    if tls == "letsencrypt" and len(labels) < 2:
        return f"Let's Encrypt certifies only public names, not {name!r}: use --tls self-signed"
    return None


def proxy_problems(choices):
    """--proxy: required with --tls none and only there; each an IP or a network, none that is every address."""
    if choices.tls != "none":
        return ["--proxy is for --tls none (a TLS-terminating proxy in front)"] if choices.proxies else []
    if not choices.proxies:
        return [
            "--tls none needs --proxy ADDRESS: the proxy's IP or network, the only one whose "
            "X-Forwarded-For and X-Forwarded-Proto nginx believes"
        ]
    problems = []
    for proxy in choices.proxies:
        try:
            network = ipaddress.ip_network(proxy)
        except ValueError as error:
            problems.append(f"--proxy {proxy!r} is not an IP address or network (e.g. 192.0.2.10, 10.0.0.0/8): {error}")
            continue
        if network.prefixlen == 0:
            # Believing everyone is believing no one: any client could choose its address.
            problems.append(f"--proxy {proxy} is every address: name the proxy's own")
    return problems


def _listening_inodes(port):
    """Socket inodes listening on TCP `port`, from /proc/net/tcp and tcp6."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            # local_address is ADDR:PORT in hex; state 0A is LISTEN.
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    return inodes


def listeners(port):
    """{pid: program name} of the processes listening on TCP `port`."""
    inodes = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    found = {}
    for entry in Path("/proc").iterdir() if inodes else ():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                found[int(entry.name)] = (entry / "comm").read_text().strip()
        except OSError:
            continue
    return found


def _bindable(port):
    for family, address in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((address, port))
            except OSError as error:
                if family == socket.AF_INET6 and error.errno == 99:  # no IPv6 on this host
                    continue
                return False
    return True


def port_taken(port, layout):
    """A port some program other than this machine's nginx (the one nginx.conf runs) listens on."""
    if _bindable(port):
        return None
    ours = alive(nginx_pid_file(layout.nginx_conf)) if layout.nginx_conf.exists() else None
    holders = listeners(port)
    # nginx's workers hold the listening socket too: they share the master's program name.
    others = {pid: name for pid, name in holders.items() if not (ours and name == "nginx")}
    if not holders or others:
        named = ", ".join(f"{name} (pid {pid})" for pid, name in sorted(others.items())) or "another program"
        return f"port {port} is taken by {named}: stop it, or choose another port"
    return None


def foreign_site(layout):
    """An nginx site file of ours by name that deploy/install did not write."""
    for path in (layout.site, layout.site_link):
        if path.exists() and not path.read_text().startswith(MARKER):
            return f"{path} exists and was not written by deploy/install: move it away (it would be overwritten)"
    return None


def refusals(layout, choices, recorded):
    """Every reason not to begin, found before anything changes."""
    problems = [unsupported_system(layout.root)]
    problems.append(not_a_host_name(choices.name, choices.tls))
    if choices.tls == "letsencrypt" and not choices.email:
        problems.append("--tls letsencrypt needs --email (Let's Encrypt's expiry notices go there)")
    if recorded and recorded.name != choices.name:
        problems.append(f"this server's blog is {recorded.name}; a second run upgrades it and cannot rename it")
    if recorded and recorded.tls != choices.tls:
        problems.append(
            f"this server's blog was installed with --tls {recorded.tls}; a second run upgrades it "
            f"and cannot switch to --tls {choices.tls}"
        )
    problems += proxy_problems(choices)
    if recorded and layout.installed_app() != layout.app:
        problems.append(f"this server's blog runs from {layout.installed_app()}: run the deploy/install there")
    # Behind a proxy, https_port is the proxy's public port: nothing listens on it here.
    ports = (choices.http_port,) if choices.tls == "none" else (choices.http_port, choices.https_port)
    for port in dict.fromkeys(ports):
        problems.append(port_taken(port, layout))
    if choices.http_port == choices.https_port and choices.tls != "none":
        problems.append("--http-port and --https-port must differ")
    problems.append(foreign_site(layout))
    return [problem for problem in problems if problem]
