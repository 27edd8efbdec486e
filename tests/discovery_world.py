"""A small loopback Internet for discovery tests: names in a real dnsmasq zone, HTTPS servers
on port 443 (autoconfig, .well-known, the ISPDB) with trustme certificates for those names,
and aiosmtpd servers on 465/587/25 at the addresses the zone gives (good, with an untrusted
certificate, silent). Every server records what it was asked. Needs root (ports < 1024)."""

from __future__ import annotations

import functools
import http.server
import os
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import trustme
from aiosmtpd.controller import Controller
from dns_server import DnsServer, Zone, loopback_address
from servers import Recorder


def server_context(cert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx


# -- HTTPS ----------------------------------------------------------------------------------
Route = Callable[[http.server.BaseHTTPRequestHandler], None]


def body(data: bytes, status: int = 200, ctype: str = "text/xml") -> Route:
    def route(h):
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
    return route


def redirect(location: str) -> Route:
    def route(h):
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return route


def endless(total: int = 10_000_000) -> Route:
    """A huge body with no Content-Length (the reader must stop by itself)."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/xml")
        h.send_header("Connection", "close")
        h.end_headers()
        chunk = b"<a>" + b"x" * 65530 + b"</a>"
        sent = 0
        try:
            while sent < total:
                h.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        h.close_connection = True
    return route


def redirect_with(code: int, location: str) -> Route:
    """A redirect with any status (301/302/303/307/308) and `location` as given: absolute,
    relative to the path (`other.xml`) or to the host (`/other.xml`)."""
    def route(h):
        h.send_response(code)
        h.send_header("Location", location)
        h.send_header("Content-Type", "text/html")
        page = f'<a href="{location}">moved</a>'.encode()
        h.send_header("Content-Length", str(len(page)))
        h.end_headers()
        h.wfile.write(page)
    return route


def chunked(data: bytes, piece: int = 100) -> Route:
    """The body in chunks (Transfer-Encoding: chunked), `piece` bytes each."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/xml")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for i in range(0, len(data), piece):
            part = data[i:i + piece]
            h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            h.wfile.flush()
        h.wfile.write(b"0\r\n\r\n")
    return route


def trickle(data: bytes, piece: int = 64, every: float = 0.02, *,
            chunks: bool = False, done: threading.Event | None = None) -> Route:
    """The body arriving slowly: `piece` bytes every `every` seconds, with a Content-Length
    (or chunked with `chunks`); `done` is set once the whole body was sent."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/xml")
        if chunks:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        try:
            for i in range(0, len(data), piece):
                part = data[i:i + piece]
                h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunks else part)
                h.wfile.flush()
                time.sleep(every)
            if chunks:
                h.wfile.write(b"0\r\n\r\n")
            if done is not None:
                done.set()
        except OSError:
            h.close_connection = True
    return route


def until_close(data: bytes) -> Route:
    """The body with neither a length nor chunks: it ends where the server closes."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/xml")
        h.end_headers()
        h.wfile.write(data)
        h.close_connection = True
    return route


