"""The SPF part of the deliverability check in words: what the From domain's SPF record means
for the sending service (broken, missing, naming the service or not), and the record to add
or change."""

from __future__ import annotations

from mailwizard.core.deliverability import spf as spf_mod
from mailwizard.core.deliverability.knowledge import shown
from mailwizard.core.deliverability.model import Finding, Record, Verdict
from mailwizard.core.i18n import _, ngettext


def judge_spf(domain: str, spf, service, mailbox, host) -> tuple[Finding, bool | None]:
    """(finding, does SPF align with the From domain for this service?)"""
    title = _("SPF (who may send as {domain})").format(domain=domain)
    details = [f"TXT {domain}: {r}" for r in spf.records] or [f"TXT {domain}: no SPF record"]
    details.append(f"DNS look-ups: {spf.lookups} of 10; void look-ups: {spf.void_lookups} of 2")
    details += [f"  {term}: {n} look-up(s)" for term, n in spf.costs if n]
    needs_include = service is not None and service.spf_where == "from_domain"
    include = service.include_for(host) if service else ""
    has_include = spf.authorises(service.spf_accept) if service else ""
    if service:
        why = _("Receivers (Gmail, Yahoo, Outlook.com …) check this record to see whether "
                "{service} may send mail as {domain}.").format(service=service.name,
                                                               domain=domain)
    else:
        why = _("Receivers (Gmail, Yahoo, Outlook.com …) check this record to see whether "
                "your sending service may send mail as {domain}.").format(domain=domain)
    if spf.error:
        verdict, text, records, aligned = _broken(domain, spf, service, needs_include,
                                                  include, has_include)
    elif not spf.found:
        verdict, text, records, aligned = _missing(domain, service, mailbox, needs_include,
                                                   include)
    else:
        verdict, text, records, aligned = _present(domain, spf, service, host, needs_include,
                                                   include, has_include)
    link = service.setup_url if service else ""
    unverified = bool(service and service.fact.unverified)
    return Finding("spf", title, verdict, text, why, records, details, link,
                   unverified), aligned


def _broken(domain: str, spf, service, needs_include: bool, include: str, has_include: str):
    """A record every receiver treats as broken: why, and how to mend it."""
    text = _broken_text(spf)
    records = []
    if spf.error == "multiple":
        adds = [include] if needs_include and not has_include else []
        records.append(Record("TXT", domain, spf_mod.merged(spf.records, adds), "replace",
                              list(spf.records)))
        text += " " + _("Replace them with the single record below.")
    elif spf.error == "too_many_lookups":
        heavy = sorted((c for c in spf.costs if c[1]), key=lambda c: -c[1])
        text += " " + _("Remove the includes of services you no longer use (the biggest: "
                        "{biggest}), or ask your DNS host to replace some with the "
                        "addresses they stand for (flattening).").format(
            biggest=", ".join(f"{t} = {n}" for t, n in heavy[:4]))
        if needs_include and not has_include:
            text += " " + _("{service} also still needs include:{include} in it.").format(
                service=service.name, include=include)
    return Verdict.NEEDS_RECORD, text, records, False


def _broken_text(spf) -> str:
    """Why every receiver treats the SPF record as broken, in words."""
    domain, detail = spf.domain, spf.error_detail
    if spf.error == "multiple":
        n = len(spf.records)
        return ngettext("{domain} has {n} SPF record. A domain may have only one: with two, "
                        "every receiver treats SPF as broken (a permanent error), for all mail "
                        "from {domain}.",
                        "{domain} has {n} SPF records. A domain may have only one: with two, "
                        "every receiver treats SPF as broken (a permanent error), for all mail "
                        "from {domain}.", n).format(domain=domain, n=n)
    if spf.error == "too_many_lookups":
        return _("The SPF record of {domain} needs more than {n} DNS look-ups; receivers stop "
                 "at 10 and then treat SPF as broken (a permanent error).").format(
            domain=domain, n=spf.lookups - 1)
    if spf.error == "void_lookups":
        return _("The SPF record of {domain} names things that do not exist ({terms}); after "
                 "two of those receivers treat SPF as broken.").format(
            domain=domain, terms=", ".join(spf.void_terms))
    if spf.error == "syntax":
        return _("The SPF record of {domain} has a mistake ({detail}); receivers treat it as "
                 "broken.").format(domain=domain, detail=detail)
    if spf.error == "include_none":
        return _("The SPF record of {domain} points at something without an SPF record "
                 "({detail}); receivers treat it as broken.").format(domain=domain,
                                                                      detail=detail)
    return _("The SPF record of {domain} refers back to itself ({detail}).").format(
        domain=domain, detail=detail)


def _missing(domain: str, service, mailbox, needs_include: bool, include: str):
    """No SPF record: the one to add when the service needs to be named in it."""
    if not needs_include:
        note = shown(service.spf_note) if service else ""
        return (Verdict.OK if service else Verdict.UNKNOWN,
                _("{domain} has no SPF record.").format(domain=domain) + " "
                + (note or _("We do not know which SPF include your sending "
                             "service needs: ask it.")),
                [], False if service else None)
    includes = [mailbox.spf_include] if mailbox and mailbox.id != service.id else []
    value = spf_mod.merged([], includes + [include])
    if includes:
        add = _("Add one that names {service} (and {mailbox}, which receives your "
                "mail).").format(service=service.name, mailbox=mailbox.name)
    else:
        add = _("Add one that names {service}.").format(service=service.name)
    return (Verdict.NEEDS_RECORD, _("{domain} has no SPF record.").format(domain=domain)
            + " " + add, [Record("TXT", domain, value, "add")], False)


def _present(domain: str, spf, service, host, needs_include: bool, include: str,
             has_include: str):
    """A valid record: does it name the sending service, and if not, the change."""
    if service is None:
        if host:
            text = _("{domain} has a valid SPF record, but we do not know which include {host} "
                     "needs: ask it whether this record names it: {record}").format(
                domain=domain, host=host, record=spf.records[0])
        else:
            text = _("{domain} has a valid SPF record, but we do not know which include your "
                     "sending service needs: ask it whether this record names it: "
                     "{record}").format(domain=domain, record=spf.records[0])
        return Verdict.UNKNOWN, text, [], None
    if not needs_include:
        text = (_("{domain} has a valid SPF record.").format(domain=domain) + " "
                + shown(service.spf_note))
        return Verdict.OK, text, [], False
    if has_include:
        return (Verdict.OK,
                _("The SPF record of {domain} names {service} "
                  "(include:{include}).").format(domain=domain, service=service.name,
                                                 include=has_include),
                [], True)
    value = spf_mod.merged(spf.records, [include])
    text = _("The SPF record of {domain} does not name {service} yet. Add include:{include} to "
             "it (one record only: change the existing one).").format(
        domain=domain, service=service.name, include=include)
    if spf.lookups + 1 > spf_mod.MAX_LOOKUPS:
        text += " " + _("It would then need more than 10 DNS look-ups: remove an include you "
                        "no longer use at the same time.")
    return (Verdict.NEEDS_RECORD, text,
            [Record("TXT", domain, value, "change", list(spf.records))], False)
