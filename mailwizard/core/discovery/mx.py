"""Telling the provider from a domain's mail servers (MX): the patterns are data, in the
`[[mx]]` tables of resources/providers.toml, each with its source and the date it was read."""

from __future__ import annotations

import fnmatch
import functools
import sys
from dataclasses import dataclass

from mailwizard.core.resources import read_resource_bytes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: Second-level labels under which registrations sit one level deeper (example.co.in).
_SECOND_LEVEL = {"co", "com", "net", "org", "ac", "gov", "edu", "ne", "or", "gen", "firm",
                 "ind", "nic", "res"}


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
    data = tomllib.loads(read_resource_bytes("providers.toml").decode("utf-8"))
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


def base_domain(host: str) -> str:
    """aspmx.l.google.com -> google.com; mx1.example.co.in -> example.co.in (a small
    built-in rule, not the public suffix list: good enough to ask the ISPDB)."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) <= 2:
        return ".".join(labels)
    if labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])
