"""Will mail from this From address, sent through this service, reach inboxes? Reads the From
domain's SPF, DKIM (the service's documented selectors) and DMARC through the bounded resolver
of core/discovery/dns.py, and judges them against the service's needs (resources/
deliverability.toml) and the mailbox providers' sender rules, with the user's daily volume
deciding whether the bulk rules apply."""

from __future__ import annotations

import time

from mailwizard.core.deliverability import dmarc as dmarc_mod
from mailwizard.core.deliverability import spf as spf_mod
from mailwizard.core.deliverability.knowledge import (Knowledge, SendingService, load_knowledge,
                                                      shown)
from mailwizard.core.deliverability.model import (DeliverabilityReport, Finding, Record,
                                                  Verdict)
from mailwizard.core.deliverability.spf_advice import judge_spf
from mailwizard.core.i18n import _

BULK_PER_DAY = 5000

#: Names that never exist in the public DNS (RFC 2606, RFC 6761): a check of them can only
#: time out, so they are not looked up unless a DNS server was named (a test zone).
RESERVED_SUFFIXES = (".test", ".example", ".example.com", ".example.net", ".example.org")

#: Names only an organisation's own network knows (RFC 6761 .localhost/.invalid, RFC 6762
#: .local, RFC 8375 .home.arpa, ICANN's .internal, and the common private endings): mail from
#: them cannot reach an inbox on the internet, so their records are never checked.
INTERNAL_SUFFIXES = (".local", ".internal", ".lan", ".home.arpa", ".localhost", ".invalid",
                     ".localdomain", ".corp", ".home", ".intranet", ".private")


def not_checked_reason(from_address: str, dns_server: str | None = None) -> str:
    """Why the From domain's records are not checked ("" = check them): an internal domain
    (never), or a reserved name when no DNS server was named."""
    import os

    domain = from_address.strip().rpartition("@")[2].lower().rstrip(".")
    if not domain:
        return ""
    if "." not in domain or ("." + domain).endswith(INTERNAL_SUFFIXES):
        return _("Internal domain: not checked. {domain} is used only inside your own "
                 "network: mail from it cannot reach mailboxes on the internet, so there are "
                 "no public SPF, DKIM or DMARC records to check.").format(domain=domain)
    explicit = dns_server or os.environ.get("MAILWIZARD_DNS_SERVER")
    if not explicit and ("." + domain).endswith(RESERVED_SUFFIXES):
        return _("Reserved domain: not checked. {domain} is a name reserved for examples and "
                 "tests, which exists in no public DNS.").format(domain=domain)
    return ""


def skip_reason(from_address: str, dns_server: str | None = None) -> str:
    """Why a check started on its own should not run for this address ("" = run it)."""
    _user, at, domain = from_address.strip().rpartition("@")
    if not at or not domain.strip().rstrip("."):
        return _("there is no From address to check")
    return not_checked_reason(from_address, dns_server)


