"""Network plumbing shared by discovery's steps: one stop switch for every open socket of a
run (cancel or deadline: all of them wake at once), connecting by a name that discovery's own
DNS resolved, and a hardened HTTPS GET (verified certificates, size cap, bounded HTTPS-only
redirects)."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from urllib.parse import urljoin, urlsplit

from mailwizard.core.discovery.dns import Dns, DnsUnavailable

MAX_BODY = 100_000
MAX_REDIRECTS = 3
USER_AGENT = "mailwizard-discovery"


class Stopped(Exception):
    """The run was cancelled or ran out of time."""


class StepFailed(Exception):
    """A step gave nothing usable; the message says why (for IT, under Details)."""


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
            last = "refused" if isinstance(exc, ConnectionRefusedError) else \
                "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
    raise StepFailed(f"{host}:{port}: {last}")


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


class _Connection(http.client.HTTPSConnection):
    """HTTPS to the address discovery's DNS gave, with the certificate checked for the name."""

    def __init__(self, host, port, *, dns, switch, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._dns, self._switch = dns, switch
        self.raw: socket.socket | None = None

    def connect(self):
        raw, _ = connect(self.host, self.port, self._dns, self._switch, self.timeout)
        self.raw = raw
        self.sock = self.raw = wrap_tls(raw, self._context, self.host, self._switch)


def https_get(url: str, *, dns: Dns, switch: Switch, ctx: ssl.SSLContext,
              timeout: float = 4.0, max_body: int = MAX_BODY,
              max_redirects: int = MAX_REDIRECTS, trail: list[str] | None = None) -> bytes:
    """The body of a 200 answer. HTTPS only, also after redirects (at most `max_redirects`);
    a body over `max_body` bytes is refused. Raises StepFailed or Stopped."""
    trail = trail if trail is not None else []
    seen: set[str] = set()
    for _ in range(max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise StepFailed(f"{url}: not an HTTPS address, not asked")
        if url in seen:
            raise StepFailed(f"{url}: redirect loop")
        seen.add(url)
        trail.append(url)
        status, location, body = _get_once(url, parts, dns, switch, ctx, timeout, max_body)
        if status in (301, 302, 303, 307, 308):
            if not location:
                raise StepFailed(f"{url}: redirect without a target")
            url = urljoin(url, location)
            continue
        if status != 200:
            raise StepFailed(f"{url}: HTTP {status}")
        return body
    raise StepFailed(f"more than {max_redirects} redirects")


def _get_once(url, parts, dns, switch, ctx, timeout, max_body):
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    conn = _Connection(parts.hostname, parts.port or 443, dns=dns, switch=switch,
                       timeout=switch.left(timeout), context=ctx)
    try:
        conn.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*",
                                           "Accept-Encoding": "identity"})
        resp = conn.getresponse()
        if resp.status != 200:
            return resp.status, resp.getheader("Location", ""), b""
        length = resp.getheader("Content-Length")
        if length and length.isdigit() and int(length) > max_body:
            raise StepFailed(f"{url}: answer too large ({length} bytes)")
        chunks, size = [], 0
        while True:
            conn.sock.settimeout(switch.left(timeout))
            chunk = resp.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_body:
                raise StepFailed(f"{url}: answer larger than {max_body} bytes, not read")
            chunks.append(chunk)
        return 200, "", b"".join(chunks)
    except ssl.SSLCertVerificationError as exc:
        raise StepFailed(f"{url}: certificate not trusted ({exc.verify_message})") from None
    except (OSError, http.client.HTTPException) as exc:
        if switch.stopped:
            raise Stopped() from None
        raise StepFailed(f"{url}: {type(exc).__name__} {exc}"[:300]) from None
    finally:
        if conn.raw is not None:
            switch.untrack(conn.raw)
        conn.close()
