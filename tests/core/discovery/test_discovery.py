"""Discovery against a loopback world of real parts: dnsmasq zones, HTTPS servers on port 443
with trustme certificates, aiosmtpd servers on 465/587/25. Every world checks at the end that
no SMTP server saw a single AUTH command."""

from __future__ import annotations

import os
import threading
import time

import pytest
from discovery_world import body, endless, redirect

from mailwizard.core.discovery.candidate import AUTOCONFIG, ISPDB, MX, PRESET, PROBE, SRV
from mailwizard.core.discovery.run import Discovery, DiscoveryOptions
from mailwizard.core.profile import Security

pytestmark = pytest.mark.needs_root("binds port 443/465/587/25 on loopback addresses")

ISPDB_HOST = "ispdb.test"
ISPDB_URL = f"https://{ISPDB_HOST}/v1.1/"


def config(host: str, port: int, socket_type: str, username: str = "%EMAILADDRESS%",
           name: str = "Test provider") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="test">
    <domain>x</domain>
    <displayName>{name}</displayName>
    <incomingServer type="imap"><hostname>imap.example</hostname><port>993</port>
      <socketType>SSL</socketType></incomingServer>
    <outgoingServer type="smtp">
      <hostname>{host}</hostname><port>{port}</port><socketType>{socket_type}</socketType>
      <username>{username}</username><authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>""".encode()


def discover(email: str, dns: str, ca_file: str, **kw):
    events = []
    opts = dict(dns_server=dns, cafile=ca_file, ispdb_url=ISPDB_URL, timeout=4.0,
                probe_timeout=1.0, step_timeout=2.0)
    opts.update(kw)
    d = Discovery(email, DiscoveryOptions(**opts),
                  on_candidate=lambda c, best: events.append((time.monotonic(), c, best)))
    return d.run(), events


# -- each source alone ---------------------------------------------------------------------
def test_a_preset_domain_answers_without_network(ca_file):
    # The condition, not a duration (benchmarks/bench_discovery.py times it): no step asked
    # anything, and the DNS server named here does not exist.
    r, _ = discover("someone@gmail.com", "127.0.0.1:9", ca_file)
    assert r.best.source == PRESET and r.best.host == "smtp.gmail.com"
    assert r.steps == []  # nothing asked


def test_the_domains_own_autoconfig(worlds, ca_file):
    w = worlds()
    d = "society.example"
    web = w.web([f"autoconfig.{d}", d], {
        f"autoconfig.{d}/mail/config-v1.1.xml": body(config("mail.society.example", 465,
                                                            "SSL", "%EMAILLOCALPART%"))})
    w.mail("mail.society.example", 465)
    r, _ = discover("billing@society.example", w.start(), ca_file)
    best = r.best
    assert (best.source, best.host, best.port, best.security) == (
        AUTOCONFIG, "mail.society.example", 465, Security.TLS)
    assert best.username == "billing"
    assert best.confirmed is True and best.confidence == "high"
    assert not best.needs_confirmation
    assert any("emailaddress=billing%40society.example" in q for q in web.requests)


def test_the_well_known_autoconfig_when_autoconfig_host_has_none(worlds, ca_file):
    w = worlds()
    d = "wellknown.example"
    w.web([f"autoconfig.{d}", d], {
        f"{d}/.well-known/autoconfig/mail/config-v1.1.xml": body(config(f"smtp.{d}", 587,
                                                                        "STARTTLS"))})
    r, _ = discover(f"a@{d}", w.start(), ca_file, probe=False)
    assert (r.best.source, r.best.host, r.best.port) == (AUTOCONFIG, f"smtp.{d}", 587)


def test_the_ispdb_alone(worlds, ca_file):
    w = worlds()
    d = "ispdb-only.example"
    w.web([ISPDB_HOST], {f"{ISPDB_HOST}/v1.1/{d}": body(config("smtp.bighost.example", 587,
                                                              "STARTTLS", name="BigHost"))})
    r, _ = discover(f"a@{d}", w.start(), ca_file, probe=False)
    best = r.best
    assert (best.source, best.host, best.port) == (ISPDB, "smtp.bighost.example", 587)
    # another company's server, not a provider mailwizard knows: the user must agree first
    assert best.needs_confirmation


def test_srv_alone(worlds, ca_file):
    w = worlds()
    d = "srv.example"
    w.zone.srv.append((f"_submissions._tcp.{d}", f"out.{d}", 465, 0, 1))
    w.mail(f"out.{d}", 465)
    r, _ = discover(f"a@{d}", w.start(), ca_file, online=False)
    assert (r.best.source, r.best.host, r.best.port, r.best.security) == (
        SRV, f"out.{d}", 465, Security.TLS)
    assert r.best.confirmed is True


@pytest.mark.parametrize("mx_host, provider, host", [
    ("aspmx.l.google.com", "google-workspace", "smtp.gmail.com"),
    ("smtp.google.com", "google-workspace", "smtp.gmail.com"),
    ("crystalheights-com.mail.protection.outlook.com", "microsoft-365", "smtp.office365.com"),
    ("mx.zoho.in", "zoho", "smtp.zoho.in"),
    ("mx.zoho.eu", "zoho", "smtp.zoho.eu"),
])
def test_mx_names_the_provider(worlds, ca_file, mx_host, provider, host):
    w = worlds()
    d = "crystalheights.example"
    w.zone.mx.append((d, mx_host, 10))
    r, _ = discover(f"billing@{d}", w.start(), ca_file, online=False, probe=False)
    best = r.best
    assert (best.source, best.provider_id, best.host) == (MX, provider, host)
    assert "found from its mail servers" in best.reason
    assert not best.needs_confirmation


def test_nothing_published_probing_finds_mail_domain_465(worlds, ca_file):
    w = worlds()
    d = "riverside-society.example"
    good = w.mail(f"mail.{d}", 465)
    w.mail(f"mail.{d}", 25)  # answers too, but 465 is preferred
    r, _ = discover(f"accounts@{d}", w.start(), ca_file, online=False)
    best = r.best
    assert (best.source, best.host, best.port, best.security) == (
        PROBE, f"mail.{d}", 465, Security.TLS)
    assert best.probe.cert_verified
    assert best.reason == (f"We tested mail.{d}: a secure connection works on "
                           f"port 465 (SSL/TLS) and its certificate is valid")
    assert good.recorder.commands_auth == []


# -- ranking -------------------------------------------------------------------------------
def test_conflicting_sources_are_ranked_as_documented(worlds, ca_file):
    w = worlds()
    d = "conflict.example"
    w.web([f"autoconfig.{d}", d, ISPDB_HOST], {
        f"autoconfig.{d}/mail/config-v1.1.xml": body(config(f"mail.{d}", 465, "SSL")),
        f"{ISPDB_HOST}/v1.1/{d}": body(config(f"ispdb-smtp.{d}", 587, "STARTTLS"))})
    w.zone.mx.append((d, "aspmx.l.google.com", 1))
    w.zone.srv.append((f"_submission._tcp.{d}", f"srv-smtp.{d}", 587, 0, 1))
    w.mail(f"mail.{d}", 465)
    w.mail(f"smtp.{d}", 587)
    r, _ = discover(f"a@{d}", w.start(), ca_file)
    order = [c.source for c in r.candidates]
    assert order[:4] == [AUTOCONFIG, ISPDB, MX, SRV], order
    assert r.candidates[-1].source == PROBE
    scores = [c.score for c in r.candidates]
    assert scores == sorted(scores, reverse=True)


def test_a_bad_certificate_ranks_below_a_good_one(worlds, ca_file):
    w = worlds()
    d = "certs.example"
    w.mail(f"smtp.{d}", 465, trusted=False)
    w.mail(f"mail.{d}", 587)
    r, _ = discover(f"a@{d}", w.start(), ca_file, online=False)
    hosts = [(c.host, c.probe.cert_verified) for c in r.candidates]
    assert hosts[0] == (f"mail.{d}", True)
    assert (f"smtp.{d}", False) in hosts
    bad = next(c for c in r.candidates if c.host == f"smtp.{d}")
    assert "NOT trusted" in bad.reason and bad.confidence == "low"


def test_a_probe_that_contradicts_the_top_candidate_is_shown(worlds, ca_file):
    w = worlds()
    d = "contradict.example"
    w.web([f"autoconfig.{d}", d], {
        f"autoconfig.{d}/mail/config-v1.1.xml": body(config(f"mail.{d}", 465, "SSL"))})
    w.mail(f"mail.{d}", 465, trusted=False)
    w.mail(f"smtp.{d}", 587)
    r, _ = discover(f"a@{d}", w.start(), ca_file)
    claimed = next(c for c in r.candidates if c.source == AUTOCONFIG)
    assert claimed.confirmed is False
    assert any(e.startswith("contradicted by a probe") for e in claimed.evidence)
    assert r.best.host == f"smtp.{d}" and r.best.probe.cert_verified


# -- time ----------------------------------------------------------------------------------
def test_a_silent_port_does_not_delay_the_answer_past_the_bound(worlds, ca_file):
    """Conditions, not durations (benchmarks/bench_discovery.py times it): the run ends at its
    own bound (2 s) while the silent ports' probes (5 s each) are still unfinished, and the
    good answer is announced while they still are."""
    w = worlds()
    d = "silent.example"
    w.mail(f"mail.{d}", 465)
    muted = [(f"mail.{d}", 587), (f"smtp.{d}", 465), (f"smtp.{d}", 587)]
    for host, port in muted:
        w.mute(host, port)
    spec = w.start()
    finished_at_first: list[list[str]] = []

    def on_candidate(c, best):
        if not finished_at_first:
            finished_at_first.append([s.target for s in run.result.steps if s.name == "probe"])

    run = Discovery(f"a@{d}", DiscoveryOptions(dns_server=spec, cafile=ca_file,
                                                ispdb_url=ISPDB_URL, online=False,
                                                timeout=2.0, probe_timeout=5.0,
                                                step_timeout=2.0), on_candidate=on_candidate)
    r = run.run()
    assert r.timed_out and not r.cancelled  # its own bound, with probes still pending
    assert r.best.host == f"mail.{d}" and r.best.port == 465
    silent_targets = [f"{host}:{port}" for host, port in muted]
    assert not any(t in silent_targets for t in finished_at_first[0]), (
        "the good answer waited for the silent ports", finished_at_first)
    assert not any(s.target in silent_targets and s.status != "stopped" for s in r.steps), \
        r.steps


def test_cancel_returns_within_250_ms(worlds, ca_file):
    w = worlds()
    d = "cancel.example"
    for host in (f"smtp.{d}", f"mail.{d}", d):
        for port in (465, 587, 25):
            w.mute(host, port)
    spec = w.start()
    d_run = Discovery(f"a@{d}", DiscoveryOptions(dns_server=spec, cafile=ca_file,
                                                  online=False, timeout=20,
                                                  probe_timeout=20))
    out, done = {}, threading.Event()
    th = threading.Thread(target=lambda: (out.setdefault("r", d_run.run()), done.set()))
    th.start()
    # started: a probe is connected to a silent server (a condition the server sets)
    reached = threading.Event()
    while not reached.wait(0.01):
        if not th.is_alive() or any(m.connections for m in w.silent):
            reached.set()
    assert th.is_alive(), "discovery ended before the cancel"
    d_run.cancel()
    # the condition, not a duration (benchmarks/bench_cancel.py times it): discovery ends
    # while every server still holds its connection silent (20 s of time allowed)
    assert done.wait(5), "the cancel did not end discovery while the servers stalled"
    th.join()
    assert out["r"].cancelled


# -- hostile answers -----------------------------------------------------------------------
@pytest.mark.parametrize("route", ["huge", "bomb", "http", "loop", "garbage"])
def test_hostile_autoconfig_ends_cleanly(worlds, ca_file, route):
    w = worlds()
    d = f"hostile-{route}.example"
    url = f"autoconfig.{d}/mail/config-v1.1.xml"
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else
                                                      b"&lol;") * 10) for i in range(1, 10))
            + b']><clientConfig>&lol9;</clientConfig>')
    routes = {"huge": endless(), "bomb": body(bomb),
              "http": redirect(f"http://{d}/config.xml"),
              "loop": redirect(f"https://{url}"),
              "garbage": body(os.urandom(5000))}
    w.web([f"autoconfig.{d}", d], {url: routes[route]})
    r, _ = discover(f"a@{d}", w.start(), ca_file, probe=False)
    # Ended by the fetch's own rules (size cap, no entities, HTTPS only, loop, not XML), not
    # by running into discovery's deadline (its speed: benchmarks/bench_discovery.py).
    assert not r.timed_out
    assert r.candidates == []
    step = next(s for s in r.steps if s.name == "autoconfig")
    assert step.status == "failed" and step.detail


# -- privacy -------------------------------------------------------------------------------
def test_online_lookups_off_means_no_https_request(worlds, ca_file):
    w = worlds()
    d = "private.example"
    web = w.web([f"autoconfig.{d}", d, ISPDB_HOST], {
        f"autoconfig.{d}/mail/config-v1.1.xml": body(config(f"mail.{d}", 465, "SSL")),
        f"{ISPDB_HOST}/v1.1/{d}": body(config(f"mail.{d}", 465, "SSL"))})
    w.zone.mx.append((d, "mx.zoho.in", 10))
    r, _ = discover(f"a@{d}", w.start(), ca_file, online=False)
    assert web.requests == []
    assert r.best.source == MX and r.best.host == "smtp.zoho.in"
    assert {s.name for s in r.steps} <= {"mx", "mx-provider", "srv", "probe"}


def test_the_mx_base_domain_is_asked_at_the_ispdb(worlds, ca_file):
    w = worlds()
    d = "hosted.example"
    w.zone.mx.append((d, "mx1.webhost.example", 10))
    web = w.web([ISPDB_HOST], {f"{ISPDB_HOST}/v1.1/webhost.example": body(
        config("smtp.webhost.example", 465, "SSL", name="WebHost"))})
    r, _ = discover(f"a@{d}", w.start(), ca_file, probe=False)
    assert f"{ISPDB_HOST} /v1.1/webhost.example" in web.requests
    assert r.best.source == ISPDB and r.best.host == "smtp.webhost.example"
    assert "which handles your domain's mail" in r.best.reason


def test_an_organisations_own_exchange_is_pointed_out(worlds, ca_file):
    w = worlds()
    d = "onprem.example"
    w.mail(f"mail.{d}", 587, ident="Microsoft ESMTP MAIL Service ready")
    r, _ = discover(f"a@{d}", w.start(), ca_file, online=False)
    assert r.best.host == f"mail.{d}"
    assert "Exchange server run by your organisation" in r.exchange_hint
    assert "Autodiscover" in r.to_dict()["exchange_hint"]
