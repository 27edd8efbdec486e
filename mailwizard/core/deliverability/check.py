"""Will mail from this From address, sent through this service, reach inboxes? Reads the From
domain's SPF, DKIM (the service's documented selectors) and DMARC through the bounded resolver
of core/discovery/dns.py, and judges them against the service's needs (resources/
deliverability.toml) and the mailbox providers' sender rules, with the user's daily volume
deciding whether the bulk rules apply."""

from __future__ import annotations

import time

from mailwizard.core.deliverability import dmarc as dmarc_mod
from mailwizard.core.deliverability import spf as spf_mod
from mailwizard.core.deliverability.knowledge import Knowledge, SendingService, load_knowledge
from mailwizard.core.deliverability.model import (DeliverabilityReport, Finding, Record,
                                                  Verdict)

BULK_PER_DAY = 5000

#: Names that never exist in the public DNS (RFC 2606, RFC 6761): a check of them can only
#: time out, so the faces that check on their own (check, the wizard) skip them unless a DNS
#: server was named.
RESERVED_SUFFIXES = (".test", ".example", ".invalid", ".localhost", ".example.com",
                     ".example.net", ".example.org")


def skip_reason(from_address: str, dns_server: str | None = None) -> str:
    """Why a check started on its own should not run for this address ("" = run it)."""
    import os

    _, at, domain = from_address.strip().rpartition("@")
    domain = domain.lower().rstrip(".")
    if not at or "." not in domain:
        return "there is no From address to check"
    explicit = dns_server or os.environ.get("MAILWIZARD_DNS_SERVER")
    if not explicit and ("." + domain).endswith(RESERVED_SUFFIXES):
        return f"{domain} is a reserved name that exists in no public DNS"
    return ""


def check_deliverability(from_address: str, *, provider_id: str = "", host: str = "",
                         recipients_per_day: int = 0, dns=None, dns_server: str | None = None,
                         timeout: float = 3.0, budget: float = 20.0,
                         knowledge: Knowledge | None = None) -> DeliverabilityReport:
    """The report for one From address. `dns` (a discovery Dns) or `dns_server` (IP[:PORT],
    else MAILWIZARD_DNS_SERVER, else the system's). Never raises for DNS trouble: the report
    then carries `error` (exit code 20)."""
    from mailwizard.core.discovery.dns import Dns, DnsUnavailable

    k = knowledge or load_knowledge()
    _, _, domain = from_address.strip().rpartition("@")
    domain = domain.lower().rstrip(".")
    service = k.for_provider(provider_id) if provider_id else None
    if service is None and host:
        service = k.for_host(host)
    rules = [m for m in k.mailboxes]
    bulk = recipients_per_day > BULK_PER_DAY
    report = DeliverabilityReport(from_address.strip(), domain,
                                  service_id=service.id if service else provider_id,
                                  service_name=service.name if service else "",
                                  recipients_per_day=recipients_per_day, bulk=bulk, rules=rules,
                                  setup_url=service.setup_url if service else "")
    try:
        if dns is None:
            dns = Dns(dns_server, timeout=timeout, deadline=time.monotonic() + budget)
        report.dns_server = dns.server
        free = k.free_mail(domain)
        if free is not None:
            report.findings = _free_mail(dns, domain, free, provider_id, report.service_name)
            if provider_id in free.own:
                report.service_id, report.service_name = provider_id, free.name
                report.setup_url = ""
            return report
        _judge(report, dns, k, service, host)
    except DnsUnavailable as exc:
        report.error = str(exc)
    return report


