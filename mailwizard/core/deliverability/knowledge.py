"""resources/deliverability.toml as plain objects: the sending services (SPF include, DKIM
selectors, set-up page), the free-mail domains and the mailbox providers' sender rules."""

from __future__ import annotations

import fnmatch
import functools
import sys
from dataclasses import dataclass, field, replace

from mailwizard.core.i18n import _
from mailwizard.core.resources import read_resource_bytes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def shown(text: str) -> str:
    """A sentence of deliverability.toml in the user's language ("" stays "": the
    catalogue's empty id is its header)."""
    return _(text) if text else ""


@dataclass(frozen=True)
class Fact:
    source: str
    verified: str
    unverified: bool = False

    def to_dict(self) -> dict:
        return {"source": self.source, "verified": self.verified, "unverified": self.unverified}


@dataclass(frozen=True)
class Dkim:
    kind: str                      # txt | cname | console
    selectors: tuple[str, ...]
    need: str                      # all | any
    value_hint: str


@dataclass(frozen=True)
class SendingService:
    id: str
    name: str
    providers: tuple[str, ...]
    hosts: tuple[str, ...]
    mx: tuple[str, ...]
    spf_include: str
    spf_accept: tuple[str, ...]
    spf_where: str                 # from_domain | service
    spf_note: str
    setup_url: str
    dkim: Dkim
    fact: Fact
    spf_include_by_host: dict = field(default_factory=dict, compare=False)

    def include_for(self, host: str = "") -> str:
        return self.spf_include_by_host.get((host or "").lower(), self.spf_include)

    def matches_host(self, host: str) -> bool:
        h = host.lower().rstrip(".")
        return any(fnmatch.fnmatchcase(h, p) for p in self.hosts)

    def matches_mx(self, host: str) -> bool:
        h = host.lower().rstrip(".")
        return any(fnmatch.fnmatchcase(h, p) for p in self.mx)


@dataclass(frozen=True)
class FreeMail:
    name: str
    domains: tuple[str, ...]
    own: tuple[str, ...]           # provider ids that send as these domains legitimately


@dataclass(frozen=True)
class MailboxRules:
    id: str
    name: str
    since: str
    bulk_per_day: int
    all_senders: str
    bulk: str
    consequence: str
    url: str
    fact: Fact

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "since": self.since,
                "bulk_per_day": self.bulk_per_day,
                "all_senders": shown(self.all_senders), "bulk": shown(self.bulk),
                "consequence": shown(self.consequence), "url": self.url,
                **self.fact.to_dict()}


@dataclass(frozen=True)
class Knowledge:
    services: tuple[SendingService, ...]
    freemail: tuple[FreeMail, ...]
    mailboxes: tuple[MailboxRules, ...]

    def service(self, service_id: str) -> SendingService | None:
        return next((s for s in self.services if s.id == service_id), None)

    def for_provider(self, provider_id: str) -> SendingService | None:
        return next((s for s in self.services if provider_id in s.providers), None)

    def for_host(self, host: str) -> SendingService | None:
        return next((s for s in self.services if s.matches_host(host)), None)

    def for_mx(self, host: str) -> SendingService | None:
        return next((s for s in self.services if s.matches_mx(host)), None)

    def free_mail(self, domain: str) -> FreeMail | None:
        d = domain.lower().rstrip(".")
        return next((f for f in self.freemail if d in f.domains), None)

    def with_freemail(self, entry: FreeMail) -> "Knowledge":
        """A copy that also knows `entry` (for test zones that stand in for yahoo.com)."""
        return replace(self, freemail=self.freemail + (entry,))


def _fact(t: dict) -> Fact:
    return Fact(t.get("source", ""), t.get("verified", ""), bool(t.get("unverified", False)))


@functools.lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    data = tomllib.loads(read_resource_bytes("deliverability.toml").decode("utf-8"))
    services = tuple(SendingService(
        id=s["id"], name=s["name"], providers=tuple(s.get("providers", ())),
        hosts=tuple(h.lower() for h in s.get("hosts", ())), mx=tuple(s.get("mx", ())),
        spf_include=s["spf_include"], spf_accept=tuple(s.get("spf_accept", ())),
        spf_where=s.get("spf_where", "from_domain"), spf_note=s.get("spf_note", ""),
        setup_url=s.get("setup_url", ""),
        dkim=Dkim(s["dkim"]["kind"], tuple(s["dkim"].get("selectors", ())),
                  s["dkim"].get("need", "any"), s["dkim"].get("value_hint", "")),
        fact=_fact(s.get("fact", {})),
        spf_include_by_host=dict(s.get("spf_include_by_host", {})))
        for s in data.get("service", ()))
    freemail = tuple(FreeMail(f["name"], tuple(d.lower() for d in f["domains"]),
                              tuple(f.get("own", ()))) for f in data.get("freemail", ()))
    mailboxes = tuple(MailboxRules(
        m["id"], m["name"], m.get("since", ""), int(m.get("bulk_per_day", 5000)),
        m.get("all_senders", ""), m.get("bulk", ""), m.get("consequence", ""),
        m.get("url", ""), _fact(m)) for m in data.get("mailbox", ()))
    return Knowledge(services, freemail, mailboxes)
