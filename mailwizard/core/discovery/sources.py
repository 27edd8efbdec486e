"""Each source of discovery as one function: it asks (DNS, HTTPS) and returns candidates with
the reason in words and the evidence. The run (run.py) calls them in parallel."""

from __future__ import annotations

import fnmatch
import functools

from mailwizard.core.discovery import autoconfig, mx as mxdata
from mailwizard.core.discovery.candidate import (AUTOCONFIG, ISPDB, MX, PRESET, PROBE, SRV,
                                                 Candidate, ProbeResult, in_domain)
from mailwizard.core.discovery.errors import StepFailed
from mailwizard.core.i18n import _
from mailwizard.core.profile import SECURITY_WORDS, Security


@functools.lru_cache(maxsize=1)
def known_provider_hosts() -> tuple[str, ...]:
    """Host names (shell patterns) of the providers mailwizard knows: the presets' servers
    and the hosts of the MX table. The password may go there without an extra question."""
    from mailwizard.core.providers import load_catalogue

    hosts: set[str] = set()
    for p in load_catalogue():
        if p.host:
            hosts.add(p.host.replace("{region}", "*").lower())
        hosts.update(a.lower() for a in p.alternatives)
    hosts.update(m.host for m in mxdata.load_patterns() if m.host)
    return tuple(sorted(hosts))


def needs_confirmation(host: str, domain: str) -> bool:
    if in_domain(host, domain):
        return False
    return not any(fnmatch.fnmatchcase(host.lower(), h) for h in known_provider_hosts())


def _candidate(source, host, port, security, reason, evidence, domain, **kw) -> Candidate:
    return Candidate(source=source, host=host, port=port, security=security, reason=reason,
                     evidence=list(evidence), needs_confirmation=needs_confirmation(host, domain),
                     **kw)


def from_preset(email: str, domain: str) -> list[Candidate]:
    from mailwizard.core.providers import load_catalogue

    p = load_catalogue().match_email(email)
    if p is None or not p.host or p.needs_region:
        return []
    ep = p.default_endpoint
    return [_candidate(PRESET, p.host, ep.port, ep.security,
                       _("{provider}: settings mailwizard knows for {domain} "
                         "addresses").format(provider=p.name, domain=domain),
                       [f"built-in preset {p.id} ({p.server_fact.source}, verified "
                        f"{p.server_fact.verified})"], domain, provider_id=p.id,
                       provider_name=p.name, username=p.username_for(email),
                       service=p.service)]


def from_config(body: bytes, email: str, domain: str, source: str, url: str,
                reason: str) -> list[Candidate]:
    out = []
    for s in autoconfig.parse(body, email):
        out.append(_candidate(source, s.host, s.port, s.security, reason,
                              [f"{url}: outgoingServer {s.host}:{s.port} "
                               f"{SECURITY_WORDS[s.security]}"
                               + (f" ({s.provider_name})" if s.provider_name else "")],
                              domain, username=s.username, provider_name=s.provider_name))
    return out


def own_autoconfig(email: str, domain: str, **net) -> list[Candidate]:
    """The domain's own file: autoconfig.DOMAIN first, then DOMAIN/.well-known."""
    from mailwizard.core.discovery.https import https_get

    reasons = []
    for url in autoconfig.domain_urls(email, domain):
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
    from mailwizard.core.discovery.https import https_get

    url = autoconfig.ispdb_url(lookup, base_url)
    body = https_get(url, **net)
    reason = (_("Settings for {provider_domain}, which handles your domain's mail, from "
                "Thunderbird's public list of providers").format(provider_domain=lookup)
              if via_mx else _("Settings from Thunderbird's public list of providers"))
    return from_config(body, email, domain, ISPDB, url, reason)


def from_mx(email: str, domain: str, mx_hosts: list[str]) -> list[Candidate]:
    from mailwizard.core.providers import load_catalogue

    found = mxdata.match(mx_hosts)
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
