"""A real SMTP check, stage by stage: resolve, connect, greeting, EHLO, TLS, AUTH, test message.

Rules it keeps, whatever the settings say:
- certificates are verified (TLS 1.2 or newer); a private CA file or one explicitly pinned
  certificate are the only ways to trust more;
- a password never leaves before TLS is up;
- exactly one AUTH command per check: the mechanism is chosen from what the server offers and
  never retried with another one (providers lock accounts after a few failures);
- one deadline for the whole check bounds every read, write and handshake, and `cancel()`
  from another thread closes the socket so the check stops at once;
- the transcript never holds a secret.

The deadline, the cancel and the resolve, connect and TLS stages are in checks/connection.py
(the Exchange check shares them), the one AUTH in checks/smtp_auth.py; the result types,
re-exported here, in checks/result.py.
"""

from __future__ import annotations

import logging
import select
import smtplib
import socket
import ssl
import time
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Callable

from mailwizard.core.checks.connection import (  # noqa: F401 (_POLL: for checks/ews.py)
    _POLL, ConnectionCheck)
from mailwizard.core.checks.message import build_test_message, message_bytes, \
    test_message_body  # noqa: F401 (re-exported)
from mailwizard.core.checks.result import (  # noqa: F401 (re-exported)
    CertificateInfo, CheckFailure, CheckResult, StageResult)
from mailwizard.core.checks.failure import describe_refused_certificate, failure_from
from mailwizard.core.checks.smtp_auth import authenticate
from mailwizard.core.checks.tls import _describe_only_context, make_tls_context
from mailwizard.core.checks.transport import (  # noqa: F401 (MAX_* re-exported)
    MAX_REPLY_LINE, MAX_REPLY_LINES, CheckCancelled, _StageFailed, _TracingSMTP)
from mailwizard.core.profile import AuthMethod, Profile, Security
from mailwizard.core.redact import register_secret

log = logging.getLogger(__name__)

# Stages, in the order they can happen: resolve, connect, (tls), greeting, ehlo, (starttls,
# ehlo_tls), auth, mail_from, rcpt_to, data, quit. The wizard's grouping: core/stages.py.

#: Without a greeting by then on a plain connection, probe whether the port speaks TLS
#: (not on the ports in WAIT_FOR_GREETING_PORTS).
DEFAULT_GREETING_WAIT = 2.0

#: Ports where the client must wait for the greeting, however slow, and send nothing first:
#: mail servers there (Postfix's postscreen, Exim's and sendmail's greet pause, tarpits) hold
#: the greeting on purpose and count a client that speaks first, even with a TLS ClientHello
#: on a second connection, as a spammer. The TLS probe is only for 465 and unusual ports.
WAIT_FOR_GREETING_PORTS = frozenset({25, 587})


