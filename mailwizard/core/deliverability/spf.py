"""SPF (RFC 7208) as a domain owner needs it checked: is there exactly one record, does it stay
within the limits every receiver enforces (10 DNS-querying terms, 2 void look-ups), and which
domains does it authorise through include/redirect, anywhere in its tree.

Why not pyspf: it answers "does this one IP pass?" (check_host for a connecting address),
while the question here is "is the sending service named, and is the record valid for every
receiver?"; and its DNS hook is a module-global (`spf.DNSLookup`, the deprecated
`dns.resolver.query` on the system resolver), so pointing it at the configured server would
mean patching a global shared by every thread (its last release, 2.0.14, is from 2020).
checkdmarc 6.0.4 answers the right question, but as a whole-domain auditor that pulls in
requests, httpx, pyleri, publicsuffixlist, xmltodict, expiringdict and pem (and wants
cryptography >= 50) for what is here a few hundred lines. dkimpy verifies signatures of
messages, which this check does not have: only the published keys are looked at.
This walks the record on top of core/discovery/dns.py (one bounded resolver, the configured
server), restricted to what a verdict needs: no macro expansion (a term with a macro counts
its look-up and is not followed), no IP matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailwizard.core.i18n import _, ngettext

MAX_LOOKUPS = 10        # RFC 7208 4.6.4
MAX_VOID_LOOKUPS = 2    # RFC 7208 4.6.4
#: Safety cap on queries for one evaluation, whatever the records say (a walk past the limit
#: goes on a little, to report the real total, but not for ever).
MAX_QUERIES = 40

_SPF = re.compile(r"^v=spf1(\s|$)", re.IGNORECASE)
_MECHANISMS = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}
_LOOKUP_TERMS = {"include", "a", "mx", "ptr", "exists"}
_MODIFIER = re.compile(r"^([a-z][a-z0-9_.-]*)=(.*)$", re.IGNORECASE)


def spf_records(texts: list[str]) -> list[str]:
    """The TXT strings that are SPF records (RFC 7208 4.5: `v=spf1` then a space or the end)."""
    return [t.strip() for t in texts if _SPF.match(t.strip())]


@dataclass
class Term:
    text: str
    qualifier: str = "+"
    name: str = ""          # mechanism or modifier name, lower case
    value: str = ""         # domain-spec / ip / modifier value (without the cidr for a/mx)
    modifier: bool = False


def parse(record: str) -> list[Term]:
    """The terms of one record (after v=spf1). Raises ValueError on a term that is not SPF."""
    terms = []
    for word in record.split()[1:]:
        m = _MODIFIER.match(word)
        if m and ":" not in m.group(1):
            terms.append(Term(word, name=m.group(1).lower(), value=m.group(2), modifier=True))
            continue
        q = "+"
        body = word
        if body[:1] in "+-~?":
            q, body = body[0], body[1:]
        name, _colon, value = body.partition(":")
        name = name.lower()
        if "/" in name:  # a/24, mx/24
            name = name.split("/", 1)[0]
        if name not in _MECHANISMS:
            raise ValueError(_("“{term}” is not an SPF term").format(term=word))
        if name in ("include", "exists", "ip4", "ip6") and not value:
            raise ValueError(_("“{term}” needs a value after the colon").format(term=word))
        if name in ("a", "mx") and "/" in value:
            value = value.split("/", 1)[0]
        terms.append(Term(word, q, name, value.lower().rstrip(".")))
    return terms


@dataclass
class SpfResult:
    domain: str
    records: list[str] = field(default_factory=list)   # the SPF TXT records found at domain
    #: "" (valid), or why every receiver treats the record as a permanent error:
    #: multiple | syntax | too_many_lookups | void_lookups | include_none | loop
    error: str = ""
    error_detail: str = ""
    lookups: int = 0
    void_lookups: int = 0
    #: domains named by include/redirect anywhere in the tree (lower case)
    authorised: set[str] = field(default_factory=set)
    #: look-ups each top-level term costs, with what it reaches (for "which include to drop")
    costs: list[tuple[str, int]] = field(default_factory=list)
    void_terms: list[str] = field(default_factory=list)
    all_term: str = ""      # the top record's all (e.g. "~all"), "" if none

    @property
    def found(self) -> bool:
        return bool(self.records)

    @property
    def valid(self) -> bool:
        return len(self.records) == 1 and not self.error

    def authorises(self, domains) -> str:
        """The first of `domains` the record authorises (anywhere in its tree), or ""."""
        return next((d for d in domains if d.lower() in self.authorised), "")


class _Walk:
    def __init__(self, dns, result: SpfResult):
        self.dns = dns
        self.r = result
        self.queries = 0

    def txt(self, name: str) -> list[str]:
        self.queries += 1
        if self.queries > MAX_QUERIES:
            raise _Stop()
        return self.dns.txt(name)

    def query(self, kind: str, name: str) -> bool:
        """a/mx: does the name have records? (counted as void when not)"""
        self.queries += 1
        if self.queries > MAX_QUERIES:
            raise _Stop()
        found = self.dns.addresses(name) if kind == "a" else self.dns.mx(name)
        return bool(found)

    def fail(self, kind: str, detail: str) -> None:
        if not self.r.error:
            self.r.error, self.r.error_detail = kind, detail

    def void(self, term: str) -> None:
        self.r.void_lookups += 1
        self.r.void_terms.append(term)
        if self.r.void_lookups > MAX_VOID_LOOKUPS:
            self.fail("void_lookups", _("more than {n} terms point at names with no records: "
                                        "{terms}").format(n=MAX_VOID_LOOKUPS,
                                                          terms=", ".join(self.r.void_terms)))

    def count(self) -> None:
        self.r.lookups += 1
        if self.r.lookups > MAX_LOOKUPS:
            self.fail("too_many_lookups", _("the record needs more than {n} DNS "
                                            "look-ups").format(n=MAX_LOOKUPS))

    def record(self, domain: str, terms: list[Term], stack: tuple[str, ...], top: bool) -> None:
        mods = {}
        for t in terms:
            if t.modifier:
                if t.name in ("redirect", "exp") and t.name in mods:
                    self.fail("syntax", _("{domain}: “{term}” appears twice").format(
                        domain=domain, term=t.name + "="))
                mods[t.name] = t.value.lower().rstrip(".")
        has_all = False
        for t in terms:
            if t.modifier:
                continue
            before = self.r.lookups
            if t.name == "all":
                has_all = True
                if top:
                    self.r.all_term = t.text
            elif t.name in _LOOKUP_TERMS:
                self.count()
                target = t.value or domain
                if "%" in target:
                    pass  # a macro: counted, not followed
                elif t.name == "include":
                    self.r.authorised.add(target)
                    self.follow(target, stack, t.text, via="include")
                elif t.name in ("a", "mx"):
                    if not self.query(t.name, target):
                        self.void(t.text)
                elif t.name == "exists":
                    self.queries += 1
                    if not self.dns.addresses(target):
                        self.void(t.text)
            if top and t.name != "all":
                self.r.costs.append((t.text, self.r.lookups - before))
        if "redirect" in mods and not has_all:
            before = self.r.lookups
            self.count()
            target = mods["redirect"]
            if "%" not in target:
                self.r.authorised.add(target)
                self.follow(target, stack, f"redirect={target}", via="redirect")
            if top:
                self.r.costs.append((f"redirect={target}", self.r.lookups - before))

    def follow(self, target: str, stack: tuple[str, ...], term: str, via: str) -> None:
        if target in stack:
            self.fail("loop", _("“{term}” leads back to {target}").format(term=term,
                                                                          target=target))
            return
        found = spf_records(self.txt(target))
        if not found:
            self.void(term)
            self.fail("include_none", _("“{term}”: {target} has no SPF record").format(
                term=term, target=target))
            return
        if len(found) > 1:
            n = len(found)
            self.fail("multiple", ngettext("{target} (named by “{term}”) has {n} SPF record",
                                           "{target} (named by “{term}”) has {n} SPF records",
                                           n).format(target=target, term=term, n=n))
            return
        try:
            terms = parse(found[0])
        except ValueError as exc:
            self.fail("syntax", f"{target}: {exc}")
            return
        self.record(target, terms, stack + (target,), top=False)


class _Stop(Exception):
    pass


def evaluate(dns, domain: str) -> SpfResult:
    """Evaluate the SPF record of `domain` through `dns` (a core.discovery.dns.Dns).
    DnsUnavailable propagates: "could not ask" is not "no record"."""
    domain = domain.lower().rstrip(".")
    r = SpfResult(domain)
    r.records = spf_records(dns.txt(domain))
    if not r.records:
        return r
    if len(r.records) > 1:
        n = len(r.records)
        r.error, r.error_detail = "multiple", ngettext(
            "{domain} has {n} SPF record; receivers must treat that as an error",
            "{domain} has {n} SPF records; receivers must treat that as an error",
            n).format(domain=domain, n=n)
        # still walk each one: the merged record's look-ups and authorised domains matter
    walk = _Walk(dns, r)
    for rec in r.records:
        try:
            terms = parse(rec)
        except ValueError as exc:
            walk.fail("syntax", str(exc))
            continue
        try:
            walk.record(domain, terms, (domain,), top=True)
        except _Stop:
            walk.fail("too_many_lookups", _("the record needs more than {n} DNS "
                                            "queries").format(n=MAX_QUERIES))
            break
    return r


def _split(record: str) -> tuple[list[str], str, list[str]]:
    """(mechanisms other than all, the all term, modifiers) of a record's words."""
    words = record.split()[1:]
    alls = [w for w in words if w.lower().lstrip("+-~?") == "all"]
    mods = [w for w in words if _MODIFIER.match(w) and w not in alls]
    mechs = [w for w in words if w not in alls and w not in mods]
    return mechs, (alls[0] if alls else ""), mods