def check_deliverability(from_address: str, *, provider_id: str = "", host: str = "",
                         recipients_per_day: int = 0, dns=None, dns_server: str | None = None,
                         timeout: float = 3.0, budget: float = 20.0,
                         knowledge: Knowledge | None = None) -> DeliverabilityReport:
    """The report for one From address. `dns` (a discovery Dns) or `dns_server` (IP[:PORT],
    else MAILWIZARD_DNS_SERVER, else the system's). Never raises for DNS trouble: the report
    then carries `error` (exit code 20)."""
    from mailwizard.core.discovery.dns import Dns, DnsUnavailable

    k = knowledge or load_knowledge()
    domain = from_address.strip().rpartition("@")[2]
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
    report.not_checked = not_checked_reason(
        from_address, dns_server or (dns.server if dns is not None else None))
    if report.not_checked:
        return report
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
        return [Finding("freemail", _("Free email address"), Verdict.OK,
                        _("{provider} sends and signs mail from {domain} addresses "
                          "itself.").format(provider=free.name, domain=domain))]
    d = dmarc_mod.lookup(dns, domain)
    policy = d.policy
    values = dict(domain=domain, provider=free.name, via=via)
    title = _("Free email address sent through another service")
    if policy in ("reject", "quarantine"):
        if policy == "reject":
            first = _("{domain} publishes the DMARC policy p=reject: receiving mailboxes refuse "
                      "it when mail claiming to be from {domain} is not sent by {provider} "
                      "itself.")
            then = (_("Mail from this address through {via} will be rejected.") if via else
                    _("Mail from this address through another service will be rejected."))
        else:
            first = _("{domain} publishes the DMARC policy p=quarantine: receiving mailboxes "
                      "put it in spam when mail claiming to be from {domain} is not sent by "
                      "{provider} itself.")
            then = (_("Mail from this address through {via} will be treated as spam.") if via
                    else _("Mail from this address through another service will be treated "
                           "as spam."))
        use = _("Use an address at your own domain (for example accounts@yoursociety.org), or "
                "send through {provider} itself.")
        why = (_("Nobody but {provider} can add the records that would let {via} send as "
                 "{domain}.") if via else
               _("Nobody but {provider} can add the records that would let another service "
                 "send as {domain}."))
        return [Finding(
            "freemail", title, Verdict.REJECTED,
            " ".join(t.format(**values) for t in (first, then, use)),
            why=why.format(**values),
            details=[f"_dmarc.{d.found_at}: {d.record}"])]
    first = (_("Mail claiming to be from {domain} but sent through {via} cannot be "
               "authenticated: only {provider} can add records to {domain}.") if via else
             _("Mail claiming to be from {domain} but sent through another service cannot be "
               "authenticated: only {provider} can add records to {domain}."))
    return [Finding(
        "freemail", title, Verdict.NEEDS_RECORD,
        " ".join((first.format(**values),
                  _("Gmail's sender rules say not to send as a free-mail address from "
                    "elsewhere; expect spam folders or refusals."),
                  _("Use an address at your own domain."))),
        details=[f"_dmarc.{domain}: " + (d.record or "no DMARC record")])]


def _judge(report: DeliverabilityReport, dns, k: Knowledge, service: SendingService | None,
           host: str) -> None:
    domain = report.domain
    spf = spf_mod.evaluate(dns, domain)
    mailbox = _mailbox_service(dns, k, domain)
    spf_finding, spf_aligned = judge_spf(domain, spf, service, mailbox, host)
    dkim_finding, dkim_aligned = _dkim(dns, domain, service)
    dm = dmarc_mod.lookup(dns, domain)
    aligned = True if (spf_aligned or dkim_aligned) else (
        None if dkim_aligned is None or spf_aligned is None else False)
    dmarc_finding = _dmarc(domain, dm, aligned, report.bulk, report.service_name)
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
    title = _("DKIM (the signature on your mail)")
    if service is None:
        return Finding("dkim", title, Verdict.UNKNOWN,
                       _("We do not know which DKIM records your sending service uses: ask it "
                         "for the DKIM record of {domain} and check that it is "
                         "published.").format(domain=domain)), None
    dk = service.dkim
    values = dict(service=service.name, domain=domain)
    why = _("{service} signs each message with a key; receivers find the matching public key "
            "in this record. The signature counts for {domain} only when the key is published "
            "at {domain}.").format(**values)
    hint = shown(dk.value_hint)
    if dk.kind == "console":
        return Finding("dkim", title, Verdict.UNKNOWN,
                       _("{service} makes record names of its own for each domain, so they "
                         "cannot be checked from outside. In its console, check that DKIM for "
                         "{domain} shows as verified; if not, add the records it "
                         "shows.").format(**values),
                       why, [Record("CNAME", f"TOKEN._domainkey.{domain}", hint,
                                    "add", exact=False)], [], service.setup_url,
                       service.fact.unverified), None
    states = {s: _selector_state(dns, f"{s}._domainkey.{domain}") for s in dk.selectors}
    details = [f"{s}._domainkey.{domain}: {st}" for s, st in states.items()]
    published = [s for s, st in states.items() if st in ("key", "cname")]
    ok = (len(published) == len(states)) if dk.need == "all" else bool(published)
    if ok:
        return Finding("dkim", title, Verdict.OK,
                       _("{service}'s DKIM record is published at {names}.").format(
                           service=service.name,
                           names=", ".join(f"{s}._domainkey.{domain}" for s in published)),
                       why, [], details, service.setup_url, service.fact.unverified), True
    missing = [s for s in dk.selectors if s not in published]
    wanted = missing if dk.need == "all" else missing[:1]
    rtype = "CNAME" if dk.kind == "cname" else "TXT"
    # a hint written for the first selector ("looks like selector1-…") fits each one
    records = [Record(rtype, f"{s}._domainkey.{domain}",
                      hint.replace(dk.selectors[0] + "-", s + "-"), "add",
                      exact=False) for s in wanted]
    revoked = [s for s, st in states.items() if st == "revoked"]
    text = _("{service}'s DKIM record is missing at {domain}. Turn on DKIM for {domain} in "
             "{service}'s settings and add the record it shows.").format(**values)
    if revoked:
        # Translators: {selectors} is a list of DKIM selector names, e.g. "s1, s2".
        text += " " + _("({selectors} has an empty key: it was revoked.)").format(
            selectors=", ".join(revoked))
    return Finding("dkim", title, Verdict.NEEDS_RECORD, text, why, records, details,
                   service.setup_url, service.fact.unverified), False


