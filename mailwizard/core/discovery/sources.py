"""Each source of discovery as one function: it asks (DNS, HTTPS) and returns candidates with
the reason in words and the evidence. The run (run.py) calls them in parallel. A source's
own parts (the autoconfig reader, the MX table, HTTPS) are imported when it is asked: a
preset's domain needs none of them."""

from __future__ import annotations

import fnmatch
import functools

from mailwizard.core.discovery.candidate import (AUTOCONFIG, ISPDB, MX, PRESET, PROBE, SRV,
                                                 Candidate, ProbeResult, in_domain)
from mailwizard.core.discovery.errors import StepFailed
from mailwizard.core.i18n import _
from mailwizard.core.profile_types import SECURITY_WORDS, Security, ServiceType


@functools.lru_cache(maxsize=1)
def known_provider_hosts() -> tuple[str, ...]:
    """Host names (shell patterns) of the providers mailwizard knows: the presets' servers
    and the hosts of the MX table. The password may go there without an extra question."""
    from mailwizard.core.providers import load_catalogue

    hosts: set[str] = set()
    for p in load_catalogue():
        if p.host:
            hosts.add(p.host.replace("{region}", "*").lower())
        hosts.update(a.lower() for a in (*p.alternatives, *p.domain_hosts.values()))
    from mailwizard.core.discovery.mx import load_patterns

    hosts.update(m.host for m in load_patterns() if m.host)
    return tuple(sorted(hosts))


def needs_confirmation(host: str, domain: str) -> bool:
    if in_domain(host, domain):
        return False
    return not any(fnmatch.fnmatchcase(host.lower(), h) for h in known_provider_hosts())


def _candidate(source, host, port, security, reason, evidence, domain, **kw) -> Candidate:
    if "needs_confirmation" not in kw:
        kw["needs_confirmation"] = needs_confirmation(host, domain)
    return Candidate(source=source, host=host, port=port, security=security, reason=reason,
                     evidence=list(evidence), **kw)


def from_preset(email: str, domain: str) -> list[Candidate]:
    from mailwizard.core.providers import load_catalogue

    p = load_catalogue().match_email(email)
    if p is None or not p.host or p.needs_region:
        return []
    ep = p.default_endpoint
    return [_candidate(PRESET, p.host_for_email(email), ep.port, ep.security,
                       _("{provider}: settings mailwizard knows for {domain} "
                         "addresses").format(provider=p.name, domain=domain),
                       [f"built-in preset {p.id} ({p.server_fact.source}, verified "
                        f"{p.server_fact.verified})"], domain, provider_id=p.id,
                       provider_name=p.name, username=p.username_for(email),
                       service=p.service)]


def _preset_for_host(host: str, domain: str):
    """The preset whose server this is (smtp.zoho.in -> Zoho), so that the wizard shows that
    provider's guidance: one that lists the domain itself first, then a service for own
    domains (Google Workspace rather than Gmail for smtp.gmail.com), then the first."""
    from mailwizard.core.providers import load_catalogue

    host = host.lower()
    owners = [p for p in load_catalogue()
              if host == p.host.lower() or host in (a.lower() for a in p.alternatives)]
    for p in owners:
        if p.matches_domain(domain):
            return p
    return next((p for p in owners if not p.domains), owners[0] if owners else None)


def from_snapshot(email: str, domain: str, lookup: str = "", via_mx: str = "",
                  ) -> list[Candidate]:
    """Thunderbird's provider list as kept in mailwizard (no network): the SMTP servers of
    the provider that lists `lookup` (the address's domain, or a name from its MX hosts), in
    the provider's order."""
    from mailwizard.core.discovery.snapshot import fill, load

    snap = load()
    provider = snap.lookup(lookup or domain)
    if provider is None:
        return []
    if via_mx:
        reason = _("Settings for {provider_domain}, which handles your domain's mail, from "
                   "Thunderbird's list of providers (kept in mailwizard: nothing was sent "
                   "out)").format(provider_domain=via_mx)
    else:
        reason = _("{provider}: settings from Thunderbird's list of providers (kept in "
                   "mailwizard: nothing was sent out)").format(
            provider=fill(provider.name, email))
    out = []
    for i, s in enumerate(provider.smtp):
        host = fill(s.host, email).lower()
        preset = _preset_for_host(host, domain)
        auth = ", ".join(s.auth) or "not named"
        c = _candidate(ISPDB, host, s.port, s.security, reason,
                       [f"{snap.describe()}: {provider.file} lists "
                        + (f"{via_mx} (from the MX host {lookup})" if via_mx and via_mx !=
                           lookup else lookup or domain)
                        + f"; outgoingServer {host}:{s.port} {SECURITY_WORDS[s.security]}, "
                          f"authentication {auth}"],
                       domain, provider_id=preset.id if preset else "",
                       provider_name=fill(provider.name, email),
                       username=fill(s.username, email),
                       service=preset.service if preset else ServiceType.SMTP,
                       # Thunderbird's reviewed list, shipped with mailwizard: its servers
                       # are as known as a preset's
                       needs_confirmation=False, auth_methods=s.auth,
                       help_url=provider.help[0] if provider.help else "", preference=i)
        out.append(c)
    return out


