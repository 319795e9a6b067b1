"""The installer's nginx and TLS steps: the certificate, the site checked by `nginx -t` before nginx loads it."""

import subprocess
from pathlib import Path

from deploy import render
from deploy.installer import units
from deploy.installer.commands import StepFailed, run, undo, write
from deploy.installer.layout import MARKER


class WebServer:
    """Steps of Installer (deploy/installer/steps.py) for nginx; they use its layout, choices and changed()."""

    def certificate(self):
        """The certificate nginx starts with: the self-signed one (made once), or Let's Encrypt's or snakeoil."""
        cert, key = self.layout.certificate(self.choices)
        if self.choices.tls == "letsencrypt":
            if cert.exists():
                return cert, key
            return Path("/etc/ssl/certs/ssl-cert-snakeoil.pem"), Path("/etc/ssl/private/ssl-cert-snakeoil.key")
        if not cert.exists():
            self.layout.tls_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            run("self-signed certificate", [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825", "-keyout", str(key),
                "-out", str(cert), "-subj", f"/CN={self.choices.name}", "-addext",
                f"subjectAltName=DNS:{self.choices.name}",
            ])  # fmt: skip
            key.chmod(0o600)
            self.changed(f"Made a self-signed certificate for {self.choices.name}: {cert}")
        return cert, key

    def site_text(self, cert, key):
        layout, choices = self.layout, self.choices
        if choices.tls == "none":
            mode = {"PROXY": list(choices.proxies), "CHECK_SOCKET": layout.check_socket}
        else:
            mode = {"ACME_ROOT": layout.acme_root, "SSL_CERT": cert, "SSL_KEY": key}
        return (
            MARKER
            + "\n"
            + render.render_file(
                layout.app / "deploy/nginx/escribe.conf",
                {"PROXIED": choices.tls == "none"},
                SERVER_NAME=choices.name,
                HTTP_PORT=choices.http_port,
                HTTPS_PORT=choices.https_port,
                SOCKET=layout.socket,
                STATIC_ROOT=layout.var / "static",
                PAGES_DIR=layout.var / "pages",
                MEDIA_ROOT=layout.var / "media",
                PAGE_HEADERS=layout.page_headers,
                SECURITY_HEADERS=layout.security_headers,
                ACCESS_LOG=layout.access_log,
                **mode,
            )
        )

    def nginx_site(self, cert, key):
        """The site written, tested with `nginx -t`, and only then loaded; put back as it was if the test fails."""
        layout = self.layout
        text = self.site_text(cert, key)
        old = write(layout.site, text)
        linked = layout.site_link.is_symlink()
        if not linked:
            layout.site_link.parent.mkdir(parents=True, exist_ok=True)
            layout.site_link.symlink_to(layout.site)
        stock = layout.stock_site_link.is_symlink() and self.choices.http_port == 80
        if stock:
            stock_target = layout.stock_site_link.readlink()
            layout.stock_site_link.unlink()
        tested = subprocess.run(["nginx", "-t", "-q", "-c", str(layout.nginx_conf)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)  # fmt: skip
        if tested.returncode != 0:
            undo(layout.site, old)
            if not linked:
                layout.site_link.unlink()
            if stock:
                layout.stock_site_link.symlink_to(stock_target)
            raise StepFailed("nginx site (nginx -t)", tested.stdout)
        if stock:
            self.changed("Disabled Debian's default nginx site (it claims port 80's default server)")
        if old != text:
            self.changed(f"Wrote the nginx site {layout.site} (nginx -t passed)")
        self.reload_nginx()

    def reload_nginx(self):
        conf = str(self.layout.nginx_conf)
        if self.systemd:
            run("nginx reload", ["systemctl", "reload-or-restart", "nginx"])
        elif units.alive(units.nginx_pid_file(conf)):
            run("nginx reload", ["nginx", "-c", conf, "-s", "reload"])
        else:
            if self.choices.tls == "none":
                # An nginx killed outright leaves its unix socket behind, and a new one cannot bind over it.
                self.layout.check_socket.unlink(missing_ok=True)
            run("nginx start", ["nginx", "-c", conf])
            self.changed(f"Started nginx directly (nginx -c {conf})")

    def web_server(self):
        if self.choices.tls == "none":
            self.say(f"==> nginx on port {self.choices.http_port}, behind the proxy {', '.join(self.choices.proxies)}")
            self.check_socket_dir()
            self.nginx_site(None, None)
            return
        self.say("==> nginx and TLS")
        self.layout.acme_root.mkdir(parents=True, exist_ok=True)
        cert, key = self.certificate()
        self.nginx_site(cert, key)
        if self.choices.tls == "letsencrypt" and not self.layout.certificate(self.choices)[0].exists():
            self.lets_encrypt()

    def check_socket_dir(self):
        """nginx binds the check socket as root and makes it 0666: its folder keeps everyone else out."""
        layout = self.layout
        folder = layout.check_socket_dir
        # Without the folder nginx cannot start: made again at each boot, before nginx.
        text = f"{MARKER}\nd {folder} 0700 root root -\n"
        if write(layout.check_socket_tmpfiles, text) != text:
            self.changed(f"Wrote {layout.check_socket_tmpfiles} ({folder}, root's alone, at each boot)")
        if self.systemd:
            run("systemd-tmpfiles", ["systemd-tmpfiles", "--create", str(layout.check_socket_tmpfiles)])
        else:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.chmod(0o700)

    def lets_encrypt(self):
        choices = self.choices
        conf = str(self.layout.nginx_conf)
        hook = "systemctl reload nginx" if self.systemd else f"nginx -c {conf} -s reload"
        run("certbot", [
            "certbot", "certonly", "--non-interactive", "--webroot", "-w", str(self.layout.acme_root),
            "-d", choices.name, "--email", choices.email, "--agree-tos", "--no-eff-email", "--deploy-hook", hook,
        ])  # fmt: skip
        self.changed(f"Got a Let's Encrypt certificate for {choices.name} (certbot.timer renews it)")
        self.nginx_site(*self.layout.certificate(choices))
