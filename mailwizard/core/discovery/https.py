"""A hardened HTTPS GET for the autoconfig and ISPDB look-ups: the name resolved by
discovery's own DNS, the certificate verified for that name, the body capped, redirects
bounded and HTTPS-only.

HTTP itself is urllib3's (HTTP/1.0 and 1.1, keep-alive or `Connection: close`,
Content-Length, chunked or a body read to the close); only the connection is ours: the TCP
connection comes from `net.connect` (discovery's resolver, the run's stop switch) and TLS from
`net.wrap_tls` (the certificate checked for the name). The socket is kept here, not read back
from the connection, because HTTP may hand it to the answer and forget it (`Connection:
close`). Every failure ends as StepFailed with a sentence (never an exception's name) or as
Stopped."""

from __future__ import annotations

import http.client
import socket
import ssl
from urllib.parse import urljoin, urlsplit

from urllib3.connection import HTTPSConnection
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import IncompleteRead, ProtocolError, ReadTimeoutError

from mailwizard.core.discovery.dns import Dns
from mailwizard.core.discovery.net import StepFailed, Stopped, Switch, connect, wrap_tls

MAX_BODY = 100_000
MAX_REDIRECTS = 3
USER_AGENT = "mailwizard-discovery"
REDIRECTS = (301, 302, 303, 307, 308)
#: A redirect's own body (usually a line of HTML) is read to keep the connection for the next
#: request; a longer one is not read, the connection is dropped instead.
MAX_REDIRECT_BODY = 16_384


class _Connection(HTTPSConnection):
    """urllib3's HTTPS connection over a socket discovery opened: the name resolved by
    discovery's DNS, tracked by the run's switch (a cancel wakes it), TLS checked for the
    name. No proxy: the look-up goes where the name points."""

    def __init__(self, host: str, port: int, *, dns: Dns, switch: Switch, timeout: float,
                 context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, ssl_context=context)
        self._dns, self._switch = dns, switch
        self.tls: ssl.SSLSocket | None = None

    def connect(self) -> None:
        raw, _ = connect(self.host, self.port, self._dns, self._switch,
                         self._switch.left(self.timeout))
        self.tls = wrap_tls(raw, self.ssl_context, self.host, self._switch)
        self.sock = self.tls
        self.is_verified = True
        self._has_connected_to_proxy = False

    def drop(self) -> None:
        if self.tls is not None:
            self._switch.untrack(self.tls)
            try:
                self.tls.close()
            except OSError:
                pass
        self.tls = None
        try:
            self.close()
        except (OSError, Urllib3Error, http.client.HTTPException):
            pass

    def reusable_for(self, host: str, port: int) -> bool:
        """Still open to the same server (a server may close a kept-alive connection)."""
        return (self.tls is not None and self.sock is not None and self.host == host
                and self.port == port and self.is_connected)


def https_get(url: str, *, dns: Dns, switch: Switch, ctx: ssl.SSLContext,
              timeout: float = 4.0, max_body: int = MAX_BODY,
              max_redirects: int = MAX_REDIRECTS, trail: list[str] | None = None) -> bytes:
    """The body of a 200 answer. HTTPS only, also after redirects (at most `max_redirects`);
    a body over `max_body` bytes is refused. Raises StepFailed or Stopped."""
    trail = trail if trail is not None else []
    seen: set[str] = set()
    conn: _Connection | None = None
    try:
        for _ in range(max_redirects + 1):
            parts = urlsplit(url)
            if parts.scheme != "https" or not parts.hostname:
                raise StepFailed(f"{url}: not an HTTPS address, not asked")
            if url in seen:
                raise StepFailed(f"{url}: redirect loop")
            seen.add(url)
            trail.append(url)
            status, location, body, conn = _get_once(url, parts, conn, dns, switch, ctx,
                                                     timeout, max_body)
            if status in REDIRECTS:
                if not location:
                    raise StepFailed(f"{url}: redirect without a target")
                url = urljoin(url, location)
                continue
            if status != 200:
                raise StepFailed(f"{url}: HTTP {status}")
            return body
        raise StepFailed(f"more than {max_redirects} redirects")
    finally:
        if conn is not None:
            conn.drop()


