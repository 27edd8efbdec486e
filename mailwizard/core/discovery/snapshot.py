"""Thunderbird's provider list (the ISPDB), kept in mailwizard: resources/ispdb.json, compiled
by scripts/compile_ispdb.py from a checkout of the thunderbird/autoconfig repository (the
source commit, its date and the date it was read are in the file; the MPL-2.0 notice is
resources/ispdb-LICENSE.txt). Discovery asks it before anything goes out on the network.

Read once, on the first look-up (commands that do not discover never load it); a look-up is
one dictionary access, whatever the size of the list."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from mailwizard.core.profile_types import Security
from mailwizard.core.resources import read_resource_bytes

RESOURCE = "ispdb.json"
_SECURITY = {"ssl": Security.TLS, "starttls": Security.STARTTLS, "plain": Security.NONE}
OAUTH2 = "OAuth2"


@dataclass(frozen=True)
class SnapshotServer:
    host: str              # may hold %EMAILDOMAIN% (filled in by `for_email`)
    port: int
    security: Security
    auth: tuple[str, ...]  # as the file says: password-cleartext, OAuth2, …
    username: str          # %EMAILADDRESS%, %EMAILLOCALPART% …

    @property
    def oauth_only(self) -> bool:
        """Signs in only with OAuth2 (no password of any kind)."""
        return bool(self.auth) and all(a == OAUTH2 for a in self.auth)


@dataclass(frozen=True)
class SnapshotProvider:
    file: str
    id: str
    name: str
    domains: tuple[str, ...]
    mx: tuple[str, ...]     # domains a comment in the file marks as MX names
    smtp: tuple[SnapshotServer, ...]  # the provider's order: the first is its preferred
    help: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    source: dict
    providers: tuple[SnapshotProvider, ...]
    index: dict[str, SnapshotProvider]

    def lookup(self, domain: str) -> SnapshotProvider | None:
        return self.index.get(domain.lower().rstrip("."))

    def __len__(self) -> int:
        return len(self.index)

    def describe(self) -> str:
        """Where the list comes from, for IT (evidence)."""
        s = self.source
        return (f"{s['name']} ({s['repository']} {s['folder']} at commit {s['commit'][:12]}, "
                f"{s['commit_date']}; read {s['read']}), kept in mailwizard")


def _server(d: dict) -> SnapshotServer:
    return SnapshotServer(d["host"], int(d["port"]), _SECURITY[d["socket"]],
                          tuple(d.get("auth", ())), d.get("username", ""))


@functools.lru_cache(maxsize=1)
def load() -> Snapshot:
    data = json.loads(read_resource_bytes(RESOURCE))
    providers = tuple(SnapshotProvider(p["file"], p["id"], p["name"], tuple(p["domains"]),
                                       tuple(p.get("mx", ())),
                                       tuple(_server(s) for s in p["smtp"]),
                                       tuple(p.get("help", ()))) for p in data["providers"])
    index: dict[str, SnapshotProvider] = {}
    for p in providers:
        for d in p.domains:
            index.setdefault(d, p)  # the compiler reports a domain in two files
    return Snapshot(data["source"], providers, index)


def fill(text: str, email: str) -> str:
    """Thunderbird's placeholders filled in for `email`, in any letter case (the list keeps
    host names in lower case, "mail.%emaildomain%")."""
    local, _, domain = email.rpartition("@")
    values = {"%EMAILADDRESS%": email, "%EMAILLOCALPART%": local, "%EMAILDOMAIN%": domain}
    return _PLACEHOLDER.sub(lambda m: values[m.group(0).upper()], text)


_PLACEHOLDER = re.compile("%(?:EMAILADDRESS|EMAILLOCALPART|EMAILDOMAIN)%", re.IGNORECASE)