def _policy_why(dm) -> str:
    """What the DMARC policy tells receivers, as a sentence (a record found: reject,
    quarantine or none)."""
    if dm.policy == "reject":
        return _("The DMARC policy tells receivers to reject (refuse) mail that fails the "
                 "check.")
    if dm.policy == "quarantine":
        return _("The DMARC policy tells receivers to put mail that fails the check in spam.")
    return _("The DMARC policy tells receivers to only report mail that fails the check.")


def _dmarc(domain: str, dm, aligned: bool | None, bulk: bool, via: str) -> Finding:
    """`via`: the sending service's name, "" when not known."""
    title = _("DMARC (what receivers do with mail that fails)")
    details = [f"_dmarc.{dm.found_at or domain}: {dm.record or 'no DMARC record'}"]
    if dm.inherited:
        details.append(f"inherited from {dm.found_at} (sp= applies to {domain})")
    add = Record("TXT", f"_dmarc.{domain}", "v=DMARC1; p=none", "add")
    why = _("Gmail, Yahoo and Outlook.com require a DMARC record from senders of more than "
            "5,000 messages a day; it tells receivers what to do with mail that fails SPF and "
            "DKIM.")
    if dm.error:
        rec = Record("TXT", f"_dmarc.{dm.found_at}", dm.record if dm.error == "multiple"
                     else "v=DMARC1; p=none", "replace" if dm.error == "multiple" else "change",
                     [dm.record])
        if dm.error == "multiple":
            text = _("{domain} has more than one DMARC record, so none counts.").format(
                domain=dm.found_at)
        else:
            text = _("The DMARC record of {domain} has a mistake ({detail}), so it does not "
                     "count.").format(domain=dm.found_at, detail=dm.error[8:])
        return Finding("dmarc", title, Verdict.NEEDS_RECORD, text, why, [rec], details)
    if not dm.found:
        if bulk:
            return Finding("dmarc", title, Verdict.NEEDS_RECORD,
                           _("{domain} has no DMARC record, and you send to more than 5,000 "
                             "people a day: Gmail, Yahoo and Outlook.com require one. Start "
                             "with the record below (it only asks for reports, it blocks "
                             "nothing).").format(domain=domain), why, [add], details)
        return Finding("dmarc", title, Verdict.ADVISED,
                       _("{domain} has no DMARC record. Not required below 5,000 messages a "
                         "day, but recommended: add the record below when you can.").format(
                           domain=domain), why, [add], details)
    p = dm.policy
    # Translators: put right after the policy (p=reject…); {parent} is the domain whose
    # DMARC record applies to this one too.
    where = (" " + _("(inherited from {parent})").format(parent=dm.found_at)
             if dm.inherited else "")
    values = dict(domain=domain, where=where, via=via, p=p)
    if aligned is False and p == "reject":
        text = (_("{domain} publishes the DMARC policy p=reject{where}: receivers refuse mail "
                  "that is not authenticated for {domain}, and mail sent through {via} is not "
                  "yet. Add the SPF or DKIM record shown above first; until then this mail "
                  "will be rejected.") if via else
                _("{domain} publishes the DMARC policy p=reject{where}: receivers refuse mail "
                  "that is not authenticated for {domain}, and mail sent through your sending "
                  "service is not yet. Add the SPF or DKIM record shown above first; until "
                  "then this mail will be rejected."))
        return Finding("dmarc", title, Verdict.REJECTED, text.format(**values), _policy_why(dm),
                       [], details)
    if aligned is False and p == "quarantine":
        text = (_("{domain} publishes the DMARC policy p=quarantine{where}: mail sent through "
                  "{via} is not yet authenticated for {domain} and will go to spam. Add the "
                  "SPF or DKIM record shown above.") if via else
                _("{domain} publishes the DMARC policy p=quarantine{where}: mail sent through "
                  "your sending service is not yet authenticated for {domain} and will go to "
                  "spam. Add the SPF or DKIM record shown above."))
        return Finding("dmarc", title, Verdict.NEEDS_RECORD, text.format(**values),
                       _policy_why(dm), [], details)
    if aligned is None and p in ("reject", "quarantine"):
        if p == "reject":
            text = (_("{domain} publishes p={p}{where}: unless {via}'s DKIM is set up for "
                      "{domain} (check it in {via}), its mail will be rejected.") if via else
                    _("{domain} publishes p={p}{where}: unless your sending service's DKIM is "
                      "set up for {domain} (check it in your sending service), its mail will "
                      "be rejected."))
        else:
            text = (_("{domain} publishes p={p}{where}: unless {via}'s DKIM is set up for "
                      "{domain} (check it in {via}), its mail will be put in spam.") if via
                    else _("{domain} publishes p={p}{where}: unless your sending service's "
                           "DKIM is set up for {domain} (check it in your sending service), "
                           "its mail will be put in spam."))
        return Finding("dmarc", title, Verdict.UNKNOWN, text.format(**values), _policy_why(dm),
                       [], details)
    return Finding("dmarc", title, Verdict.OK,
                   _("{domain} has a DMARC record{where} (p={p}).").format(**values), why, [],
                   details)


