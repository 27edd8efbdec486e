"""The MX look-up as Thunderbird does it, in the loopback world (dnsmasq MX records, the
online ISPDB on tests/discovery_world.py's HTTPS server, aiosmtpd): for each MX host, the
list kept in mailwizard and then the online ISPDB are asked for the host without its first
label and for its registrable domain. And a list entry without encryption is probed for
encryption before anything else is said about it."""

from __future__ import annotations

import os

import pytest
from discovery_world import body

from mailwizard.core.discovery import mx
from mailwizard.core.discovery.candidate import ISPDB, PROBE
from mailwizard.core.discovery.choice import sign_in_note
from mailwizard.core.discovery.run import Discovery, DiscoveryOptions
from mailwizard.core.discovery.snapshot import fill, load
from mailwizard.core.profile import Security
from mailwizard.core.providers import load_catalogue

if os.geteuid() != 0:  # no silent skip: say what is missing
    pytest.fail("tests/core/discovery/test_mx_lookup.py binds ports 443/465/587 on loopback "
                "addresses: run it as root (as CI does)", pytrace=False)

ISPDB_HOST = "ispdb.test"
ISPDB_URL = f"https://{ISPDB_HOST}/v1.1/"


def config(host: str, port: int, socket_type: str) -> bytes:
    return (f'<clientConfig version="1.1"><emailProvider id="h"><displayName>Hoster'
            f'</displayName><outgoingServer type="smtp"><hostname>{host}</hostname>'
            f"<port>{port}</port><socketType>{socket_type}</socketType>"
            "<username>%EMAILADDRESS%</username><authentication>password-cleartext"
            "</authentication></outgoingServer></emailProvider></clientConfig>").encode()


def discover(email: str, dns: str, ca_file: str, **kw):
    opts = dict(dns_server=dns, cafile=ca_file, ispdb_url=ISPDB_URL, timeout=4.0,
                probe_timeout=1.0, step_timeout=2.0)
    opts.update(kw)
    return Discovery(email, DiscoveryOptions(**opts)).run()


def test_an_mx_under_a_providers_sub_domain_is_found_offline(worlds, ca_file):
    w = worlds()
    d = "own-school.example"
    w.zone.mx.append((d, "mx01.educa.madrid.org", 10))
    web = w.web([ISPDB_HOST], {})
    r = discover(f"office@{d}", w.start(), ca_file, online=False, probe=False)
    best = r.best
    assert (best.source, best.host, best.port, best.security) == (
        ISPDB, "smtp01.educa.madrid.org", 465, Security.TLS)
    assert "educa.madrid.org, which handles your domain's mail" in best.reason
    assert not best.needs_confirmation
    assert web.requests == []  # nothing sent out


def test_an_mx_under_a_sub_domain_the_list_lacks_is_asked_online(worlds, ca_file):
    w = worlds()
    d = "own-shop.example"
    w.zone.mx.append((d, "mx01.mail.hoster.example", 10))
    web = w.web([ISPDB_HOST], {f"{ISPDB_HOST}/v1.1/mail.hoster.example": body(
        config("smtp.hoster.example", 465, "SSL"))})
    spec = w.start()
    r = discover(f"office@{d}", spec, ca_file, probe=False)
    assert f"{ISPDB_HOST} /v1.1/mail.hoster.example" in web.requests
    assert (r.best.source, r.best.host) == (ISPDB, "smtp.hoster.example")
    assert "mail.hoster.example, which handles your domain's mail" in r.best.reason
    # --no-online: the online ISPDB is not asked, the list kept in mailwizard still is
    web.requests.clear()
    r = discover(f"office@{d}", spec, ca_file, probe=False, online=False)
    assert web.requests == [] and r.candidates == []


def test_every_domain_of_the_list_behind_an_mx_host(worlds, ca_file):
    """An own domain for each domain D of the list, its MX host mx01.D: D's first SMTP
    server, offline; where a preset's MX pattern knows the provider, the preset answers."""
    w = worlds()
    snap = load()
    cases = []
    for provider in snap.providers:
        for i, domain in enumerate(provider.domains):
            own = f"own{len(cases)}.example"
            w.zone.mx.append((own, f"mx01.{domain}", 10))
            cases.append((own, domain, provider))
    spec = w.start()
    right, wrong = 0, []
    for own, domain, provider in cases:
        email = f"office@{own}"
        r = discover(email, spec, ca_file, online=False, probe=False)
        pattern = mx.match([f"mx01.{domain}"])
        if pattern is not None:
            preset = load_catalogue()[pattern[0].provider]
            ep = preset.default_endpoint
            want = (pattern[0].host or preset.host, ep.port, ep.security)
        elif provider.file == "rediffmail.com.xml":  # 465 before 586, as for the domain
            want = ("smtp.rediffmail.com", 465, Security.TLS)
        else:
            s = provider.smtp[0]
            want = (fill(s.host, email), s.port, s.security)
        got = (r.best.host, r.best.port, r.best.security) if r.best else None
        if got == want:
            right += 1
        else:
            wrong.append((own, f"mx01.{domain}", want, got))
    print(f"\nMX hosts under the list's domains, offline: {right} of {len(cases)} right")
    assert not wrong, wrong[:20]


def test_an_entry_without_encryption_is_probed_for_encryption_first(worlds, ca_file):
    w = worlds()
    box = w.mail("bay.wind.ne.jp", 587)  # the list says: 587 without encryption
    r = discover("user@bay.wind.ne.jp", w.start(), ca_file, online=False)
    best = r.best
    assert (best.source, best.host, best.port, best.security) == (
        PROBE, "bay.wind.ne.jp", 587, Security.STARTTLS)
    listed = next(c for c in r.candidates if c.source == ISPDB)
    assert listed.security is Security.NONE and listed.confirmed is False
    assert sign_in_note(best, load_catalogue()) == ""
    assert box.recorder.commands_auth == []
    assert {s.name for s in r.steps} == {"probe"}  # only the listed server was tried


def test_an_entry_without_encryption_stays_named_when_none_is_found(worlds, ca_file):
    w = worlds()
    w.address_of("bay.wind.ne.jp")  # the name resolves; nothing listens
    r = discover("user@bay.wind.ne.jp", w.start(), ca_file, online=False)
    assert r.best.security is Security.NONE
    note = sign_in_note(r.best, load_catalogue())
    assert r.best.provider_name in note and "without encryption" in note
