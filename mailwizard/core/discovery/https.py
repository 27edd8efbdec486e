"""A hardened HTTPS GET for the autoconfig and ISPDB look-ups: the name resolved by
discovery's own DNS, the certificate verified for that name, the body capped, redirects
bounded and HTTPS-only."""

from __future__ import annotations

import http.client
import ssl
from urllib.parse import urljoin, urlsplit

from mailwizard.core.discovery.dns import Dns
from mailwizard.core.discovery.net import StepFailed, Stopped, Switch, connect, wrap_tls

MAX_BODY = 100_000
MAX_REDIRECTS = 3
USER_AGENT = "mailwizard-discovery"


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
