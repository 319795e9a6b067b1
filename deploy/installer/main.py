"""deploy/install's command line: install, upgrade in place, or --check."""

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from deploy.installer import doctor, join, preflight
from deploy.installer.commands import StepFailed
from deploy.installer.layout import Choices, Layout
from deploy.installer.steps import Installer

APP = Path(__file__).resolve().parent.parent.parent


def parser():
    parser = argparse.ArgumentParser(
        prog="deploy/install",
        description="Install E-Scribe on this Debian 12 or 13 server as root (run it again to upgrade in place), "
        "or --check an installed site. docs/DEPLOY.md says what it does.",
    )
    parser.add_argument("name", nargs="?", help="the blog's host name, e.g. blog.example.com")
    parser.add_argument("--email", default="", help="the author's address (the account, Let's Encrypt's notices)")
    parser.add_argument(
        "--tls",
        choices=["letsencrypt", "self-signed", "none"],
        help="where the certificate comes from (default: letsencrypt), or none: a proxy in front "
        "ends TLS and forwards plain HTTP to --http-port",
    )
    parser.add_argument(
        "--proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="with --tls none: the proxy's IP or network (repeat, or separate with commas); "
        "only it may say who the reader is (X-Forwarded-For) and that they came over HTTPS",
    )
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        help="SQLite (the default) or PostgreSQL installed on this machine",
    )
    parser.add_argument(
        "--join",
        type=Path,
        metavar="ENV_FILE",
        help="make this server one more app host of a blog on a shared PostgreSQL and object store: "
        "ENV_FILE is host 1's /etc/escribe/env, copied here (docs/DEPLOY.md, Joining a host)",
    )
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument(
        "--https-port",
        type=int,
        default=443,
        help="with --tls none, the port the proxy serves HTTPS on (the public address's)",
    )
    parser.add_argument(
        "--root", type=Path, default=Path("/"), help="where /etc, /run and /var/log are (for tests; the default is /)"
    )
    parser.add_argument("--check", action="store_true", help="only report what is wrong with the installed site")
    return parser


def main(argv=None):
    args = parser().parse_args(argv)
    if os.geteuid() != 0:
        # It reads the settings (0600), runs manage.py as escribe and writes /etc: before anything else.
        print("deploy/install: deploy/install must run as root (sudo deploy/install ...)", file=sys.stderr)
        print("deploy/install: nothing was changed.", file=sys.stderr)
        return 2
    layout = Layout(app=APP, root=args.root.resolve())
    recorded = layout.load_choices()
    if args.check:
        # Whichever checkout's installer asks, the check is of the install's own checkout.
        return doctor.check(Layout(app=layout.installed_app(), root=layout.root) if recorded else layout)
    if args.join:
        problem = joining_problem(args, recorded)
        if problem:
            print(f"deploy/install: {problem}", file=sys.stderr)
            print("deploy/install: nothing was changed.", file=sys.stderr)
            return 2
        args.name, args.https_port = join.site(args.join)
        args.database = "postgres"
    if args.name is None:
        if recorded is None:
            parser().error("name the blog's host name, e.g. deploy/install blog.example.com")
        args.name = recorded.name
    proxies = tuple(part.strip() for given in args.proxy for part in given.split(",") if part.strip())
    tls = args.tls or (recorded.tls if recorded else "letsencrypt")
    given = Choices(args.name.lower(), args.email, tls, args.database or "sqlite", args.http_port, args.https_port,
                    proxies, joined=bool(args.join))  # fmt: skip
    # A second run upgrades what the first installed, with the first run's choices; but a proxy's addresses
    # change with the hosting, so --proxy given again replaces them.
    choices = replace(recorded, proxies=proxies or recorded.proxies) if recorded else given
    asked = replace(choices, name=given.name, tls=tls) if recorded else given
    refusals = preflight.refusals(layout, asked, recorded)
    if refusals:
        for problem in refusals:
            print(f"deploy/install: {problem}", file=sys.stderr)
        print("deploy/install: nothing was changed.", file=sys.stderr)
        return 2
    installer = Installer(layout, choices, first=recorded is None, **({"join": args.join} if args.join else {}))
    try:
        status = installer.run()
    except StepFailed as failure:
        if installer.login:
            # The account exists now and a run after the fix will not show its password again.
            print(f"\nThe author's account was made before the failure; keep its login:\n\n{installer.login}\n")
        print(f"\ndeploy/install: {failure}", file=sys.stderr)
        print("deploy/install: stopped there; the running site was left as it was. Run it again after the fix.",
              file=sys.stderr)  # fmt: skip
        return 1
    if choices != recorded:
        layout.save_choices(choices)
    return status


def joining_problem(args, recorded):
    """Why --join cannot make this server another host of the blog in its file, or None."""
    if recorded:
        return (f"this server's blog {recorded.name} is installed already; --join is for a new host "
                "(run deploy/install without it to upgrade)")  # fmt: skip
    if args.database:
        return "--database is host 1's: a host that joins uses the database named in --join's file"
    return join.refusal(args.join, args.name)