def _free_mail(dns, domain, free, provider_id, via) -> list[Finding]:
    if provider_id in free.own:
        return [Finding("freemail", "Free email address", Verdict.OK,
                        f"{free.name} sends and signs mail from {domain} addresses itself.")]
    d = dmarc_mod.lookup(dns, domain)
    policy = d.policy
    via = via or "another service"
    if policy in ("reject", "quarantine"):
        outcome = ("refuse it" if policy == "reject" else "put it in spam")
        return [Finding(
            "freemail", "Free email address sent through another service", Verdict.REJECTED,
            f"{domain} publishes the DMARC policy p={policy}: receiving mailboxes {outcome} "
            f"when mail claiming to be from {domain} is not sent by {free.name} itself. Mail "
            f"from this address through {via} will be "
            f"{'rejected' if policy == 'reject' else 'treated as spam'}. "
            f"Use an address at your own domain (for example accounts@yoursociety.org), or "
            f"send through {free.name} itself.",
            why=f"Nobody but {free.name} can add the records that would let {via} send as "
                f"{domain}.",
            details=[f"_dmarc.{d.found_at}: {d.record}"])]
    return [Finding(
        "freemail", "Free email address sent through another service", Verdict.NEEDS_RECORD,
        f"Mail claiming to be from {domain} but sent through {via} cannot be authenticated: "
        f"only {free.name} can add records to {domain}. Gmail's sender rules say not to "
        f"send as a free-mail address from elsewhere; expect spam folders or refusals. Use an "
        "address at your own domain.",
        details=[f"_dmarc.{domain}: " + (d.record or "no DMARC record")])]


def _judge(report: DeliverabilityReport, dns, k: Knowledge, service: SendingService | None,
           host: str) -> None:
    domain = report.domain
    spf = spf_mod.evaluate(dns, domain)
    mailbox = _mailbox_service(dns, k, domain)
    spf_finding, spf_aligned = _spf(domain, spf, service, mailbox, host)
    dkim_finding, dkim_aligned = _dkim(dns, domain, service)
    dm = dmarc_mod.lookup(dns, domain)
    aligned = True if (spf_aligned or dkim_aligned) else (
        None if dkim_aligned is None or spf_aligned is None else False)
    dmarc_finding = _dmarc(domain, dm, aligned, report.bulk,
                           report.service_name or "your sending service")
    rules = _rules(report, spf_finding, dkim_finding, dm, spf_aligned, dkim_aligned, aligned,
                   service)
    report.findings = [spf_finding, dkim_finding, dmarc_finding, rules]


def _mailbox_service(dns, k: Knowledge, domain: str) -> SendingService | None:
    """The service that receives the domain's mail (by MX): its include belongs in a new SPF
    record too, or its own mail would start failing."""
    for mx in dns.mx(domain):
        s = k.for_mx(mx.host)
        if s is not None:
            return s
    return None


_SPF_ERRORS = {
    "multiple": "{domain} has {n} SPF records. A domain may have only one: with two, every "
                "receiver treats SPF as broken (a permanent error), for all mail from {domain}.",
    "too_many_lookups": "The SPF record of {domain} needs {lookups} DNS look-ups; receivers "
                        "stop at 10 and then treat SPF as broken (a permanent error).",
    "void_lookups": "The SPF record of {domain} names things that do not exist ({void}); "
                    "after two of those receivers treat SPF as broken.",
    "syntax": "The SPF record of {domain} has a mistake ({detail}); receivers treat it as "
              "broken.",
    "include_none": "The SPF record of {domain} points at something without an SPF record "
                    "({detail}); receivers treat it as broken.",
    "loop": "The SPF record of {domain} refers back to itself ({detail}).",
}


