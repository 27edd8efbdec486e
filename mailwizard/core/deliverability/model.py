"""What the deliverability check finds, as plain data: a verdict per check (SPF, DKIM, DMARC,
free-mail From, the mailbox providers' rules), the exact records to add or change, and the
overall verdict with its exit code."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from mailwizard.core import exitcodes as ec


class Verdict(str, enum.Enum):
    OK = "ok"
    NEEDS_RECORD = "needs_record"
    REJECTED = "rejected"
    #: Cannot be seen from outside (e.g. records whose names only the service's console shows).
    UNKNOWN = "unknown"

    @property
    def words(self) -> str:
        return {"ok": "ok", "needs_record": "needs a record", "rejected": "will be rejected",
                "unknown": "check by hand"}[self.value]


_RANK = {Verdict.OK: 0, Verdict.UNKNOWN: 1, Verdict.NEEDS_RECORD: 2, Verdict.REJECTED: 3}


@dataclass
class Record:
    """A DNS record to add or change, as whoever runs the domain types it."""

    type: str                  # TXT | CNAME
    name: str                  # the full name, e.g. _dmarc.crystalheights.com
    value: str
    action: str = "add"        # add | change | replace
    current: list[str] = field(default_factory=list)
    #: False when the value comes from the service's own console (we say where to find it)
    exact: bool = True

    def instruction(self) -> str:
        value = self.value if self.exact else f"({self.value})"
        if self.action == "change" and self.current:
            return (f"Change the {self.type} record at {self.name}\n  from: {self.current[0]}\n"
                    f"  to:   {value}")
        if self.action == "replace" and self.current:
            return (f"Replace the {len(self.current)} {self.type} records at {self.name} "
                    f"with this one record:\n  {value}")
        return f"Add a {self.type} record at {self.name}:\n  {value}"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "name": self.name, "value": self.value,
                "action": self.action, "current": list(self.current), "exact": self.exact,
                "instruction": self.instruction()}


@dataclass
class Finding:
    id: str                    # freemail | spf | dkim | dmarc | rules
    title: str
    verdict: Verdict
    summary: str               # plain words: what is the matter, what to do
    why: str = ""
    records: list[Record] = field(default_factory=list)
    details: list[str] = field(default_factory=list)   # technical, for Details / report
    link: str = ""
    #: built from facts marked unverified in resources/deliverability.toml
    unverified: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "verdict": self.verdict.value,
                "verdict_words": self.verdict.words, "summary": self.summary,
                "why": self.why, "records": [r.to_dict() for r in self.records],
                "details": list(self.details), "link": self.link,
                "unverified": self.unverified}


@dataclass
class DeliverabilityReport:
    from_address: str
    domain: str
    service_id: str = ""
    service_name: str = ""
    recipients_per_day: int = 0
    bulk: bool = False
    findings: list[Finding] = field(default_factory=list)
    rules: list[Any] = field(default_factory=list)   # knowledge.MailboxRules used
    setup_url: str = ""
    dns_server: str = ""
    #: the DNS server could not be asked: nothing was judged
    error: str = ""

    @property
    def verdict(self) -> Verdict:
        if self.error:
            return Verdict.UNKNOWN
        return max((f.verdict for f in self.findings), key=_RANK.get, default=Verdict.OK)

    @property
    def exit_code(self) -> int:
        if self.error:
            return ec.RESOLVE
        return {Verdict.REJECTED: ec.WILL_BE_REJECTED,
                Verdict.NEEDS_RECORD: ec.RECORD_NEEDED}.get(self.verdict, ec.OK)

    @property
    def records(self) -> list[Record]:
        return [r for f in self.findings for r in f.records
                if f.verdict is not Verdict.OK]

    def headline(self) -> str:
        v = self.verdict
        if self.error:
            return f"Could not check {self.domain}: {self.error}"
        if v is Verdict.REJECTED:
            return f"Mail from {self.from_address} will be rejected by many mailboxes."
        if v is Verdict.NEEDS_RECORD:
            return (f"{self.domain} needs a DNS record before mail from {self.from_address} "
                    "reliably reaches inboxes.")
        if v is Verdict.UNKNOWN:
            if not self.service_name:
                return (f"{self.domain} looks right so far; which records your sending "
                        "service needs is not known here: ask it (see below).")
            return (f"{self.domain} looks right so far; one thing can only be checked in "
                    f"{self.service_name}'s own settings.")
        return f"{self.domain} is set up for {self.service_name or 'this service'}."

    def to_dict(self) -> dict[str, Any]:
        return {"from_address": self.from_address, "domain": self.domain,
                "service": {"id": self.service_id, "name": self.service_name,
                            "setup_url": self.setup_url},
                "recipients_per_day": self.recipients_per_day, "bulk": self.bulk,
                "verdict": self.verdict.value, "verdict_words": self.verdict.words,
                "exit_code": self.exit_code, "headline": self.headline(),
                "error": self.error or None, "dns_server": self.dns_server,
                "findings": [f.to_dict() for f in self.findings],
                "rules": [r.to_dict() for r in self.rules]}


def format_text(report: DeliverabilityReport | dict, *, details: bool = False) -> str:
    """The report in words a society manager can forward to whoever runs the domain. Takes the
    report or its to_dict() (as stored in the last check)."""
    d = report.to_dict() if isinstance(report, DeliverabilityReport) else report
    svc = d.get("service") or {}
    about = [f"sent through {svc['name']}"] if svc.get("name") else []
    if d.get("recipients_per_day"):
        about.append(f"about {d['recipients_per_day']:,} people a day")
    lines = [f"Will mail from {d['from_address']} reach inboxes?"
             + (f" ({', '.join(about)})" if about else ""), "", d.get("headline", "")]
    if d.get("error"):
        return "\n".join(lines) + "\n"
    for f in d.get("findings", []):
        lines += ["", f"[{f['verdict_words']}] {f['title']}: {f['summary']}"]
        for r in f["records"] if f["verdict"] != "ok" else []:
            lines += ["    " + x for x in r["instruction"].splitlines()]
        if f.get("why") and f["verdict"] != "ok":
            lines.append(f"    Why: {f['why']}")
        if f.get("link") and f["verdict"] != "ok":
            lines.append(f"    How: {f['link']}")
        if f.get("unverified"):
            lines.append("    (Built from facts we could not confirm on the provider's own "
                         "page: check against it.)")
        if details:
            lines += [f"    - {x}" for x in f.get("details", [])]
    if d.get("rules"):
        lines += ["", "Mailbox providers' rules used:"]
        for r in d["rules"]:
            lines.append(f"  {r['name']}: since {r['since']}, bulk rules from "
                         f"{r['bulk_per_day']:,} a day; {r['url']} (read {r['verified']}"
                         + (", partly unverified" if r["unverified"] else "") + ")")
    return "\n".join(lines) + "\n"


def report_lines(section: dict[str, Any] | None) -> list[str]:
    """The section in `mailwizard report` (from the last check's record)."""
    if not section:
        return []
    lines = ["", "== Will mail reach inboxes? (deliverability) =="]
    if section.get("skipped"):
        return lines + [f"(not checked: {section['skipped']})"]
    return lines + format_text(section, details=True).rstrip("\n").splitlines()