def closing(data: bytes) -> Route:
    """`Connection: close` with a Content-Length (an HTTP/1.1 server that does not keep
    connections)."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/xml")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(data)
        h.close_connection = True
    return route


class HttpsServer:
    """`protocol` "HTTP/1.0" is Python's http.server as it comes: no keep-alive, the
    connection closed after each answer. `reuse` says what happens to a kept-alive
    connection: "keep" (answer the next request), "close" (close it silently after the first
    answer, which said nothing about closing), "drop" (read the next request, then close
    without an answer: a server's keep-alive timeout meeting the client's request)."""

    def __init__(self, ca: trustme.CA, names: list[str], routes: dict[str, Route],
                 address: str | None = None, *, protocol: str = "HTTP/1.1",
                 reuse: str = "keep"):
        self.address = address or loopback_address()
        self.names = names
        self.routes = routes
        self.requests: list[str] = []  # "host path"
        self.connections = 0
        ctx = server_context(ca.issue_cert(*names))
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = protocol
            answered = 0

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                outer.connections += 1

            def do_GET(self):
                host = (self.headers.get("Host") or "").split(":")[0]
                outer.requests.append(f"{host} {self.path}")
                if self.answered and reuse == "drop":
                    self.close_connection = True
                    return
                self.answered += 1
                if reuse == "close":
                    self.close_connection = True
                route = outer.routes.get(f"{host}{self.path}") or \
                    outer.routes.get(f"{host}{self.path.split('?')[0]}")
                if route is None:
                    body(b"not here", 404, "text/plain")(self)
                else:
                    route(self)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                conn, addr = self.socket.accept()
                conn.settimeout(5)
                try:
                    return ctx.wrap_socket(conn, server_side=True), addr
                except (ssl.SSLError, OSError):
                    conn.close()
                    raise

            def handle_error(self, request, client_address):
                pass

        self._httpd = Server((self.address, 443), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class StaticHttpsServer:
    """Python's own file server exactly as `python -m http.server` runs it
    (SimpleHTTPRequestHandler: HTTP/1.0, the connection closed after each answer), over TLS,
    serving `files` ({"path": bytes}) from a temporary folder for every name."""

    def __init__(self, ca: trustme.CA, names: list[str], files: dict[str, bytes],
                 address: str | None = None):
        self.address = address or loopback_address()
        self.names = names
        self._dir = tempfile.TemporaryDirectory(prefix="mailwizard-www-")
        for path, data in files.items():
            target = os.path.join(self._dir.name, path.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
        ctx = server_context(ca.issue_cert(*names))
        handler = functools.partial(_QuietFiles, directory=self._dir.name)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                conn, addr = self.socket.accept()
                conn.settimeout(5)
                try:
                    return ctx.wrap_socket(conn, server_side=True), addr
                except (ssl.SSLError, OSError):
                    conn.close()
                    raise

            def handle_error(self, request, client_address):
                pass

        self._httpd = Server((self.address, 443), handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._dir.cleanup()


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


# -- SMTP -----------------------------------------------------------------------------------
class SilentServer:
    """Accepts and never says a word."""

    def __init__(self, address: str, port: int):
        self.address, self.port = address, port
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((address, port))
        self._sock.listen(16)
        self.connections = 0
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            self._held.append(conn)

    def stop(self):
        self._stop.set()
        for c in self._held:
            c.close()
        self._sock.close()


class ScriptedServer:
    """A TCP server whose every connection is handed to `script(conn)` in its own thread:
    a greeting refused, a hang-up at once, a server without STARTTLS..."""

    def __init__(self, address: str, port: int, script: Callable[[socket.socket], None]):
        self.address, self.port = address, port
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((address, port))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self.connections = 0
        threading.Thread(target=self._serve, args=(script,), daemon=True).start()

    def _serve(self, script):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._run, args=(script, conn), daemon=True).start()

    @staticmethod
    def _run(script, conn):
        try:
            conn.settimeout(5)
            script(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self):
        self._stop.set()
        self._sock.close()


def hang_up(conn: socket.socket) -> None:
    """Accept, then close without a word."""


def greet_and_refuse(conn: socket.socket) -> None:
    conn.sendall(b"554 5.7.1 no service for you\r\n")


def no_starttls(conn: socket.socket) -> None:
    """A plain SMTP server that offers no STARTTLS (and no sign-in)."""
    conn.sendall(b"220 plain.example ESMTP\r\n")
    f = conn.makefile("rb")
    for line in f:
        cmd = line[:4].upper()
        if cmd in (b"EHLO", b"HELO"):
            conn.sendall(b"250-plain.example\r\n250 8BITMIME\r\n")
        elif cmd == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"502 not here\r\n")


@dataclass
class SmtpBox:
    name: str
    port: int
    mode: str
    recorder: Recorder
    controller: Controller

    def stop(self):
        self.controller.stop()


@dataclass
class World:
    ca: trustme.CA
    zone: Zone = field(default_factory=Zone)
    addresses: dict[str, str] = field(default_factory=dict)
    https: list[HttpsServer | StaticHttpsServer] = field(default_factory=list)
    smtp: list[SmtpBox] = field(default_factory=list)
    silent: list[SilentServer] = field(default_factory=list)
    scripted: list[ScriptedServer] = field(default_factory=list)
    dns: DnsServer | None = None

    def address_of(self, name: str) -> str:
        if name not in self.addresses:
            self.addresses[name] = loopback_address()
            self.zone.a[name] = self.addresses[name]
        return self.addresses[name]

    def web(self, names: list[str], routes: dict[str, Route], **kw) -> HttpsServer:
        """One HTTPS server answering for all `names` (one address, one certificate);
        `kw` as HttpsServer's (protocol, reuse)."""
        srv = HttpsServer(self.ca, names, routes, **kw)
        for n in names:
            self.addresses[n] = srv.address
            self.zone.a[n] = srv.address
        self.https.append(srv)
        return srv

    def static_web(self, names: list[str], files: dict[str, bytes]) -> StaticHttpsServer:
        """Python's `http.server` as it comes (HTTP/1.0), serving `files` for all `names`."""
        srv = StaticHttpsServer(self.ca, names, files)
        for n in names:
            self.addresses[n] = srv.address
            self.zone.a[n] = srv.address
        self.https.append(srv)
        return srv

    def mail(self, name: str, port: int, mode: str | None = None, *,
             trusted: bool = True, users: dict[str, str] | None = None,
             ident: str | None = None) -> SmtpBox:
        mode = mode or ("tls" if port == 465 else "starttls")
        ca = self.ca if trusted else trustme.CA()
        ctx = server_context(ca.issue_cert(name))
        rec = Recorder(users=dict(users or {}))
        kw = dict(hostname=self.address_of(name), port=port, server_hostname=name,
                  authenticator=rec.authenticator, ready_timeout=5.0)
        if ident:
            kw["ident"] = ident
        if mode == "tls":
            ctl = Controller(rec, ssl_context=ctx, auth_require_tls=False, **kw)
        else:
            ctl = Controller(rec, tls_context=ctx, require_starttls=True,
                             auth_require_tls=True, **kw)
        ctl.start()
        box = SmtpBox(name, port, mode, rec, ctl)
        self.smtp.append(box)
        return box

    def mute(self, name: str, port: int) -> SilentServer:
        s = SilentServer(self.address_of(name), port)
        self.silent.append(s)
        return s

    def scripted_server(self, name: str, port: int,
                        script: Callable[[socket.socket], None]) -> ScriptedServer:
        """A TCP server at `name`:`port` that runs `script` on each connection (hang_up,
        greet_and_refuse, no_starttls or your own)."""
        s = ScriptedServer(self.address_of(name), port, script)
        self.scripted.append(s)
        return s

    def start(self) -> str:
        self.dns = DnsServer(self.zone)
        return self.dns.spec

    @property
    def auth_commands(self) -> int:
        return sum(len(b.recorder.commands_auth) for b in self.smtp)

    def stop(self) -> None:
        for s in [*self.https, *self.smtp, *self.silent, *self.scripted]:
            try:
                s.stop()
            except Exception:
                pass
        if self.dns:
            self.dns.stop()
