"""DNS look-ups for discovery and deliverability: one resolver, bounded in time, and a
configurable server for closed networks and tests (`--dns-server`, MAILWIZARD_DNS_SERVER).

dnspython is imported here, on this path only."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from mailwizard.core.i18n import _

ENV_DNS_SERVER = "MAILWIZARD_DNS_SERVER"


class DnsUnavailable(Exception):
    """The DNS server could not be asked (time-out, refused, no server). Not "no such record"."""


def parse_server(spec: str) -> tuple[str, int]:
    """`IP`, `IP:PORT`, `[IPv6]:PORT` or a bare IPv6 address -> (ip, port). Raises ValueError."""
    import ipaddress

    spec = spec.strip()
    port = 53
    if spec.startswith("["):
        host, sep, rest = spec[1:].partition("]")
        if not sep:
            raise ValueError(_("{value}: a closing ']' is missing").format(value=repr(spec)))
        if rest:
            if not rest.startswith(":"):
                raise ValueError(_("{value}: expected [IPv6]:PORT").format(value=repr(spec)))
            port = _port(rest[1:], spec)
    elif spec.count(":") == 1:
        host, _colon, p = spec.partition(":")
        port = _port(p, spec)
    else:
        host = spec
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(_("{value} is not an IP address (a DNS server is given by its "
                           "address)").format(value=repr(spec)))
    return host, port


def _port(text: str, spec: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(_("{value}: the port must be a number from 1 to 65535").format(
            value=repr(spec)))
    return int(text)


@dataclass(frozen=True)
class Mx:
    preference: int
    host: str  # lower case, no trailing dot


@dataclass(frozen=True)
class Srv:
    priority: int
    weight: int
    port: int
    target: str  # lower case, no trailing dot; "" means "no service here" (RFC 2782 ".")


class Dns:
    """A resolver with a deadline: every query gets at most `timeout` seconds, and never more
    than what is left of `deadline` (a `time.monotonic()` value) when one is given."""

    def __init__(self, server: str | None = None, timeout: float = 3.0,
                 deadline: float | None = None):
        import dns.resolver

        server = server if server is not None else os.environ.get(ENV_DNS_SERVER) or None
        if server:
            ip, port = parse_server(server)
            self._resolver = dns.resolver.Resolver(configure=False)
            self._resolver.nameservers = [ip]
            self._resolver.port = port
        else:
            try:
                self._resolver = dns.resolver.Resolver()
            except dns.resolver.NoResolverConfiguration as exc:
                raise DnsUnavailable(_("no DNS server is configured on this computer "
                                       "({error})").format(error=exc))
        self._resolver.cache = None
        self.server = server or ",".join(self._resolver.nameservers)
        self.timeout = timeout
        self.deadline = deadline

    def _lifetime(self) -> float:
        left = self.timeout
        if self.deadline is not None:
            left = min(left, self.deadline - time.monotonic())
        if left <= 0.01:
            raise DnsUnavailable(_("no time left for this DNS look-up"))
        return left

    def _query(self, name: str, rdtype: str):
        import dns.exception
        import dns.resolver

        try:
            return list(self._resolver.resolve(name, rdtype, lifetime=self._lifetime(),
                                               search=False, raise_on_no_answer=False))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.resolver.NoNameservers as exc:
            raise DnsUnavailable(_("the DNS server gave no usable answer for {name} "
                                   "({error})").format(name=name, error=exc))
        except dns.exception.Timeout:
            raise DnsUnavailable(_("the DNS server did not answer in time for {name}").format(
                name=name))
        except dns.exception.DNSException as exc:
            raise DnsUnavailable(_("DNS look-up of {name} failed ({error})").format(name=name,
                                                                                   error=exc))

    def mx(self, domain: str) -> list[Mx]:
        found = [Mx(r.preference, _name(r.exchange)) for r in self._query(domain, "MX")]
        return sorted(found, key=lambda m: (m.preference, m.host))

    def srv(self, name: str) -> list[Srv]:
        found = [Srv(r.priority, r.weight, r.port, _name(r.target))
                 for r in self._query(name, "SRV")]
        return sorted(found, key=lambda s: (s.priority, -s.weight, s.target))

    def txt(self, name: str) -> list[str]:
        """Each TXT record as one string (its character-strings joined, RFC 7208 3.3)."""
        return [b"".join(r.strings).decode("utf-8", "replace") for r in self._query(name, "TXT")]

    def addresses(self, name: str) -> list[str]:
        return [r.address for rdtype in ("A", "AAAA") for r in self._query(name, rdtype)]

    def cname(self, name: str) -> str:
        found = self._query(name, "CNAME")
        return _name(found[0].target) if found else ""


def _name(n) -> str:
    return n.to_text(omit_final_dot=True).lower()


def resolver_for_checks(server: str | None = None, timeout: float = 5.0):
    """host -> its addresses through `server` (else MAILWIZARD_DNS_SERVER), for a check that
    must find the same servers discovery found (closed networks, tests); None when no DNS
    server is named, so the check uses the system's resolver as always. A DNS server that
    cannot be asked is reported as a failed look-up (socket.gaierror), like the system's."""
    server = server or os.environ.get(ENV_DNS_SERVER) or None
    if not server:
        return None

    def resolve(host: str) -> list[str]:
        import socket

        try:
            return Dns(server, timeout=timeout).addresses(host)
        except DnsUnavailable as exc:
            raise socket.gaierror(socket.EAI_AGAIN, str(exc)) from None

    return resolve
