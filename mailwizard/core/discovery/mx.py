"""Telling the provider from a domain's mail servers (MX): the patterns are data, in the
`[[mx]]` tables of resources/providers.toml, each with its source and the date it was read
(read from their compiled form, as the presets are: core/providers.py)."""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class MxPattern:
    provider: str
    name: str
    patterns: tuple[str, ...]
    host: str          # "" means the preset's own host
    source: str
    verified: str
    unverified: bool

    def matches(self, mx_host: str) -> bool:
        h = mx_host.lower().rstrip(".")
        return any(fnmatch.fnmatchcase(h, p) for p in self.patterns)


@functools.lru_cache(maxsize=1)
def load_patterns() -> tuple[MxPattern, ...]:
    from mailwizard.core.providers import provider_data

    data = provider_data()
    return tuple(MxPattern(d["provider"], d["name"], tuple(p.lower() for p in d["patterns"]),
                           d.get("host", ""), d["source"], d["verified"],
                           bool(d.get("unverified", False))) for d in data.get("mx", ()))


def match(mx_hosts: list[str]) -> tuple[MxPattern, str] | None:
    """The pattern the most preferred matching MX host selects, and that host."""
    for host in mx_hosts:
        for pattern in load_patterns():
            if pattern.matches(host):
                return pattern, host
    return None


@functools.lru_cache(maxsize=1)
def _public_suffix_list():
    """The Public Suffix List bundled with the `publicsuffixlist` package (no network; read
    once, ≈ 60 ms, only on the MX path)."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registrable_domain(host: str) -> str:
    """The registrable domain of a host by the Public Suffix List: aspmx.l.google.com ->
    google.com, mx01.bay.wind.ne.jp -> wind.ne.jp, mx1.example.co.in -> example.co.in;
    "" when the host is itself a public suffix or has a single label."""
    host = host.lower().rstrip(".")
    return _public_suffix_list().privatesuffix(host) or ""


def base_domain(host: str) -> str:
    """The registrable domain, or the host itself when it has none (see above)."""
    host = host.lower().rstrip(".")
    return registrable_domain(host) or host