def _spf(domain: str, spf, service, mailbox, host) -> tuple[Finding, bool | None]:
    """(finding, does SPF align with the From domain for this service?)"""
    title = "SPF (who may send as " + domain + ")"
    details = [f"TXT {domain}: {r}" for r in spf.records] or [f"TXT {domain}: no SPF record"]
    details.append(f"DNS look-ups: {spf.lookups} of 10; void look-ups: {spf.void_lookups} of 2")
    details += [f"  {term}: {n} look-up(s)" for term, n in spf.costs if n]
    needs_include = service is not None and service.spf_where == "from_domain"
    include = service.include_for(host) if service else ""
    has_include = spf.authorises(service.spf_accept) if service else ""
    why = (f"Receivers (Gmail, Yahoo, Outlook.com …) check this record to see whether "
           f"{service.name if service else 'your sending service'} may send mail as {domain}.")
    link = service.setup_url if service else ""
    unverified = bool(service and service.fact.unverified)
    if spf.error:
        text = _SPF_ERRORS[spf.error].format(domain=domain, n=len(spf.records),
                                             lookups=f"more than {spf.lookups - 1}"
                                             if spf.error == "too_many_lookups" else spf.lookups,
                                             void=", ".join(spf.void_terms),
                                             detail=spf.error_detail)
        records = []
        if spf.error == "multiple":
            adds = [include] if needs_include and not has_include else []
            records.append(Record("TXT", domain, spf_mod.merged(spf.records, adds), "replace",
                                  list(spf.records)))
            text += " Replace them with the single record below."
        elif spf.error == "too_many_lookups":
            heavy = sorted((c for c in spf.costs if c[1]), key=lambda c: -c[1])
            text += (" Remove the includes of services you no longer use (the biggest: "
                     + ", ".join(f"{t} = {n}" for t, n in heavy[:4]) + "), or ask your DNS "
                     "host to replace some with the addresses they stand for (flattening).")
            if needs_include and not has_include:
                text += f" {service.name} also still needs include:{include} in it."
        return Finding("spf", title, Verdict.NEEDS_RECORD, text, why, records, details, link,
                       unverified), False
    if not spf.found:
        if not needs_include:
            note = service.spf_note if service else ""
            return Finding("spf", title, Verdict.OK if service else Verdict.UNKNOWN,
                           (f"{domain} has no SPF record. " + (note or "We do not know which "
                            "SPF include your sending service needs: ask it.")),
                           why, [], details, link, unverified), (False if service else None)
        includes = [mailbox.spf_include] if mailbox and mailbox.id != service.id else []
        value = spf_mod.merged([], includes + [include])
        return Finding("spf", title, Verdict.NEEDS_RECORD,
                       f"{domain} has no SPF record. Add one that names {service.name}"
                       + (f" (and {mailbox.name}, which receives your mail)" if includes
                          else "") + ".",
                       why, [Record("TXT", domain, value, "add")], details, link,
                       unverified), False
    if service is None:
        return Finding("spf", title, Verdict.UNKNOWN,
                       f"{domain} has a valid SPF record, but we do not know which include "
                       f"{host or 'your sending service'} needs: ask it whether the record "
                       "below names it.", why, [], details, link), None
    if not needs_include:
        text = f"{domain} has a valid SPF record. " + service.spf_note
        return Finding("spf", title, Verdict.OK, text, why, [], details, link,
                       unverified), False
    if has_include:
        return Finding("spf", title, Verdict.OK,
                       f"The SPF record of {domain} names {service.name} "
                       f"(include:{has_include}).", why, [], details, link, unverified), True
    value = spf_mod.merged(spf.records, [include])
    text = (f"The SPF record of {domain} does not name {service.name} yet. Add "
            f"include:{include} to it (one record only: change the existing one).")
    if spf.lookups + 1 > spf_mod.MAX_LOOKUPS:
        text += (" It would then need more than 10 DNS look-ups: remove an include you no "
                 "longer use at the same time.")
    return Finding("spf", title, Verdict.NEEDS_RECORD, text, why,
                   [Record("TXT", domain, value, "change", list(spf.records))], details, link,
                   unverified), False


def _selector_state(dns, name: str) -> str:
    """key | cname | revoked | missing"""
    texts = dns.txt(name)
    for t in texts:
        tags = {p.partition("=")[0].strip().lower(): p.partition("=")[2].strip()
                for p in t.split(";") if "=" in p}
        if "p" in tags:
            return "key" if tags["p"] else "revoked"
    return "cname" if dns.cname(name) else "missing"