def _rules(report, spf_f, dkim_f, dm, spf_aligned, dkim_aligned, aligned,
           service) -> Finding:
    """The mailbox providers' sender rules (Google, Yahoo since February 2024; Microsoft's
    Outlook.com since May 2025), with the daily volume deciding the bulk rules."""
    title = _("Gmail, Yahoo and Outlook.com sender rules")
    spf_passes = spf_f.verdict is Verdict.OK and spf_aligned is not None
    # a service with its own bounce domain makes SPF pass there
    if service is not None and service.spf_where == "service" and spf_f.verdict is Verdict.OK:
        spf_passes = True
    dkim_passes = dkim_aligned
    unmet, unknown = [], []
    names = ", ".join(r.name for r in report.rules)
    domain = report.domain
    if not report.bulk:
        if spf_aligned or dkim_passes:
            return Finding("rules", title, Verdict.OK,
                           _("For up to 5,000 messages a day, mail must be authenticated with "
                             "SPF or DKIM for {domain}: it is.").format(domain=domain), link="")
        if dkim_passes is None:
            return Finding("rules", title, Verdict.UNKNOWN,
                           _("Mail must be authenticated with SPF or DKIM for {domain}: this "
                             "depends on the DKIM check above.").format(domain=domain))
        return Finding("rules", title, Verdict.NEEDS_RECORD,
                       _("Gmail and Yahoo require every sender's mail to be authenticated with "
                         "SPF or DKIM for {domain}; it is not yet. Add the records "
                         "above.").format(domain=domain),
                       why=_("Rules used: {names}.").format(names=names))
    # Translators: the bulk-sender rules, listed one after the other ("…: A; B; C.").
    for ok, what in ((spf_passes, _("SPF must pass")), (dkim_passes, _("DKIM must pass")),
                     (dm.found, _("a DMARC record must exist")),
                     (aligned, _("SPF or DKIM must match {domain} (DMARC alignment)").format(
                         domain=domain))):
        if ok is None:
            unknown.append(what)
        elif not ok:
            unmet.append(what)
    if unmet:
        return Finding("rules", title, Verdict.NEEDS_RECORD,
                       _("You send to more than 5,000 people a day, so the bulk-sender rules "
                         "apply: {rules}. Add the records above. Outlook.com rejects such "
                         "mail ({code}); Gmail and Yahoo reject it or put it in spam.").format(
                           rules="; ".join(unmet), code="550 5.7.515"),
                       why=_("Rules used: {names}.").format(names=names))
    if unknown:
        return Finding("rules", title, Verdict.UNKNOWN,
                       _("The bulk-sender rules apply (more than 5,000 a day); still to check "
                         "in your service's settings: {rules}.").format(
                           rules="; ".join(unknown)))
    return Finding("rules", title, Verdict.OK,
                   _("The bulk-sender rules (more than 5,000 a day: SPF, DKIM and DMARC, "
                     "aligned) are met."))
