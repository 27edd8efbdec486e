"""A failed check in facts, for the diagnosis to put into words (core/diagnosis/): which kind
of failure its exception was (refused, timeout, TLS, the server's reply…), and the certificate
it refused, fetched once more only to be shown."""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import time

from mailwizard.core.checks.result import CertificateInfo, CheckFailure
from mailwizard.core.checks.tls import _describe_only_context
from mailwizard.core.checks.transport import CheckCancelled, _StageFailed, _TracingSMTP
from mailwizard.core.profile import Security
from mailwizard.core.redact import redact

log = logging.getLogger("mailwizard.core.checks.smtp")  # its records keep their name


def failure_from(exc: BaseException, stage: str, *, cancelled: bool, out_of_time: bool,
                 certificate: CertificateInfo | None = None) -> CheckFailure:
    """What `exc`, raised at `stage`, says went wrong: the kind, the server's code and reply,
    the errno or TLS reason (`cancelled`: the user stopped the check; `out_of_time`: its
    deadline had passed; `certificate`: the one a pin mismatch was about)."""
    from mailwizard.core.profile import ProfileError

    f = CheckFailure(stage=stage, kind="error", message=redact(str(exc)),
                     exception=type(exc).__name__)
    if cancelled and not isinstance(exc, ProfileError):
        f.kind, f.message = "cancelled", "cancelled"
        return f
    if isinstance(exc, ProfileError):
        f.stage, f.kind = "settings", "invalid_settings"
    elif isinstance(exc, _StageFailed):
        f.kind, f.code, f.reply = exc.kind, exc.code, redact(exc.reply)
        if exc.kind == "pin_mismatch":
            f.certificate = certificate
    elif isinstance(exc, smtplib.SMTPResponseException):
        f.kind, f.code = "smtp_reply", exc.smtp_code
        err = exc.smtp_error
        f.reply = redact(err.decode("utf-8", "replace") if isinstance(err, bytes) else
                         str(err))
        f.message = f"{f.code} {f.reply}".strip()  # the server's words, not a repr
    elif isinstance(exc, ssl.SSLCertVerificationError):
        f.kind = "tls_verify"
        f.ssl_reason = exc.verify_message or exc.reason or ""
    elif isinstance(exc, ssl.SSLError):
        f.kind, f.ssl_reason = "tls", exc.reason or ""
        if isinstance(exc, ssl.SSLEOFError) or isinstance(exc, ssl.SSLZeroReturnError):
            f.kind = "disconnected"
    elif isinstance(exc, socket.gaierror):
        f.kind, f.errno = "resolve", exc.errno
    elif isinstance(exc, ConnectionRefusedError):
        f.kind, f.errno = "refused", exc.errno
    elif isinstance(exc, (TimeoutError, socket.timeout)):
        f.kind = "timeout"
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        f.kind = "timeout" if "timed out" in str(exc) else "disconnected"
    elif isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        f.kind, f.errno = "disconnected", exc.errno
    elif isinstance(exc, OSError):
        f.kind, f.errno = "network", exc.errno
    if f.kind in ("disconnected", "network", "error") and out_of_time:
        f.kind = "timeout"  # the check's time ran out while the server was still talking
    if f.kind == "error":
        log.warning("unexpected failure at %s", stage, exc_info=True)
    return f


def describe_refused_certificate(check) -> CertificateInfo | None:
    """Fetch the certificate `check` (the SmtpCheck, which imports this module) refused, only
    to show it (issuer, dates, names, fingerprint) so the user can decide. Same address as the check; nothing but EHLO and
    STARTTLS is said on this connection; cancel() reaches it like every other socket."""
    p = check.profile
    if check._peer is None or check._cancel.is_set():
        return None
    family, type_, proto, addr = check._peer
    # Only to show the certificate: what is left of the check's time (at least half a
    # second, so a fast refusal can still be shown), never more than 10 s.
    timeout = min(10.0, max(0.5, check._deadline - time.monotonic()))
    deadline = time.monotonic() + timeout
    raw = socket.socket(family, type_, proto)
    raw.settimeout(timeout)
    tls = None
    with check._sock_lock:
        check._live_sock = raw
    try:
        raw.connect(addr)
        if p.security is Security.STARTTLS:
            s = _TracingSMTP([], check.local_hostname,
                             lambda: _left_until(deadline, "showing the certificate"))
            s.sock, s.file, s._host = raw, None, p.ascii_host
            if s.getreply()[0] != 220:
                return None
            s.ehlo(check.local_hostname)
            if s.docmd("STARTTLS")[0] != 220:
                return None
        tls = _describe_only_context().wrap_socket(raw, server_hostname=p.ascii_host,
                                                   do_handshake_on_connect=False)
        with check._sock_lock:
            check._live_sock = tls
        check._shake_hands(tls, deadline)
        der = tls.getpeercert(binary_form=True)
    except (OSError, smtplib.SMTPException, ValueError, CheckCancelled, _StageFailed):
        return None
    finally:
        (tls or raw).close()
        with check._sock_lock:
            check._live_sock = None
    if not der:
        return None
    reason = check.result.failure.ssl_reason if check.result.failure else ""
    return CertificateInfo.from_der(der, verified=False, error=reason)


def _left_until(deadline: float, what: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"no time left for {what}")
    return left