def _dkim(dns, domain: str, service) -> tuple[Finding, bool | None]:
    title = "DKIM (the signature on your mail)"
    if service is None:
        return Finding("dkim", title, Verdict.UNKNOWN,
                       "We do not know which DKIM records your sending service uses: ask it "
                       f"for the DKIM record of {domain} and check that it is published."), None
    dk = service.dkim
    why = (f"{service.name} signs each message with a key; receivers find the matching public "
           f"key in this record. The signature counts for {domain} only when the key is "
           f"published at {domain}.")
    if dk.kind == "console":
        return Finding("dkim", title, Verdict.UNKNOWN,
                       f"{service.name} makes record names of its own for each domain, so they "
                       "cannot be checked from outside. In its console, check that DKIM for "
                       f"{domain} shows as verified; if not, add the records it shows.",
                       why, [Record("CNAME", f"TOKEN._domainkey.{domain}", dk.value_hint,
                                    "add", exact=False)], [], service.setup_url,
                       service.fact.unverified), None
    states = {s: _selector_state(dns, f"{s}._domainkey.{domain}") for s in dk.selectors}
    details = [f"{s}._domainkey.{domain}: {st}" for s, st in states.items()]
    published = [s for s, st in states.items() if st in ("key", "cname")]
    ok = (len(published) == len(states)) if dk.need == "all" else bool(published)
    if ok:
        return Finding("dkim", title, Verdict.OK,
                       f"{service.name}'s DKIM record is published at "
                       + ", ".join(f"{s}._domainkey.{domain}" for s in published) + ".",
                       why, [], details, service.setup_url, service.fact.unverified), True
    missing = [s for s in dk.selectors if s not in published]
    wanted = missing if dk.need == "all" else missing[:1]
    rtype = "CNAME" if dk.kind == "cname" else "TXT"
    # a hint written for the first selector ("looks like selector1-…") fits each one
    records = [Record(rtype, f"{s}._domainkey.{domain}",
                      dk.value_hint.replace(dk.selectors[0] + "-", s + "-"), "add",
                      exact=False) for s in wanted]
    revoked = [s for s, st in states.items() if st == "revoked"]
    text = (f"{service.name}'s DKIM record is missing at {domain}. Turn on DKIM for {domain} "
            f"in {service.name}'s settings and add the record it shows.")
    if revoked:
        text += f" ({', '.join(revoked)} has an empty key: it was revoked.)"
    return Finding("dkim", title, Verdict.NEEDS_RECORD, text, why, records, details,
                   service.setup_url, service.fact.unverified), False


def _dmarc(domain: str, dm, aligned: bool | None, bulk: bool, via: str) -> Finding:
    title = "DMARC (what receivers do with mail that fails)"
    details = [f"_dmarc.{dm.found_at or domain}: {dm.record or 'no DMARC record'}"]
    if dm.inherited:
        details.append(f"inherited from {dm.found_at} (sp= applies to {domain})")
    add = Record("TXT", f"_dmarc.{domain}", "v=DMARC1; p=none", "add")
    why = ("Gmail, Yahoo and Outlook.com require a DMARC record from senders of more than "
           "5,000 messages a day; it tells receivers what to do with mail that fails SPF and "
           "DKIM.")
    if dm.error:
        rec = Record("TXT", f"_dmarc.{dm.found_at}", dm.record if dm.error == "multiple"
                     else "v=DMARC1; p=none", "replace" if dm.error == "multiple" else "change",
                     [dm.record])
        text = (f"{dm.found_at} has more than one DMARC record, so none counts."
                if dm.error == "multiple" else f"The DMARC record of {dm.found_at} has a "
                f"mistake ({dm.error[8:]}), so it does not count.")
        return Finding("dmarc", title, Verdict.NEEDS_RECORD, text, why, [rec], details)
    if not dm.found:
        if bulk:
            return Finding("dmarc", title, Verdict.NEEDS_RECORD,
                           f"{domain} has no DMARC record, and you send to more than 5,000 "
                           "people a day: Gmail, Yahoo and Outlook.com require one. Start "
                           "with the record below (it only asks for reports, it blocks "
                           "nothing).", why, [add], details)
        return Finding("dmarc", title, Verdict.OK,
                       f"{domain} has no DMARC record. Not required below 5,000 messages a "
                       "day, but recommended: add the record below when you can.", why,
                       [add], details)
    p = dm.policy
    where = f" (inherited from {dm.found_at})" if dm.inherited else ""
    if aligned is False and p == "reject":
        return Finding("dmarc", title, Verdict.REJECTED,
                       f"{domain} publishes the DMARC policy p=reject{where}: receivers refuse "
                       f"mail that is not authenticated for {domain}, and mail sent through "
                       f"{via} is not yet. Add the SPF or DKIM record shown above first; "
                       "until then this mail will be rejected.",
                       f"The DMARC policy tells receivers to {dm.words()}.", [], details)
    if aligned is False and p == "quarantine":
        return Finding("dmarc", title, Verdict.NEEDS_RECORD,
                       f"{domain} publishes the DMARC policy p=quarantine{where}: mail sent "
                       f"through {via} is not yet authenticated for {domain} and will go to "
                       "spam. Add the SPF or DKIM record shown above.",
                       f"The DMARC policy tells receivers to {dm.words()}.", [], details)
    if aligned is None and p in ("reject", "quarantine"):
        return Finding("dmarc", title, Verdict.UNKNOWN,
                       f"{domain} publishes p={p}{where}: unless {via}'s DKIM is set up for "
                       f"{domain} (check it in {via}), its mail will be "
                       + ("rejected." if p == "reject" else "put in spam."),
                       f"The DMARC policy tells receivers to {dm.words()}.", [], details)
    return Finding("dmarc", title, Verdict.OK,
                   f"{domain} has a DMARC record{where} (p={p}).", why, [], details)