def _get_once(url, parts, conn, dns, switch, ctx, timeout, max_body):
    """One GET: (status, Location, body, the connection if it may carry the next request).
    A kept-alive connection that the server has closed is replaced by a new one, once."""
    host, port = parts.hostname, parts.port or 443
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    reused = conn is not None and conn.reusable_for(host, port)
    if conn is not None and not reused:
        conn.drop()
        conn = None
    while True:
        if conn is None:
            conn = _Connection(host, port, dns=dns, switch=switch, timeout=timeout,
                               context=ctx)
        try:
            return _exchange(url, path, conn, switch, timeout, max_body)
        except _Closed:
            conn.drop()
            conn = None
            if not reused or switch.stopped:
                raise StepFailed(f"{url}: the server closed the connection before "
                                 "answering") from None
            reused = False  # the kept-alive connection was closed meanwhile: ask again
        except BaseException:
            conn.drop()
            raise


class _Closed(Exception):
    """The server closed the connection before the status line."""


def _exchange(url, path, conn, switch, timeout, max_body):
    try:
        if conn.tls is None:
            conn.connect()
        conn.timeout = switch.left(timeout)
        try:
            conn.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*",
                                               "Accept-Encoding": "identity"},
                         preload_content=False, decode_content=False)
            resp = conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError,
                BrokenPipeError) as exc:
            if switch.stopped:
                raise Stopped() from None
            raise _Closed() from exc
        tls = conn.tls
        status = resp.status
        if status in REDIRECTS:
            location = resp.headers.get("Location", "")
            body = _read(url, resp, tls, switch, timeout, MAX_REDIRECT_BODY, lenient=True)
            if body is not None and conn.sock is not None:  # kept alive (HTTP let it open)
                return status, location, b"", conn
            conn.drop()
            return status, location, b"", None
        if status != 200:
            conn.drop()
            return status, "", b"", None
        length = resp.headers.get("Content-Length")
        if length and length.strip().isdigit() and int(length) > max_body:
            raise StepFailed(f"{url}: answer too large ({length.strip()} bytes)")
        body = _read(url, resp, tls, switch, timeout, max_body)
        conn.drop()
        return 200, "", body, None
    except (StepFailed, Stopped, _Closed):
        raise
    except ssl.SSLCertVerificationError as exc:
        raise StepFailed(f"{url}: certificate not trusted ({exc.verify_message})") from None
    except (OSError, Urllib3Error, http.client.HTTPException, ValueError) as exc:
        if switch.stopped:
            raise Stopped() from None
        raise StepFailed(f"{url}: {failure_words(exc)}") from None


def _read(url, resp, tls, switch, timeout, cap, *, lenient=False):
    """The body, read to its end (its length, its last chunk or the close) within the
    deadline; more than `cap` bytes: StepFailed (None when `lenient`: not read on)."""
    chunks, size = [], 0
    while True:
        left = switch.left(timeout)
        if tls is not None and tls.fileno() != -1:  # closed: the answer is read and done
            tls.settimeout(left)
        chunk = resp.read1(65536)
        if not chunk:
            break
        size += len(chunk)
        if size > cap:
            if lenient:
                return None
            raise StepFailed(f"{url}: answer larger than {cap} bytes, not read")
        chunks.append(chunk)
    if switch.stopped:  # a stop shuts the socket: what looks like the end is not
        raise Stopped()
    return b"".join(chunks)


def failure_words(exc: BaseException) -> str:
    """What went wrong on the way, in words for IT (never an exception's name)."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:  # the exception, its causes, and those urllib3 keeps in its arguments
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        chain.append(e)
        todo += [x for x in (e.__cause__, e.__context__, *e.args)
                 if isinstance(x, BaseException)]
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"certificate not trusted ({e.verify_message})"
    for kinds, words in _WORDS:  # the most telling first
        if any(isinstance(e, kinds) for e in chain):
            return words
    for e in chain:
        if isinstance(e, ssl.SSLError):
            return "the secure connection (TLS) failed: " + (
                (e.reason or "").replace("_", " ").lower() or "no reason given")
    return "the connection failed"


_WORDS = [
    ((IncompleteRead, http.client.IncompleteRead),
     "the server closed the connection before the whole answer arrived"),
    ((http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
      ConnectionAbortedError), "the server closed the connection before answering"),
    ((TimeoutError, socket.timeout, ReadTimeoutError), "the server stopped answering (timed out)"),
    ((http.client.LineTooLong, http.client.BadStatusLine, http.client.UnknownProtocol),
     "the server's answer is not HTTP"),
    ((ConnectionRefusedError,), "the server refused the connection"),
    ((ProtocolError, http.client.HTTPException, ValueError),
     "the server's answer broke off or is not valid HTTP"),
]