class SmtpCheck(ConnectionCheck):
    """One validation run. Create, call run() (blocking; use a worker thread in a GUI), and
    call cancel() from any thread to stop it promptly."""

    def __init__(
        self,
        profile: Profile,
        secret: str | None = None,
        *,
        send_test_to: str | None = None,
        progress: Callable[[str, str, float], None] | None = None,
        greeting_wait: float = DEFAULT_GREETING_WAIT,
        local_hostname: str | None = None,
        xoauth2_token: str | None = None,
        outgoing=None,
        resolve: Callable[[str], list[str]] | None = None,
        check_sender: bool = True,
    ):
        super().__init__(profile, progress=progress, resolve=resolve)
        self._secret = secret
        self._xoauth2_token = xoauth2_token
        register_secret(secret)
        register_secret(xoauth2_token)
        self.send_test_to = send_test_to
        #: a real message to send instead of the test message (core/outgoing.py)
        self.outgoing = outgoing
        #: without a message to send: ask the server to accept the sender, send nothing
        self.check_sender = check_sender
        self.greeting_wait = greeting_wait
        # A fixed, neutral EHLO name: socket.getfqdn() can take seconds on a badly set up PC.
        self.local_hostname = local_hostname or "mailwizard.localdomain"

    def run(self) -> CheckResult:
        r = self.result
        r.started_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        t0 = time.perf_counter()
        smtp: _TracingSMTP | None = None
        try:
            self.profile.raise_if_invalid()
            smtp = self._run_stages()
            r.ok = True
        except Exception as exc:  # every failure becomes facts for the diagnosis
            r.failure = self._failure_from(exc)
            self._end_stage("cancelled" if r.failure.kind == "cancelled" else "failed",
                            r.failure.message)
        finally:
            self._close(smtp)
            r.elapsed_ms = (time.perf_counter() - t0) * 1000
        if r.failure is not None and r.failure.kind == "tls_verify":
            r.failure.certificate = describe_refused_certificate(self)
            if self._cancel.is_set():
                r.failure = CheckFailure(stage=r.failure.stage, kind="cancelled",
                                         message="cancelled")
        return r

    # -- stages -------------------------------------------------------------------------
    def _run_stages(self) -> _TracingSMTP:
        p, r = self.profile, self.result
        host = p.ascii_host
        timeout = float(p.timeout)
        self._deadline = time.monotonic() + timeout
        ctx = make_tls_context(p)
        addrs, sock = self._open(ctx, host, timeout)

        smtp = _TracingSMTP(r.transcript, self.local_hostname, self._time_left)
        smtp._host = host  # used by smtplib.starttls() for the certificate's name
        smtp.sock = sock
        smtp.file = None

        self._greeting(smtp, addrs, host, timeout)

        self._begin("ehlo")
        self._ehlo(smtp)
        self._ok()

        if p.security is Security.STARTTLS:
            self._starttls(smtp, ctx, host)

        r.server_features = sorted(smtp.esmtp_features)

        if p.auth is AuthMethod.PASSWORD or self._xoauth2_token:
            self._begin("auth")
            self._authenticate(smtp)
            self._ok(r.auth_mechanism)

        self._message_stages(smtp)
        self._quit(smtp)
        return smtp

    def _open(self, ctx: ssl.SSLContext, host: str,
              timeout: float) -> tuple[list, socket.socket]:
        """The resolve, connect and (for SSL/TLS from the first byte) tls stages: the
        addresses found and the connected socket."""
        p, r = self.profile, self.result
        self._begin("resolve")
        addrs = self._resolve(host, p.port, timeout)
        self._ok(", ".join(a[4][0] for a in addrs[:4]))

        self._begin("connect")
        sock = self._connect(addrs, timeout)
        r.peer = "%s:%s" % sock.getpeername()[:2]
        self._ok(r.peer)

        if p.security is Security.TLS:
            self._begin("tls")
            sock = self._handshake(ctx, sock, host)
            self._ok(f"{r.tls_version}, {r.cipher}")
        return addrs, sock

    def _greeting(self, smtp: _TracingSMTP, addrs, host: str, timeout: float) -> None:
        """The greeting stage: the server's 220 line (waited for on a plain connection)."""
        self._begin("greeting")
        if self.profile.security is not Security.TLS:
            self._wait_for_greeting(smtp.sock, addrs, host, timeout)
        code, msg = smtp.getreply()
        if code != 220:
            raise _StageFailed("smtp_reply", f"server did not greet: {code}", code,
                               msg.decode("utf-8", "replace"))
        self._ok(f"{code} {msg.decode('utf-8', 'replace').splitlines()[0][:120]}")

    def _starttls(self, smtp: _TracingSMTP, ctx: ssl.SSLContext, host: str) -> None:
        """The starttls stage (STARTTLS and the TLS handshake), then ehlo_tls: EHLO again,
        since what the server offered before TLS no longer counts."""
        r = self.result
        self._begin("starttls")
        if not smtp.has_extn("starttls"):
            raise _StageFailed("starttls_not_offered",
                               "the server does not offer STARTTLS (encryption)")
        code, msg = smtp.docmd("STARTTLS")
        if code != 220:
            raise _StageFailed("smtp_reply", "STARTTLS refused", code,
                               msg.decode("utf-8", "replace"))
        smtp.drop_buffer()
        smtp.sock = self._handshake(ctx, smtp.sock, host)
        smtp.file = None
        smtp.helo_resp = smtp.ehlo_resp = None
        smtp.esmtp_features = {}
        smtp.does_esmtp = False
        self._ok(f"{r.tls_version}, {r.cipher}")

        self._begin("ehlo_tls")
        self._ehlo(smtp)
        self._ok()

    def _message_stages(self, smtp: _TracingSMTP) -> None:
        """The real message, else the test message, else (when asked) whether the server
        takes mail from the sender, with nothing sent."""
        p, r = self.profile, self.result
        if self.outgoing is not None:
            o = self.outgoing
            needs_utf8 = not (o.envelope_from.isascii() and all(a.isascii()
                                                                 for a in o.recipients))
            r.message_id = o.message_id
            self._transfer(smtp, o.envelope_from, o.recipients, o.data, needs_utf8)
        elif self.send_test_to:
            self._send_test_message(smtp, self.send_test_to)
        elif self.check_sender and p.from_address:
            self._check_sender(smtp, p.from_address)

    def _quit(self, smtp: _TracingSMTP) -> None:
        self._begin("quit")
        try:
            smtp.quit()
            self._ok()
        except (smtplib.SMTPException, OSError) as exc:
            # The message is already accepted; a rude goodbye is not a failure.
            self._end_stage("ok", f"connection closed without goodbye ({exc})")

    def _wait_for_greeting(self, sock: socket.socket, addrs, host: str, timeout: float) -> None:
        """Wait for the 220 line. If none comes within greeting_wait, check on a second
        connection whether the port speaks TLS from the start (the classic 465 + STARTTLS
        mistake), so the user hears about it in seconds rather than after the full timeout.
        On 25 and 587 only wait: a slow greeting there is a defence, not a wrong port. The
        transcript says which was done."""
        start = time.monotonic()
        port = self.profile.port
        may_probe = port not in WAIT_FOR_GREETING_PORTS
        noted = False
        transcript = self.result.transcript
        while True:
            self._check_cancel()
            readable, _, _ = select.select([sock], [], [], _POLL)
            if readable:
                if noted:
                    transcript.append(f"* greeting after {time.monotonic() - start:.1f} s")
                return
            waited = time.monotonic() - start
            left = self._deadline - time.monotonic()
            if not noted and waited >= min(self.greeting_wait, timeout):
                noted = True
                if not may_probe:
                    transcript.append(
                        f"* no greeting after {waited:.1f} s: waiting for it, sending nothing "
                        f"(port {port}: mail servers there may pause on purpose; no TLS probe)")
                elif left > 0.2:
                    transcript.append(
                        f"* no greeting after {waited:.1f} s: trying TLS from the first byte on "
                        f"a second connection (port {port} may expect SSL/TLS)")
                    # The probe shares the check's time: it cannot make the check run longer.
                    if self._port_speaks_tls(addrs, host, min(5.0, left)):
                        transcript.append("* the second connection answered with TLS")
                        raise _StageFailed(
                            "implicit_tls_port",
                            "no greeting: this port expects SSL/TLS from the first byte")
                    transcript.append("* the second connection did not answer with TLS; "
                                      "still waiting for the greeting")
            if waited >= timeout or time.monotonic() >= self._deadline:
                raise _StageFailed("greeting_timeout",
                                   f"connected, but the server said nothing for {timeout:g} s")

    def _port_speaks_tls(self, addrs, host: str, timeout: float) -> bool:
        family, type_, proto, addr = self._peer
        probe = socket.socket(family, type_, proto)
        probe.settimeout(timeout)
        deadline = time.monotonic() + timeout
        with self._sock_lock:  # cancel() must reach the probe too
            main_sock, self._live_sock = self._live_sock, probe
        tls = None
        try:
            probe.connect(addr)
            tls = _describe_only_context().wrap_socket(probe, server_hostname=host,
                                                       do_handshake_on_connect=False)
            with self._sock_lock:
                self._live_sock = tls
            self._shake_hands(tls, deadline)
            return True
        except (ssl.SSLError, OSError):
            return False
        finally:
            (tls or probe).close()
            with self._sock_lock:
                self._live_sock = main_sock
            self._check_cancel()

    def _ehlo(self, smtp: _TracingSMTP) -> None:
        code, msg = smtp.ehlo(self.local_hostname)
        if code == -1:
            raise smtplib.SMTPServerDisconnected("connection closed after EHLO")
        if code != 250:
            raise _StageFailed("smtp_reply", "the server refused EHLO", code,
                               msg.decode("utf-8", "replace"))

    def _authenticate(self, smtp: _TracingSMTP) -> None:
        """The one AUTH command of the check (checks/smtp_auth.py)."""
        authenticate(smtp, self.result, self.profile.username, self._secret,
                     self._xoauth2_token)

    def _send_test_message(self, smtp: _TracingSMTP, to: str) -> None:
        p, r = self.profile, self.result
        msg = build_test_message(p, to)
        r.test_message_to = to
        r.message_id = msg["Message-ID"]
        needs_utf8 = not (p.from_address.isascii() and to.isascii())
        self._transfer(smtp, p.from_address, [to], message_bytes(msg), needs_utf8)

    def _check_sender(self, smtp: _TracingSMTP, sender: str) -> None:
        """MAIL FROM the sender and RCPT TO that same address, then RSET: the server says
        whether it takes mail from this sender, and no message is sent. A refusal that some
        servers give only after DATA (Microsoft's SendAs) needs the real test message."""
        self._mail_from(smtp, sender, needs_utf8=not sender.isascii())
        self._begin("rcpt_to")
        code, resp = smtp.rcpt(sender)
        if 400 <= code < 500 and code != 421:  # "try later" (greylisting): not proven
            self._ok(f"{code} not confirmed: {resp.decode('utf-8', 'replace')[:120]}")
        elif code not in (250, 251):
            raise _StageFailed("sender_check", f"the server will not take mail from {sender} "
                                               "(asked with the sender as recipient)", code,
                               resp.decode("utf-8", "replace"))
        else:
            self._ok(f"{code} (the sender itself; no message sent)")
            self.result.sender_accepted = True
        self._begin("rset")
        try:
            code, _ = smtp.rset()
            self._ok(f"{code}")
        except (smtplib.SMTPException, OSError) as exc:
            self._end_stage("ok", f"reset not answered ({exc}); nothing was sent")

    def _mail_from(self, smtp: _TracingSMTP, sender: str, needs_utf8: bool) -> None:
        """MAIL FROM, with SMTPUTF8 when an address needs it (refused in words when the
        server does not offer it)."""
        self._begin("mail_from")
        opts: list[str] = []
        if needs_utf8:
            if not smtp.has_extn("smtputf8"):
                raise _StageFailed("smtputf8", "the server cannot take non-ASCII addresses")
            opts.append("SMTPUTF8")
        code, resp = smtp.mail(sender, opts)
        if code != 250:
            raise _StageFailed("smtp_reply", "sender refused", code,
                               resp.decode("utf-8", "replace"))
        self._ok(f"{code}")

    def _transfer(self, smtp: _TracingSMTP, sender: str, recipients: list[str], data: bytes,
                  needs_utf8: bool) -> None:
        """MAIL, one RCPT per recipient (all must be accepted, else nothing is sent), DATA."""
        self._mail_from(smtp, sender, needs_utf8)
        self._begin("rcpt_to")
        for rcpt in recipients:
            code, resp = smtp.rcpt(rcpt)
            if code not in (250, 251):
                raise _StageFailed("smtp_reply", f"recipient {rcpt} refused", code,
                                   resp.decode("utf-8", "replace"))
        self._ok(f"{code}" + (f" ({len(recipients)} recipients)" if len(recipients) > 1 else ""))

        self._begin("data")
        code, resp = smtp.data(data)
        if code != 250:
            raise _StageFailed("smtp_reply", "message refused", code,
                               resp.decode("utf-8", "replace"))
        self._ok(resp.decode("utf-8", "replace")[:200])

    # -- failures -----------------------------------------------------------------------
    def _failure_from(self, exc: BaseException) -> CheckFailure:
        """The facts of a failure (checks/failure.py); the Exchange and OAuth checks add
        their own."""
        return failure_from(exc, self._stage, cancelled=self._cancel.is_set(),
                            out_of_time=time.monotonic() >= self._deadline,
                            certificate=self.result.certificate)



def run_check(profile: Profile, secret: str | None = None, **kwargs) -> CheckResult:
    """Convenience: run one check and return its result."""
    return SmtpCheck(profile, secret, **kwargs).run()