def _rules(report, spf_f, dkim_f, dm, spf_aligned, dkim_aligned, aligned,
           service) -> Finding:
    """The mailbox providers' sender rules (Google, Yahoo since February 2024; Microsoft's
    Outlook.com since May 2025), with the daily volume deciding the bulk rules."""
    title = "Gmail, Yahoo and Outlook.com sender rules"
    spf_passes = spf_f.verdict is Verdict.OK and spf_aligned is not None
    # a service with its own bounce domain makes SPF pass there
    if service is not None and service.spf_where == "service" and spf_f.verdict is Verdict.OK:
        spf_passes = True
    dkim_passes = dkim_aligned
    unmet, unknown = [], []
    names = ", ".join(r.name for r in report.rules)
    if not report.bulk:
        if spf_aligned or dkim_passes:
            return Finding("rules", title, Verdict.OK,
                           f"For up to 5,000 messages a day, mail must be authenticated with "
                           f"SPF or DKIM for {report.domain}: it is.", link="")
        if dkim_passes is None:
            return Finding("rules", title, Verdict.UNKNOWN,
                           "Mail must be authenticated with SPF or DKIM for "
                           f"{report.domain}: this depends on the DKIM check above.")
        return Finding("rules", title, Verdict.NEEDS_RECORD,
                       f"Gmail and Yahoo require every sender's mail to be authenticated with "
                       f"SPF or DKIM for {report.domain}; it is not yet. Add the records "
                       "above.", why=f"Rules used: {names}.")
    for ok, what in ((spf_passes, "SPF must pass"), (dkim_passes, "DKIM must pass"),
                     (dm.found, "a DMARC record must exist"),
                     (aligned, f"SPF or DKIM must match {report.domain} (DMARC alignment)")):
        if ok is None:
            unknown.append(what)
        elif not ok:
            unmet.append(what)
    if unmet:
        return Finding("rules", title, Verdict.NEEDS_RECORD,
                       f"You send to more than 5,000 people a day, so the bulk-sender rules "
                       f"apply: {'; '.join(unmet)}. Add the records above. Outlook.com "
                       "rejects such mail (550 5.7.515); Gmail and Yahoo reject it or put it "
                       "in spam.", why=f"Rules used: {names}.")
    if unknown:
        return Finding("rules", title, Verdict.UNKNOWN,
                       "The bulk-sender rules apply (more than 5,000 a day); still to check "
                       "in your service's settings: " + "; ".join(unknown) + ".")
    return Finding("rules", title, Verdict.OK,
                   "The bulk-sender rules (more than 5,000 a day: SPF, DKIM and DMARC, "
                   "aligned) are met.")
