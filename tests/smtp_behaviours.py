"""SMTP stand-ins that behave like real servers on an ordinary bad day: a greeting held back on
purpose (Postfix's postscreen, greet pauses, tarpits) or sent as several `220-` lines, replies
that come slowly or in several lines (`535-`/`534-` as Gmail and Microsoft 365 send them), a
connection closed or reset after EHLO, AUTH or during DATA, a `421` mid-session, and TLS
variants (a missing intermediate certificate, an expired certificate, a server stuck on TLS
1.0/1.1). One small SMTP server on raw sockets, scripted by a `Behaviour`, recording in `Seen`
what the client did, above all whether it said anything before the greeting (postscreen's
"pregreet"). Listens on loopback only; `privileged_address()` gives a loopback address of its
own for ports 25 and 587 (root needed), so parallel test runs never collide.

tests/servers.py keeps the aiosmtpd servers and the raw hostile ones; this module is for
servers that are slow or rude but otherwise real."""

from __future__ import annotations

import base64
import datetime
import os
import random
import select
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field

import trustme

LOOPBACK = "127.0.0.1"


@dataclass
class Behaviour:
    """What the server does. Stages for `replies` and `actions`: ehlo (the first EHLO),
    ehlo_tls (EHLO after STARTTLS), starttls, auth, mail, rcpt, data (after the message's
    last line), rset, quit."""

    #: "starttls" (plain start, STARTTLS offered), "tls" (TLS from the first byte), "plain"
    security: str = "starttls"
    #: seconds of silence before the first greeting line (greet pause, tarpit)
    greeting_delay: float = 0.0
    #: the greeting's lines; several make a multi-line greeting (220-… then 220 …)
    greeting: list[str] = field(default_factory=lambda: ["220 mx.test.invalid ESMTP"])
    #: seconds between the greeting's lines (postscreen's pause between its 220- and the real
    #: 220, its greet wait)
    greeting_pause: float = 0.0
    #: seconds before every further line of a reply to a command (a tarpit that trickles a
    #: multi-line reply)
    line_delay: float = 0.0
    #: seconds before every reply to a command (a slow but working server)
    reply_delay: float = 0.0
    #: stage -> the reply's lines, instead of the normal answer
    replies: dict[str, list[str]] = field(default_factory=dict)
    #: stage -> "close" (hang up), "reset" (TCP reset) or "421" (421 and hang up), instead
    #: of the answer
    actions: dict[str, str] = field(default_factory=dict)
    #: user name -> password accepted by AUTH PLAIN / LOGIN (after TLS only)
    users: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    """What the server saw, one entry per connection where it says so."""

    connections: int = 0
    #: bytes received before the greeting's last line was sent, per connection
    pregreet: list[bytes] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # verbs, in order, all connections
    logins: list[str] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    tls_failures: list[str] = field(default_factory=list)  # handshakes the client refused

    @property
    def auth_attempts(self) -> int:
        return self.commands.count("AUTH")


class _Hangup(Exception):
    pass


class BehavingSmtpServer:
    """A scripted SMTP server on `host`:`port` (port 0: any free port), one thread per
    connection. `ctx` is the server's TLS context (for STARTTLS or implicit TLS). Use as a
    context manager or call stop()."""

    def __init__(self, behaviour: Behaviour, ctx: ssl.SSLContext | None = None, *,
                 host: str = LOOPBACK, port: int = 0):
        self.behaviour = behaviour
        self.ctx = ctx
        self.seen = Seen()
        self._sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(8)
        self.host, self.port = self._sock.getsockname()[:2]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._serve, daemon=True)
        self._accepting.start()

    def __enter__(self) -> BehavingSmtpServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._sock.close()
        self._accepting.join(2)
        for t in self._threads:
            t.join(2)
        for c in conns:
            try:
                c.close()
            except OSError:
                pass

    # -- serving ----------------------------------------------------------------------------
    def _serve(self) -> None:
        self._sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self._conns.append(conn)
                self.seen.connections += 1
                self.seen.pregreet.append(b"")
                index = len(self.seen.pregreet) - 1
            t = threading.Thread(target=self._session, args=(conn, index), daemon=True)
            self._threads.append(t)
            t.start()

    def _session(self, conn: socket.socket, index: int) -> None:
        session = _Session(self, conn, index)
        try:
            session.run()
        except (_Hangup, OSError, ssl.SSLError, ValueError, IndexError):
            pass
        finally:
            try:
                session.conn.close()  # the TLS socket once STARTTLS has wrapped the plain one
            except OSError:
                pass