def mx_lookup_names(mx_hosts: list[str], domain: str) -> list[str]:
    """The names Thunderbird asks its provider list for, for each MX host in order: the host
    without its first label (mx01.bay.wind.ne.jp -> bay.wind.ne.jp), then its registrable
    domain by the Public Suffix List (wind.ne.jp). The address's own domain is left out (it
    was asked already)."""
    from mailwizard.core.discovery.mx import registrable_domain

    names: list[str] = []
    for host in mx_hosts:
        h = host.lower().rstrip(".")
        labels = h.split(".")
        for name in (".".join(labels[1:]) if len(labels) > 2 else "", registrable_domain(h)):
            if name and name != domain and name not in names:
                names.append(name)
    return names


def from_config(body: bytes, email: str, domain: str, source: str, url: str,
                reason: str) -> list[Candidate]:
    from mailwizard.core.discovery.autoconfig import parse

    out = []
    for i, s in enumerate(parse(body, email)):
        preset = _preset_for_host(s.host, domain)
        out.append(_candidate(source, s.host, s.port, s.security, reason,
                              [f"{url}: outgoingServer {s.host}:{s.port} "
                               f"{SECURITY_WORDS[s.security]}"
                               + (f" ({s.provider_name})" if s.provider_name else "")
                               + (f", authentication {', '.join(s.auth_methods)}"
                                  if s.auth_methods else "")],
                              domain, username=s.username, provider_name=s.provider_name,
                              auth_methods=s.auth_methods, preference=i,
                              provider_id=preset.id if preset else ""))
    return out


def own_autoconfig(email: str, domain: str, **net) -> list[Candidate]:
    """The domain's own file: autoconfig.DOMAIN first, then DOMAIN/.well-known."""
    from mailwizard.core.discovery.autoconfig import domain_urls
    from mailwizard.core.discovery.https import https_get

    reasons = []
    for url in domain_urls(email, domain):
        try:
            body = https_get(url, **net)
            return from_config(body, email, domain, AUTOCONFIG, url,
                               _("Settings published by your domain ({domain})").format(
                                   domain=domain))
        except StepFailed as exc:
            reasons.append(str(exc))
    raise StepFailed("; ".join(reasons))


def ispdb(email: str, domain: str, lookup: str, base_url: str | None, via_mx: str = "",
          **net) -> list[Candidate]:
    from mailwizard.core.discovery.autoconfig import ispdb_url
    from mailwizard.core.discovery.https import https_get

    url = ispdb_url(lookup, base_url)
    body = https_get(url, **net)
    reason = (_("Settings for {provider_domain}, which handles your domain's mail, from "
                "Thunderbird's public list of providers").format(provider_domain=lookup)
              if via_mx else _("Settings from Thunderbird's public list of providers"))
    return from_config(body, email, domain, ISPDB, url, reason)


def from_mx(email: str, domain: str, mx_hosts: list[str]) -> list[Candidate]:
    from mailwizard.core.discovery.mx import match
    from mailwizard.core.providers import load_catalogue

    found = match(mx_hosts)
    if found is None:
        return []
    pattern, mx_host = found
    preset = load_catalogue().get(pattern.provider)
    if preset is None:
        return []
    host = pattern.host or preset.host
    ep = preset.default_endpoint
    note = " (a third-party fact, not confirmed by the provider)" if pattern.unverified else ""
    return [_candidate(MX, host, ep.port, ep.security,
                       _("Your domain's mail is handled by {provider} (found from its mail "
                         "servers)").format(provider=_(pattern.name)),
                       [f"MX {mx_host} matches {', '.join(pattern.patterns)} "
                        f"(providers.toml: {pattern.source}, verified {pattern.verified}{note})"],
                       domain, provider_id=preset.id, provider_name=pattern.name,
                       username=preset.username_for(email), service=preset.service)]


def from_srv(domain: str, records, secure: bool) -> list[Candidate]:
    name = ("_submissions._tcp." if secure else "_submission._tcp.") + domain
    security = Security.TLS if secure else Security.STARTTLS
    out = []
    for r in records:
        if not r.target:  # "." : the domain says there is no such service
            continue
        out.append(_candidate(SRV, r.target, r.port, security,
                              _("Your domain names its sending server in DNS (SRV record)"),
                              [f"SRV {name} -> {r.target}:{r.port} (priority {r.priority})"],
                              domain))
    return out


def from_probe(p: ProbeResult, domain: str) -> Candidate | None:
    if not p.ok or p.security is None:
        return None
    words = {Security.TLS: "SSL/TLS", Security.STARTTLS: "STARTTLS"}[p.security]
    if p.cert_verified:
        # Translators: {security} is SSL/TLS or STARTTLS.
        reason = _("We tested {host}: a secure connection works on port {port} ({security}) "
                   "and its certificate is valid")
    else:
        reason = _("We tested {host}: a secure connection works on port {port} ({security}), "
                   "but its certificate is NOT trusted (it could be an impostor)")
    return _candidate(PROBE, p.host, p.port, p.security,
                      reason.format(host=p.host, security=words, port=p.port),
                      [f"probe: {p.summary()}; greeting {p.greeting!r}"], domain, probe=p)
