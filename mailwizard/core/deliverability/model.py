"""What the deliverability check finds, as plain data: a verdict per check (SPF, DKIM, DMARC,
free-mail From, the mailbox providers' rules), the exact records to add or change, and the
overall verdict with its exit code."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import N_, _, ngettext


class Verdict(str, enum.Enum):
    OK = "ok"
    NEEDS_RECORD = "needs_record"
    REJECTED = "rejected"
    #: Cannot be seen from outside (e.g. records whose names only the service's console shows).
    UNKNOWN = "unknown"
    #: Not required, but a record is recommended (and shown): never called "ok".
    ADVISED = "advised"
    #: The From domain is internal or reserved: nothing was looked up (exit code 42).
    NOT_CHECKED = "not_checked"

    @property
    def words(self) -> str:
        return _(_VERDICT_WORDS[self.value])


# Translators: a check's verdict, shown in brackets before its title: "[ok] SPF (…)".
_VERDICT_WORDS = {"ok": N_("ok"), "needs_record": N_("needs a record"),
                  "rejected": N_("will be rejected"), "unknown": N_("check by hand"),
                  "advised": N_("record recommended"), "not_checked": N_("not checked")}


_RANK = {Verdict.OK: 0, Verdict.ADVISED: 1, Verdict.UNKNOWN: 2, Verdict.NEEDS_RECORD: 3,
         Verdict.REJECTED: 4}


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
            # Translators: {type} is TXT or CNAME; keep the line breaks and the indents.
            return _("Change the {type} record at {name}\n  from: {current}\n"
                     "  to:   {value}").format(type=self.type, name=self.name,
                                               current=self.current[0], value=value)
        if self.action == "replace" and self.current:
            n = len(self.current)
            return ngettext("Replace the {n} {type} record at {name} with this one record:\n"
                            "  {value}",
                            "Replace the {n} {type} records at {name} with this one record:\n"
                            "  {value}", n).format(n=n, type=self.type, name=self.name,
                                                   value=value)
        return _("Add a {type} record at {name}:\n  {value}").format(
            type=self.type, name=self.name, value=value)

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
    #: why nothing was looked up (an internal or reserved domain): exit code 42
    not_checked: str = ""

    @property
    def verdict(self) -> Verdict:
        if self.not_checked:
            return Verdict.NOT_CHECKED
        if self.error:
            return Verdict.UNKNOWN
        return max((f.verdict for f in self.findings), key=_RANK.get, default=Verdict.OK)

    @property
    def exit_code(self) -> int:
        if self.not_checked:
            return ec.NOT_CHECKED
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
        domain, address, service = self.domain, self.from_address, self.service_name
        if self.not_checked:
            return self.not_checked
        if self.error:
            return _("Could not check {domain}: {error}").format(domain=domain,
                                                                error=self.error)
        if v is Verdict.REJECTED:
            return _("Mail from {address} will be rejected by many mailboxes.").format(
                address=address)
        if v is Verdict.NEEDS_RECORD:
            return _("{domain} needs a DNS record before mail from {address} reliably reaches "
                     "inboxes.").format(domain=domain, address=address)
        if v is Verdict.UNKNOWN:
            if not service:
                return _("{domain} looks right so far; which records your sending service "
                         "needs is not known here: ask it (see below).").format(domain=domain)
            return _("{domain} looks right so far; one thing can only be checked in "
                     "{service}'s own settings.").format(domain=domain, service=service)
        if v is Verdict.ADVISED:
            if not service:
                return _("{domain} is set up for this service; one more record is "
                         "recommended.").format(domain=domain)
            return _("{domain} is set up for {service}; one more record is "
                     "recommended.").format(domain=domain, service=service)
        if not service:
            return _("{domain} is set up for this service.").format(domain=domain)
        return _("{domain} is set up for {service}.").format(domain=domain, service=service)

    def to_dict(self) -> dict[str, Any]:
        return {"from_address": self.from_address, "domain": self.domain,
                "service": {"id": self.service_id, "name": self.service_name,
                            "setup_url": self.setup_url},
                "recipients_per_day": self.recipients_per_day, "bulk": self.bulk,
                "verdict": self.verdict.value, "verdict_words": self.verdict.words,
                "exit_code": self.exit_code, "headline": self.headline(),
                "error": self.error or None, "not_checked": self.not_checked or None,
                "dns_server": self.dns_server,
                "findings": [f.to_dict() for f in self.findings],
                "rules": [r.to_dict() for r in self.rules]}


def format_text(report: DeliverabilityReport | dict, *, details: bool = False) -> str:
    """The report in words a society manager can forward to whoever runs the domain. Takes the
    report or its to_dict() (as stored in the last check)."""
    d = report.to_dict() if isinstance(report, DeliverabilityReport) else report
    svc = d.get("service") or {}
    lines = [_question(d["from_address"], svc.get("name") or "",
                       d.get("recipients_per_day") or 0), "", d.get("headline", "")]
    if d.get("error") or d.get("not_checked"):
        return "\n".join(lines) + "\n"
    for f in d.get("findings", []):
        lines += ["", f"[{f['verdict_words']}] {f['title']}: {f['summary']}"]
        for r in f["records"] if f["verdict"] != "ok" else []:
            lines += ["    " + x for x in r["instruction"].splitlines()]
        if f.get("why") and f["verdict"] != "ok":
            lines.append("    " + _("Why: {why}").format(why=f["why"]))
        if f.get("link") and f["verdict"] != "ok":
            lines.append("    " + _("How: {link}").format(link=f["link"]))
        if f.get("unverified"):
            lines.append("    " + _("(Built from facts we could not confirm on the provider's "
                                    "own page: check against it.)"))
        if details:
            lines += [f"    - {x}" for x in f.get("details", [])]
    if d.get("rules"):
        lines += ["", _("Mailbox providers' rules used:")]
        for r in d["rules"]:
            values = dict(name=r["name"], since=r["since"], n=f"{r['bulk_per_day']:,}",
                          url=r["url"], verified=r["verified"])
            if r["unverified"]:
                line = _("{name}: since {since}, bulk rules from {n} a day; {url} (read "
                         "{verified}, partly unverified)").format(**values)
            else:
                line = _("{name}: since {since}, bulk rules from {n} a day; {url} (read "
                         "{verified})").format(**values)
            lines.append("  " + line)
    return "\n".join(lines) + "\n"


def _question(address: str, service: str, per_day: int) -> str:
    """The report's first line: whose mail, through which service, to how many."""
    n = f"{per_day:,}"
    if service and per_day:
        return ngettext("Will mail from {address} reach inboxes? (sent through {service}, "
                        "about {n} person a day)",
                        "Will mail from {address} reach inboxes? (sent through {service}, "
                        "about {n} people a day)", per_day).format(address=address,
                                                                    service=service, n=n)
    if per_day:
        return ngettext("Will mail from {address} reach inboxes? (about {n} person a day)",
                        "Will mail from {address} reach inboxes? (about {n} people a day)",
                        per_day).format(address=address, n=n)
    if service:
        return _("Will mail from {address} reach inboxes? (sent through {service})").format(
            address=address, service=service)
    return _("Will mail from {address} reach inboxes?").format(address=address)


def report_lines(section: dict[str, Any] | None) -> list[str]:
    """The section in `mailwizard report` (from the last check's record)."""
    if not section:
        return []
    lines = ["", "== " + _("Will mail reach inboxes? (deliverability)") + " =="]
    if section.get("verdict") == "not_checked":  # the reason says "not checked" itself
        return lines + [section.get("skipped") or section.get("not_checked") or ""]
    if section.get("skipped"):
        return lines + [_("(not checked: {reason})").format(reason=section["skipped"])]
    return lines + format_text(section, details=True).rstrip("\n").splitlines()