def merged(records: list[str], add_includes: list[str] = (), default_all: str = "~all") -> str:
    """One record with the terms of all `records` (duplicates dropped, order kept) and the
    `add_includes` not yet there, before the all. Several records (the DNS gives them in any
    order) are taken in sorted order; of their alls the softer ~all wins over -all, so that
    nothing that passed one of them fails the merged record; a redirect is dropped when an all
    is kept (it would never be used)."""
    mechs: list[str] = []
    mods: list[str] = []
    alls: list[str] = []
    for rec in sorted(records):
        m, a, md = _split(rec)
        mechs += [w for w in m if w.lower() not in {x.lower() for x in mechs}]
        mods += [w for w in md if w.lower() not in {x.lower() for x in mods}]
        alls += [a] if a else []
    all_term = next((a for a in alls if a.startswith("~")), alls[0] if alls else "")
    have = {w.lower().lstrip("+") for w in mechs}
    for inc in add_includes:
        if f"include:{inc.lower()}" not in have:
            mechs.append(f"include:{inc}")
            have.add(f"include:{inc.lower()}")
    redirects = [w for w in mods if w.lower().startswith("redirect=")]
    if not all_term and not redirects:
        all_term = default_all
    if all_term:
        mods = [w for w in mods if w not in redirects]
    return " ".join(["v=spf1", *mechs, *mods, *([all_term] if all_term else [])])
