"""Probing an SMTP server without signing in: connect, read the greeting, EHLO, encryption
(SSL/TLS on 465, STARTTLS elsewhere), the certificate checked for the host name, EHLO again,
read the sign-in methods offered, QUIT. No AUTH command and no password is ever sent: the
only commands are EHLO, STARTTLS and QUIT."""

from __future__ import annotations

import smtplib
import ssl
import time
from typing import Callable

from mailwizard.core.discovery.candidate import ProbeResult
from mailwizard.core.discovery.dns import Dns
from mailwizard.core.discovery.net import (StepFailed, Stopped, Switch, connect, said,
                                           wrap_tls)
from mailwizard.core.profile_types import Security

EHLO_NAME = "mailwizard.localdomain"
#: Ports probed on a host no source named, with the security each usually speaks.
GUESS_PORTS = ((465, Security.TLS), (587, Security.STARTTLS), (25, Security.STARTTLS))


class _ProbeSMTP(smtplib.SMTP):
    """smtplib over a socket we opened; refuses to send anything but the probe's commands."""

    ALLOWED = (b"EHLO", b"HELO", b"STARTTLS", b"QUIT")

    def send(self, s):  # noqa: D401 - smtplib's own name
        data = s.encode("ascii") if isinstance(s, str) else s
        if not data.upper().startswith(self.ALLOWED):
            raise AssertionError("a probe never sends " + data[:4].decode("ascii", "replace"))
        super().send(s)


def _unverified_context() -> ssl.SSLContext:
    # Only used to learn what a server with an untrusted certificate offers (EHLO, QUIT);
    # nothing secret ever goes over it.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def probe(host: str, port: int, security: Security, *, dns: Dns, switch: Switch,
          ctx: ssl.SSLContext | Callable[[], ssl.SSLContext],
          timeout: float = 3.0) -> ProbeResult:
    """`ctx` may be a function giving the context: it is then made only when a server
    answers (loading the system's CAs takes a while)."""
    t0 = time.monotonic()
    result = ProbeResult(host=host, port=port)
    try:
        _session(result, security, dns, switch, ctx, timeout)
        result.cert_verified = result.ok
    except ssl.SSLCertVerificationError as exc:
        result.failure = f"certificate not trusted: {exc.verify_message}"
        result.contradicts = True
        try:  # what does it offer anyway? (read-only, to show it and rank it low)
            _session(result, security, dns, switch, _unverified_context(), timeout)
        except (StepFailed, OSError, smtplib.SMTPException, ValueError):
            result.ok = False
        result.cert_verified = False
    except StepFailed as exc:
        result.failure = str(exc)
        result.contradicts = "refused" in result.failure
    except Stopped:
        result.failure = "stopped (cancelled or out of time)"
    except ssl.SSLError as exc:
        result.failure = f"no {security.value} here ({exc.reason or exc})"
        result.contradicts = True
    except smtplib.SMTPException as exc:
        result.failure = said(exc)
        result.contradicts = True
    except (OSError, ValueError) as exc:
        result.failure = "stopped (cancelled or out of time)" if switch.stopped else \
            said(exc)
    result.elapsed_ms = (time.monotonic() - t0) * 1000
    return result


def _session(result: ProbeResult, security: Security, dns: Dns, switch: Switch,
             ctx: ssl.SSLContext, timeout: float) -> None:
    host, port = result.host, result.port
    sock, result.address = connect(host, port, dns, switch, timeout)
    if not isinstance(ctx, ssl.SSLContext):
        ctx = ctx()
    smtp = _ProbeSMTP(local_hostname=EHLO_NAME, timeout=timeout)
    smtp._host = host
    try:
        if security is Security.TLS:
            sock = wrap_tls(sock, ctx, host, switch)
        smtp.sock, smtp.file = sock, None
        code, msg = smtp.getreply()
        if code != 220:
            raise StepFailed(f"no greeting ({code} {msg[:80]!r})")
        result.greeting = msg.decode("utf-8", "replace").splitlines()[0][:120]
        smtp.ehlo()
        if security is Security.STARTTLS:
            if not smtp.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("no STARTTLS offered (no encryption)")
            code, msg = smtp.docmd("STARTTLS")
            if code != 220:
                raise StepFailed(f"STARTTLS refused ({code})")
            smtp.sock = sock = wrap_tls(sock, ctx, host, switch)
            smtp.file = None
            smtp.helo_resp = smtp.ehlo_resp = None
            smtp.esmtp_features, smtp.does_esmtp = {}, False
            smtp.ehlo()
        result.security = security
        result.auth_mechanisms = tuple(smtp.esmtp_features.get("auth", "").upper().split())
        result.ok = True
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
    finally:
        switch.untrack(sock)
        try:
            sock.close()
        except OSError:
            pass