class _Session:
    def __init__(self, server: BehavingSmtpServer, conn: socket.socket, index: int):
        self.server, self.b, self.seen = server, server.behaviour, server.seen
        self.conn: socket.socket = conn
        self.index = index
        self.buffer = b""
        self.tls = False
        self.ehlo_count = 0

    # -- plumbing ---------------------------------------------------------------------------
    def wait(self, seconds: float, *, record: bool = False) -> None:
        """Stay silent for `seconds`; with `record`, keep what the client sends meanwhile."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0 or self.server._stop.is_set():
                break
            if not record:
                self.server._stop.wait(min(left, 0.05))
                continue
            readable, _, _ = select.select([self.conn], [], [], min(left, 0.05))
            if readable:
                data = self.conn.recv(4096)
                if not data:
                    raise _Hangup()
                self.seen.pregreet[self.index] += data
        if self.server._stop.is_set():
            raise _Hangup()

    def send_lines(self, lines: list[str], delay: float, *, record: bool = False) -> None:
        for i, line in enumerate(lines):
            if i and delay:
                self.wait(delay, record=record)
            self.conn.sendall(line.encode("utf-8") + b"\r\n")

    def reply(self, *lines: str) -> None:
        if self.b.reply_delay:
            self.wait(self.b.reply_delay)
        self.send_lines(list(lines), self.b.line_delay)

    def readline(self) -> bytes:
        while b"\n" not in self.buffer:
            if self.server._stop.is_set():
                raise _Hangup()
            readable, _, _ = select.select([self.conn], [], [], 0.05)
            if not readable and not (isinstance(self.conn, ssl.SSLSocket)
                                     and self.conn.pending()):
                continue
            data = self.conn.recv(4096)
            if not data:
                raise _Hangup()
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.rstrip(b"\r")

    def start_tls(self) -> None:
        assert self.server.ctx is not None, "a TLS behaviour needs the server's ctx"
        self.buffer = b""
        self.conn.settimeout(5)
        try:
            tls = self.server.ctx.wrap_socket(self.conn, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.seen.tls_failures.append(str(exc))
            raise _Hangup() from exc
        tls.settimeout(None)
        with self.server._lock:
            self.server._conns.append(tls)
        self.conn, self.tls = tls, True

    def act(self, stage: str) -> bool:
        """Do what the behaviour says instead of the normal answer at `stage`: True if done."""
        if stage in self.b.replies:
            self.reply(*self.b.replies[stage])
            return True
        action = self.b.actions.get(stage)
        if action is None:
            return False
        if action == "421":
            self.reply("421 4.7.0 mx.test.invalid Service not available, closing "
                       "transmission channel")
        elif action == "reset":
            # SO_LINGER with a zero time: close() sends a TCP reset, as a crashed process or a
            # firewall dropping the session does.
            self.conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif action != "close":
            raise ValueError(action)
        raise _Hangup()

    # -- the conversation -------------------------------------------------------------------
    def run(self) -> None:
        b = self.b
        if b.security == "tls":
            self.start_tls()
        if b.greeting_delay:
            self.wait(b.greeting_delay, record=not self.tls)
        self.send_lines(b.greeting, b.greeting_pause, record=not self.tls)
        while True:
            line = self.readline()
            verb, _, arg = line.decode("utf-8", "replace").partition(" ")
            verb = verb.upper()
            self.seen.commands.append(verb)
            handler = getattr(self, "on_" + verb.lower(), None)
            if handler is None:
                self.reply("502 5.5.2 Command not recognised")
            else:
                handler(arg)

    def on_ehlo(self, arg: str) -> None:
        self.ehlo_count += 1
        if self.act("ehlo_tls" if self.tls and self.b.security == "starttls" else "ehlo"):
            return
        lines = ["250-mx.test.invalid", "250-PIPELINING", "250-SIZE 35882577", "250-8BITMIME"]
        if self.b.security == "starttls" and not self.tls:
            lines.append("250-STARTTLS")
        if self.tls or self.b.security == "plain":
            lines.append("250-AUTH PLAIN LOGIN")
        lines.append("250 SMTPUTF8")
        self.reply(*lines)

    def on_helo(self, arg: str) -> None:
        self.reply("250 mx.test.invalid")

    def on_starttls(self, arg: str) -> None:
        if self.act("starttls"):
            return
        self.reply("220 2.0.0 Ready to start TLS")
        self.start_tls()

    def on_auth(self, arg: str) -> None:
        mech, _, initial = arg.partition(" ")
        mech = mech.upper()
        if mech == "PLAIN":
            if not initial:
                self.reply("334 ")
                initial = self.readline().decode()
            parts = base64.b64decode(initial).split(b"\0")
            user, password = parts[1].decode(), parts[2].decode()
        elif mech == "LOGIN":
            if not initial:
                self.reply("334 VXNlcm5hbWU6")
                initial = self.readline().decode()
            user = base64.b64decode(initial).decode()
            self.reply("334 UGFzc3dvcmQ6")
            password = base64.b64decode(self.readline()).decode()
        else:
            self.reply("504 5.5.4 Unrecognized authentication type")
            return
        if self.act("auth"):
            return
        if self.b.users.get(user) == password:
            self.seen.logins.append(user)
            self.reply("235 2.7.0 Authentication successful")
        else:
            self.reply("535 5.7.8 Authentication credentials invalid")

    def on_mail(self, arg: str) -> None:
        if not self.act("mail"):
            self.reply("250 2.1.0 Ok")

    def on_rcpt(self, arg: str) -> None:
        if not self.act("rcpt"):
            self.reply("250 2.1.5 Ok")

    def on_data(self, arg: str) -> None:
        self.reply("354 End data with <CR><LF>.<CR><LF>")
        lines = []
        while True:
            line = self.readline()
            if line == b".":
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        if self.act("data"):
            return
        self.seen.messages.append(b"\r\n".join(lines) + b"\r\n")
        self.reply("250 2.0.0 Ok: queued as BEHAVED")

    def on_rset(self, arg: str) -> None:
        if not self.act("rset"):
            self.reply("250 2.0.0 Ok")

    def on_noop(self, arg: str) -> None:
        self.reply("250 2.0.0 Ok")

    def on_quit(self, arg: str) -> None:
        if not self.act("quit"):
            self.reply("221 2.0.0 Bye")
        raise _Hangup()


# -- addresses ---------------------------------------------------------------------------------
def privileged_address() -> str:
    """A loopback address of this test's own (127.27.x.y) for a server on port 25 or 587:
    binding there needs root, and the address keeps parallel runs apart. Fails, naming root,
    when not run as root (scripts/test.sh runs as root)."""
    if os.geteuid() != 0:
        import pytest

        pytest.fail("a server on port 25 or 587 needs root: run the tests as root "
                    "(scripts/test.sh)")
    pick = random.SystemRandom()  # pytest-randomly reseeds `random` alike for every test
    return f"127.27.{pick.randint(1, 254)}.{pick.randint(1, 254)}"


# -- TLS variants ------------------------------------------------------------------------------
def server_context(cert_pem: bytes, key_pem: bytes, *, tls_max: ssl.TLSVersion | None = None,
                   ) -> ssl.SSLContext:
    """A server context that sends exactly `cert_pem` (one or more certificates) and, with
    `tls_max`, speaks no newer TLS than that."""
    import tempfile

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if tls_max is not None:
        # OpenSSL 3 allows TLS 1.0/1.1 only at security level 0.
        import warnings

        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():  # deprecated, which is the point of this server
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = tls_max
    with tempfile.TemporaryDirectory() as d:
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        with open(cert, "wb") as f:
            f.write(cert_pem)
        with open(key, "wb") as f:
            f.write(key_pem)
        ctx.load_cert_chain(cert, key)
    return ctx


def trusted(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    """A certificate for `names` from `ca` (which the client trusts), sent with its chain."""
    leaf = ca.issue_cert(*names)
    return server_context(b"".join(p.bytes() for p in leaf.cert_chain_pems),
                          leaf.private_key_pem.bytes())


def leaf_without_intermediate(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    """A certificate from an intermediate CA under `ca`, the server sending only the leaf (the
    most common certificate mistake: the client has the root but cannot link the leaf to it)."""
    leaf = ca.create_child_ca().issue_cert(*names)
    return server_context(leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes())


def leaf_with_intermediate(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    """The same, done right: the leaf and its intermediate."""
    leaf = ca.create_child_ca().issue_cert(*names)
    return server_context(b"".join(p.bytes() for p in leaf.cert_chain_pems),
                          leaf.private_key_pem.bytes())


def expired(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    """A certificate from a trusted CA that expired yesterday."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    leaf = ca.issue_cert(*names, not_before=now - datetime.timedelta(days=90),
                         not_after=now - datetime.timedelta(days=1))
    return server_context(b"".join(p.bytes() for p in leaf.cert_chain_pems),
                          leaf.private_key_pem.bytes())


def old_tls_only(ca: trustme.CA, *names: str,
                 tls_max: ssl.TLSVersion = ssl.TLSVersion.TLSv1_1) -> ssl.SSLContext:
    """A trusted certificate on a server that speaks TLS 1.1 at most (an old appliance)."""
    leaf = ca.issue_cert(*names)
    return server_context(b"".join(p.bytes() for p in leaf.cert_chain_pems),
                          leaf.private_key_pem.bytes(), tls_max=tls_max)
