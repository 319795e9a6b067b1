"""Requests to the installed site through this machine's nginx, as its own name (Host and SNI), never via DNS.

Behind a TLS-terminating proxy (--tls none) they go over plain HTTP through
nginx's root-only check socket, saying what the proxy would: the reader asked
over HTTPS.
"""

import http.client
import socket
import ssl


class _Connection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 that names the site in the TLS handshake (SNI), as a browser would."""

    def __init__(self, name, port, *, context, timeout):
        super().__init__("127.0.0.1", port, context=context, timeout=timeout)
        self.site_name, self.tls = name, context

    def connect(self):
        raw = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.site_name)


class _UnixConnection(http.client.HTTPConnection):
    """Plain HTTP over a unix socket."""

    def __init__(self, path, *, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self.socket_path))


def get(layout, choices, path, timeout=10):
    """(status, {header: value}, body) of a GET of `path` on the installed site over loopback."""
    headers = {"Host": choices.host, "Accept-Encoding": "identity"}
    if choices.tls == "none":
        connection = _UnixConnection(layout.check_socket, timeout=timeout)
        headers["X-Forwarded-Proto"] = "https"
    else:
        context = ssl.create_default_context()
        # The check is about this machine's nginx, not about who signed its certificate.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = _Connection(choices.name, choices.https_port, timeout=timeout, context=context)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
