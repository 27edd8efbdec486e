"""Real SMTP servers on loopback for the tests: aiosmtpd with trustme certificates, and a few
raw-socket servers that misbehave on purpose. Nothing here ever listens beyond 127.0.0.1."""

from __future__ import annotations

import base64
import binascii
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from typing import Callable
import asyncio
import email.policy
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, AuthResult, LoginPassword

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    # aiosmtpd 1.4.6 cannot bind port 0 itself: find a free one and hand it over.
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> Message:
        return message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class Recorder:
    """What a server saw. Also scripts replies, like a provider would send them."""

    users: dict[str, str] = field(default_factory=dict)
    reply_to_auth: str | None = None  # e.g. "534 5.7.9 Application-specific password required"
    reply_to_mail: str | None = None
    reply_to_rcpt: str | None = None
    reply_to_data: str | None = None
    commands_auth: list[str] = field(default_factory=list)  # mechanisms, one per AUTH command
    logins: list[str] = field(default_factory=list)  # user names that succeeded
    #: every (user name, password) an AUTH command offered, accepted or not
    passwords_tried: list[tuple[str, str]] = field(default_factory=list)
    #: every RCPT TO address, in the order the server saw them
    rcpt_seen: list[str] = field(default_factory=list)
    messages: list[Received] = field(default_factory=list)
    stall: str = ""  # "AUTH" or "DATA": hang there (for cancel tests)

    # aiosmtpd handler hooks -------------------------------------------------------------
    async def handle_AUTH(self, server, session, envelope, args):
        self.commands_auth.append(args[0].upper())
        if self.stall == "AUTH":
            await asyncio.sleep(60)
        return self.reply_to_auth if self.reply_to_auth else MISSING

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.reply_to_mail:
            return self.reply_to_mail
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen.append(address)
        if self.reply_to_rcpt:
            return self.reply_to_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stall == "DATA":
            await asyncio.sleep(60)
        if self.reply_to_data:
            return self.reply_to_data
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content or envelope.content))
        return "250 2.0.0 Ok: queued as TEST"

    # aiosmtpd authenticator ------------------------------------------------------------
    def authenticator(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            self.passwords_tried.append((user, auth_data.password.decode()))
            if self.users.get(user) == auth_data.password.decode():
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@dataclass
class XOAuth2Recorder(Recorder):
    """A Recorder that also offers XOAUTH2 (aiosmtpd advertises every handler method named
    auth_*) and accepts only tokens for which `token_ok(token)` is true, e.g. the OAuth test
    server's `valid_access_token`. A refused token is answered as Google does: 334 and a
    base64 JSON status, then 535 5.7.8 after the client's empty line."""

    token_ok: Callable[[str], bool] | None = None
    xoauth2_refused: int = 0

    async def auth_XOAUTH2(self, server, args):
        if len(args) == 2:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False,
                                  message="501 5.5.2 Cannot decode base64")
        else:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in blob.decode("utf-8", "replace")
                      .split("\x01") if "=" in part)
        user, auth = fields.get("user", ""), fields.get("auth", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        if user and token and self.token_ok is not None and self.token_ok(token):
            self.logins.append(user)
            return AuthResult(success=True)
        self.xoauth2_refused += 1
        status = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
        if await server.challenge_auth(json.dumps(status)) is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message=(
            "535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
            "535 5.7.8  https://support.google.com/mail/?p=BadCredentials"))


@dataclass
class SmtpServer:
    """A running aiosmtpd server and what it saw."""

    host: str
    port: int
    recorder: Recorder
    controller: Controller
    mode: str  # "starttls", "tls", "plain"

    def stop(self) -> None:
        self.controller.stop()


def start_smtp_server(*, mode: str, cert_ctx: ssl.SSLContext | None, recorder: Recorder,
                      auth_require_tls: bool = True,
                      auth_exclude: list[str] | None = None,
                      smtputf8: bool | None = None) -> SmtpServer:
    port = free_port()
    kwargs = dict(hostname=LOOPBACK, port=port, server_hostname="mx.test.invalid",
                  authenticator=recorder.authenticator, auth_exclude_mechanism=auth_exclude,
                  ready_timeout=5.0)
    if smtputf8 is not None:  # None: aiosmtpd's default, which offers SMTPUTF8
        kwargs["enable_SMTPUTF8"] = smtputf8
    if mode == "starttls":
        ctl = Controller(recorder, tls_context=cert_ctx, require_starttls=True,
                          auth_require_tls=auth_require_tls, **kwargs)
    elif mode == "tls":
        # With implicit TLS, auth_require_tls=True hides AUTH (aiosmtpd #281/#274).
        ctl = Controller(recorder, ssl_context=cert_ctx, auth_require_tls=False, **kwargs)
    elif mode == "plain":
        ctl = Controller(recorder, auth_require_tls=auth_require_tls, **kwargs)
    else:
        raise ValueError(mode)
    ctl.start()
    return SmtpServer(LOOPBACK, port, recorder, ctl, mode)


class RawServer:
    """A TCP server on loopback that runs `behaviour(conn)` for each connection in a thread:
    for silence, slow greetings, a 421 and goodbye, a hang-up mid-session."""

    def __init__(self, behaviour):
        self._behaviour = behaviour
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((LOOPBACK, 0))
        self._sock.listen(8)
        self.host, self.port = self._sock.getsockname()
        self.connections = 0
        #: connections whose behaviour ran to its own end (not stopped, not cut by the client):
        #: a client that should have given up by its own timeout must leave this at 0
        self.finished = 0
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            self._conns.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            self._behaviour(conn, self._stop)
            if not self._stop.is_set():
                self.finished += 1
        except OSError:
            pass

    def stop(self) -> None:
        self._stop.set()
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        self._sock.close()
        self._thread.join(2)


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """Accept and say nothing, like a firewall that holds connections or a wrong port."""
    stop.wait(30)


def greet_421(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"421 4.3.2 Service not available, closing transmission channel\r\n")
    conn.close()


def tls_then_silent(server_ctx: ssl.SSLContext):
    """First connection: a TLS server with `server_ctx` (the client refuses its certificate);
    every later connection (the certificate fetch): accept and say nothing."""
    seen = {"n": 0}

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        seen["n"] += 1
        if seen["n"] == 1:
            try:
                server_ctx.wrap_socket(conn, server_side=True).close()
            except (ssl.SSLError, OSError):
                pass
            return
        stop.wait(30)

    return behaviour


def closed_port() -> int:
    """A loopback port where nothing listens (connections are refused)."""
    return free_port()
