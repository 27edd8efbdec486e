"""What every check does up to a secure connection: one deadline for the whole check, a
cancel() from any thread that closes the socket at once, each stage reported as it runs, and
the resolve, connect and TLS handshake stages, each bounded by the deadline and by a cancel.
The SMTP check (checks/smtp.py) and the Exchange one build on it."""

from __future__ import annotations

import errno
import os
import select
import socket
import ssl
import threading
import time
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Callable

    from mailwizard.core.checks.transport import _TracingSMTP

from mailwizard.core.checks.result import CertificateInfo, CheckResult, StageResult
from mailwizard.core.checks.transport import CheckCancelled, _StageFailed
from mailwizard.core.profile import Profile, normalise_fingerprint
from mailwizard.core.redact import redact

_POLL = 0.05  # how often blocking waits look at the cancel flag


def _sha256(der: bytes) -> str:
    import hashlib  # only once a certificate is seen: start-up of the commands that never do

    return hashlib.sha256(der).hexdigest()


class ConnectionCheck:
    """The stages and state of a check that reaches a server: its deadline, its live socket
    (for cancel()), its result and the stage running now."""

    def __init__(self, profile: Profile, *,
                 progress: Callable[[str, str, float], None] | None = None,
                 resolve: Callable[[str], list[str]] | None = None):
        self.profile = profile
        self._progress = progress
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

    # -- resolve, connect, TLS ----------------------------------------------------------
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
