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
"""

from __future__ import annotations

import base64
import errno
import logging
import os
import select
import smtplib
import socket
import ssl
import threading
import time
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Callable

from mailwizard.core.checks.message import build_test_message, message_bytes, \
    test_message_body  # noqa: F401 (re-exported)
from mailwizard.core.checks.result import (  # noqa: F401 (re-exported)
    CertificateInfo, CheckFailure, CheckResult, StageResult)
from mailwizard.core.checks.failure import describe_refused_certificate, failure_from
from mailwizard.core.checks.tls import _describe_only_context, make_tls_context
from mailwizard.core.checks.transport import (  # noqa: F401 (MAX_* re-exported)
    MAX_REPLY_LINE, MAX_REPLY_LINES, CheckCancelled, _StageFailed, _TracingSMTP)
from mailwizard.core.profile import AuthMethod, Profile, Security, normalise_fingerprint
from mailwizard.core.redact import redact, register_secret

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

_POLL = 0.05  # how often blocking waits look at the cancel flag


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _sha256(der: bytes) -> str:
    import hashlib  # only once a certificate is seen: start-up of the commands that never do

    return hashlib.sha256(der).hexdigest()


class SmtpCheck:
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
        self.profile = profile
        self._secret = secret
        self._xoauth2_token = xoauth2_token
        register_secret(secret)
        register_secret(xoauth2_token)
        self.send_test_to = send_test_to
        #: a real message to send instead of the test message (core/outgoing.py)
        self.outgoing = outgoing
        #: without a message to send: ask the server to accept the sender, send nothing
        self.check_sender = check_sender
        self._progress = progress
        self.greeting_wait = greeting_wait
        # A fixed, neutral EHLO name: socket.getfqdn() can take seconds on a badly set up PC.
        self.local_hostname = local_hostname or "mailwizard.localdomain"
        self._cancel = threading.Event()
        self._sock_lock = threading.Lock()
        self._live_sock: socket.socket | None = None
        self.result = CheckResult(ok=False, profile=profile)
        self._stage = "resolve"
        self._stage_start = 0.0
        self._peer: tuple | None = None  # (family, type, proto, sockaddr) actually connected
        self._deadline = float("inf")  # time.monotonic() by which the whole check ends
        #: host -> IP addresses, instead of the system resolver (discovery's DNS server)
        self._resolve_with = resolve

    # -- public -------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the check from another thread: the blocked call returns at once."""
        self._cancel.set()
        with self._sock_lock:
            sock = self._live_sock
        if sock is not None:
            try:
                # socket.socket.shutdown, not SSLSocket.shutdown: wake the reader, leave the
                # TLS object alone for the worker thread to close.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

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
    def _begin(self, stage: str) -> None:
        self._check_cancel()
        self._stage = stage
        self._stage_start = time.perf_counter()
        if self._progress:
            self._progress(stage, "running", 0.0)

    def _end_stage(self, status: str, detail: str = "") -> None:
        if self._stage_start == 0.0:
            return
        ms = (time.perf_counter() - self._stage_start) * 1000
        self.result.stages.append(StageResult(self._stage, status, ms, redact(detail)))
        self._stage_start = 0.0
        if self._progress:
            self._progress(self._stage, status, ms)

    def _ok(self, detail: str = "") -> None:
        self._end_stage("ok", detail)

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise CheckCancelled()

    def _time_left(self) -> float:
        """Seconds left of the check's time; TimeoutError once they are spent. Every wait of
        the check takes at most this, so the check ends within its timeout."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the server did not finish answering within the "
                               f"{float(self.profile.timeout):g} s this check may take")
        return left

    def _run_stages(self) -> _TracingSMTP:
        p, r = self.profile, self.result
        host = p.ascii_host
        timeout = float(p.timeout)
        self._deadline = time.monotonic() + timeout
        ctx = make_tls_context(p)

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

        smtp = _TracingSMTP(r.transcript, self.local_hostname, self._time_left)
        smtp._host = host  # used by smtplib.starttls() for the certificate's name
        smtp.sock = sock
        smtp.file = None

        self._begin("greeting")
        if p.security is not Security.TLS:
            self._wait_for_greeting(sock, addrs, host, timeout)
        code, msg = smtp.getreply()
        if code != 220:
            raise _StageFailed("smtp_reply", f"server did not greet: {code}", code,
                               msg.decode("utf-8", "replace"))
        self._ok(f"{code} {msg.decode('utf-8', 'replace').splitlines()[0][:120]}")

        self._begin("ehlo")
        self._ehlo(smtp)
        self._ok()

        if p.security is Security.STARTTLS:
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

        r.server_features = sorted(smtp.esmtp_features)

        if p.auth is AuthMethod.PASSWORD or self._xoauth2_token:
            self._begin("auth")
            self._authenticate(smtp)
            self._ok(r.auth_mechanism)

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

        self._begin("quit")
        try:
            smtp.quit()
            self._ok()
        except (smtplib.SMTPException, OSError) as exc:
            # The message is already accepted; a rude goodbye is not a failure.
            self._end_stage("ok", f"connection closed without goodbye ({exc})")
        return smtp

    def _resolve(self, host: str, port: int, timeout: float):
        """getaddrinfo has no timeout of its own: run it on a helper thread and wait for it
        in small steps, so a dead resolver or a cancel does not hold the check."""
        try:  # an IP address needs no lookup, and no helper thread
            return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                      flags=socket.AI_NUMERICHOST)
        except socket.gaierror:
            pass
        if self._resolve_with is not None:
            ips = self._resolve_with(host)
            if not ips:
                raise socket.gaierror(socket.EAI_NONAME, f"{host}: no such name")
            return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6,
                     "", (ip, port)) for ip in ips]
        box: dict[str, Any] = {}
        done = threading.Event()

        def work():
            try:
                box["addrs"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except BaseException as exc:  # handed to the waiting thread
                box["error"] = exc
            done.set()

        threading.Thread(target=work, name="mailwizard-resolve", daemon=True).start()
        deadline = min(time.monotonic() + timeout, self._deadline)
        while not done.wait(_POLL):
            self._check_cancel()
            if time.monotonic() > deadline:
                raise _StageFailed("resolve_timeout",
                                   f"looking up {host} took longer than {timeout:g} s")
        if "error" in box:
            raise box["error"]
        return box["addrs"]

    def _connect(self, addrs, timeout: float) -> socket.socket:
        """Try each address in turn; the connect itself polls the cancel flag. Each address
        gets an equal share of the time left, so a dead address (one that drops connection
        attempts instead of refusing them) cannot use up the time of the next one."""
        last_exc: BaseException | None = None
        for i, (family, type_, proto, _, addr) in enumerate(addrs):
            share = max(0.0, self._deadline - time.monotonic()) / (len(addrs) - i)
            deadline = time.monotonic() + share
            sock = socket.socket(family, type_, proto)
            with self._sock_lock:
                self._live_sock = sock
            try:
                sock.setblocking(False)
                err = sock.connect_ex(addr)
                if err not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
                    raise OSError(err, os.strerror(err))
                while True:
                    self._check_cancel()
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(f"no answer from {addr[0]} port {addr[1]} "
                                           f"within {share:.1f} s")
                    _, writable, _ = select.select([], [sock], [], min(_POLL, remaining))
                    if writable:
                        break
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err == errno.ECONNREFUSED:
                    raise ConnectionRefusedError(err, os.strerror(err))
                if err:
                    raise OSError(err, os.strerror(err))
                sock.setblocking(True)
                sock.settimeout(self._time_left())
                self._peer = (family, type_, proto, addr)
                return sock
            except BaseException as exc:
                sock.close()
                if not isinstance(exc, OSError):
                    raise
                last_exc = exc
                if i + 1 < len(addrs):
                    self.result.transcript.append(
                        f"* {addr[0]} port {addr[1]}: {exc}; trying the next address "
                        f"{addrs[i + 1][4][0]}")
        assert last_exc is not None
        raise last_exc

    def _handshake(self, ctx: ssl.SSLContext, sock: socket.socket, host: str) -> ssl.SSLSocket:
        # wrap_socket() detaches the plain socket before the handshake: publish the TLS socket
        # first, then shake hands, so that cancel() can interrupt the handshake too.
        tls = ctx.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
        with self._sock_lock:
            self._live_sock = tls
        self._shake_hands(tls)
        der = tls.getpeercert(binary_form=True) or b""
        r = self.result
        r.tls_version = tls.version() or ""
        r.cipher = (tls.cipher() or ("",))[0]
        if self.profile.pinned_sha256:
            want = normalise_fingerprint(self.profile.pinned_sha256)
            info = CertificateInfo.from_der(der, verified=False)
            r.certificate = info
            if info.sha256 != want:
                raise _StageFailed("pin_mismatch",
                                   "the server's certificate is not the one you chose to trust")
            info.verified = True
        else:
            r.certificate = self._describe_verified(tls, der)
        self.result.transcript.append(f"* TLS established: {r.tls_version} {r.cipher}")
        return tls

    def _shake_hands(self, tls: ssl.SSLSocket, deadline: float | None = None) -> None:
        """The TLS handshake, step by step without blocking, so that a silent or trickling
        server is bounded by the check's time and a cancel is seen within _POLL."""
        deadline = self._deadline if deadline is None else deadline
        tls.settimeout(0.0)
        while True:
            self._check_cancel()
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                want = ([tls], [])
            except ssl.SSLWantWriteError:
                want = ([], [tls])
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the secure connection (TLS handshake) did not complete "
                                   "in time")
            select.select(*want, [], min(_POLL, left))
        tls.settimeout(max(0.01, deadline - time.monotonic()))

    @staticmethod
    def _describe_verified(tls: ssl.SSLSocket, der: bytes) -> CertificateInfo:
        # The verified certificate's dict is free; no need to load cryptography on success.
        cert = tls.getpeercert() or {}

        def name(seq) -> str:
            return ", ".join(f"{k}={v}" for rdn in seq for k, v in rdn)

        return CertificateInfo(
            subject=name(cert.get("subject", ())), issuer=name(cert.get("issuer", ())),
            not_before=cert.get("notBefore", ""), not_after=cert.get("notAfter", ""),
            names=[v for _, v in cert.get("subjectAltName", ())],
            sha256=_sha256(der), verified=True)

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

    def _tls_active(self, smtp: _TracingSMTP) -> bool:
        return isinstance(smtp.sock, ssl.SSLSocket)

    def _authenticate(self, smtp: _TracingSMTP) -> None:
        r = self.result
        if not self._tls_active(smtp):
            # profile checks forbid this already; this is the last line of defence
            raise _StageFailed("no_tls_for_password", "refusing to send a password "
                                                      "over an unencrypted connection")
        if not smtp.has_extn("auth"):
            raise _StageFailed("auth_not_offered", "the server does not offer login (AUTH)")
        offered = smtp.esmtp_features["auth"].upper().split()
        user = self.profile.username.encode("utf-8")
        if self._xoauth2_token:
            if "XOAUTH2" not in offered:
                raise _StageFailed("no_common_mechanism",
                                   "the server does not offer XOAUTH2 sign-in; offered: "
                                   + " ".join(offered))
            mech = "XOAUTH2"
            first = b"user=" + user + b"\x01auth=Bearer " + self._xoauth2_token.encode() \
                + b"\x01\x01"
            # Google answers a bad token with 334 <JSON>; an empty line gets the final 535.
            answers = [b""]
        else:
            mech = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
            if mech is None:
                raise _StageFailed("no_common_mechanism",
                                   "the server offers no sign-in method mailwizard uses over "
                                   "TLS (PLAIN or LOGIN); offered: " + " ".join(offered))
            secret = (self._secret or "").encode("utf-8")
            if mech == "PLAIN":
                first, answers = b"\0" + user + b"\0" + secret, []
            else:  # LOGIN: user name with the command, password on the server's 334
                first, answers = user, [secret]
        r.auth_mechanism = mech
        r.auth_attempts += 1  # the one and only AUTH command of this check
        smtp.in_auth = True
        try:
            code, resp = smtp.docmd("AUTH", f"{mech} {_b64(first)}")
            while code == 334 and answers:
                code, resp = smtp.docmd(_b64(answers.pop(0)))
        finally:
            smtp.in_auth = False
        if code not in (235, 503):
            raise smtplib.SMTPAuthenticationError(code, resp)

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

    def _close(self, smtp: _TracingSMTP | None) -> None:
        with self._sock_lock:
            sock = self._live_sock
            self._live_sock = None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


def run_check(profile: Profile, secret: str | None = None, **kwargs) -> CheckResult:
    """Convenience: run one check and return its result."""
    return SmtpCheck(profile, secret, **kwargs).run()

