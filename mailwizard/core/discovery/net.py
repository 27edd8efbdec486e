"""Network plumbing shared by discovery's steps: one stop switch for every open socket of a
run (cancel or deadline: all of them wake at once), connecting by a name that discovery's own
DNS resolved, and TLS with the certificate checked for that name. (HTTPS: https.py.)"""

from __future__ import annotations

import re
import socket
import ssl
import threading
import time

from mailwizard.core.discovery.dns import Dns, DnsUnavailable
from mailwizard.core.discovery.errors import StepFailed, Stopped  # noqa: F401 - re-exported


class Switch:
    """Cancel and deadline for a whole run. Sockets register while they are open; stop()
    shuts them all, so blocked reads and connects return at once."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._socks: set[socket.socket] = set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when stopped meanwhile."""
        return self._stopped.wait(max(0.0, seconds))

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            try:
                socket.socket.shutdown(s, socket.SHUT_RDWR)
            except OSError:
                pass

    def left(self, cap: float) -> float:
        if self.stopped:
            raise Stopped()
        left = min(cap, self.deadline - time.monotonic())
        if left <= 0.01:
            raise Stopped()
        return left

    def track(self, s: socket.socket) -> None:
        with self._lock:
            self._socks.add(s)
        if self.stopped:
            self.stop()

    def untrack(self, s: socket.socket) -> None:
        with self._lock:
            self._socks.discard(s)


def connect(host: str, port: int, dns: Dns, switch: Switch, timeout: float
            ) -> tuple[socket.socket, str]:
    """A TCP connection to `host` (resolved by discovery's DNS), tracked by the switch; the
    caller untracks and closes it. Raises StepFailed with the reason."""
    try:
        addrs = dns.addresses(host)
    except DnsUnavailable as exc:
        raise StepFailed(f"DNS: {exc}") from None
    if not addrs:
        raise StepFailed(f"{host} does not exist (no address in DNS)")
    last = ""
    for ip in addrs[:2]:
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        switch.track(s)
        try:
            s.settimeout(switch.left(timeout))
            s.connect((ip, port))
            s.settimeout(switch.left(timeout))
            return s, ip
        except Stopped:
            switch.untrack(s)
            s.close()
            raise
        except OSError as exc:
            switch.untrack(s)
            s.close()
            if switch.stopped:
                raise Stopped() from None
            last = said(exc)
    raise StepFailed(f"{host}:{port}: {last}")


def said(exc: BaseException) -> str:
    """What went wrong, in words for IT (a step's detail): never an exception's name."""
    import smtplib

    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted ({exc.verify_message})"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError,
                        smtplib.SMTPServerDisconnected)):
        return "the server closed the connection"
    if isinstance(exc, ssl.SSLError):
        return "the secure connection (TLS) failed: " + (
            (exc.reason or "").replace("_", " ").lower() or "no reason given")
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"the server answered {exc.smtp_code} {text}"[:200]
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return str(exc) or "the server does not support what was asked"
    if isinstance(exc, smtplib.SMTPException):
        return "the server's answer is not valid SMTP" + (f" ({exc})" if str(exc) else "")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    text = str(exc)
    if text and not _EXCEPTION_LIKE.search(text):
        return f"an unexpected problem ({text})"[:200]
    return "an unexpected problem"


#: A Python exception's look ("ValueError: ..."), kept out of what a step says.
_EXCEPTION_LIKE = re.compile(r"\b[A-Z][A-Za-z]+(Error|Exception):|Traceback")


def wrap_tls(raw: socket.socket, ctx: ssl.SSLContext, host: str, switch: Switch
             ) -> ssl.SSLSocket:
    """TLS over a tracked connection, the certificate checked for `host`. The TLS socket
    replaces the plain one in the switch *before* the handshake, so a cancel reaches it."""
    tls = ctx.wrap_socket(raw, server_hostname=host, do_handshake_on_connect=False)
    switch.untrack(raw)
    switch.track(tls)
    try:
        tls.do_handshake()
    except BaseException:
        switch.untrack(tls)
        tls.close()
        raise
    return tls


def tls_context(cafile: str = "") -> ssl.SSLContext:
    """System CAs plus the optional CA file; TLS 1.2 or newer; names checked."""
    ctx = ssl.create_default_context()
    if cafile:
        ctx.load_verify_locations(cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if hasattr(ctx, "keylog_filename"):
        ctx.keylog_filename = None
    return ctx
