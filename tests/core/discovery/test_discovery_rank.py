"""The documented ranking (mailwizard/core/discovery/rank.py), without any network."""

from __future__ import annotations

import pytest

from mailwizard.core.discovery import autoconfig, mx, rank
from mailwizard.core.discovery.candidate import (AUTOCONFIG, ISPDB, MX, PRESET, PROBE, SRV,
                                                 Candidate, ProbeResult)
from mailwizard.core.discovery.net import StepFailed
from mailwizard.core.discovery.sources import needs_confirmation
from mailwizard.core.profile import Security

TLS, STARTTLS = Security.TLS, Security.STARTTLS


def cand(source, host="mail.d.example", port=465, security=TLS, **kw):
    return Candidate(source, host, port, security, reason="r", **kw)


def probe(host="mail.d.example", port=465, security=TLS, ok=True, cert=True, auth=("PLAIN",),
          **kw):
    return ProbeResult(host, port, security if ok else None, ok, cert, auth, **kw)


def test_sources_rank_preset_autoconfig_ispdb_mx_srv_probe():
    cs = [cand(s, host=f"{s}.d.example") for s in (PROBE, SRV, MX, ISPDB, AUTOCONFIG, PRESET)]
    cs[0].probe = probe(host="probe.d.example")
    assert [c.source for c in rank.ranked(cs)] == [PRESET, AUTOCONFIG, ISPDB, MX, SRV, PROBE]


def test_465_and_587_before_25_within_a_source():
    cs = [cand(AUTOCONFIG, port=25, security=STARTTLS), cand(AUTOCONFIG, port=587,
                                                             security=STARTTLS)]
    assert [c.port for c in rank.ranked(cs)] == [587, 25]


def test_among_probes_a_valid_certificate_then_auth_offered_win():
    a = cand(PROBE, host="a.d.example", probe=probe(cert=False))
    b = cand(PROBE, host="b.d.example", probe=probe(auth=()))
    c = cand(PROBE, host="c.d.example", probe=probe())
    d = cand(PROBE, host="d.d.example", port=25, security=STARTTLS, probe=probe(port=25))
    assert [x.host for x in rank.ranked([a, b, c, d])] == [
        "c.d.example", "b.d.example", "d.d.example", "a.d.example"]


def test_a_confirming_probe_raises_confidence_and_a_contradicting_one_is_shown():
    good, bad, unknown = cand(SRV), cand(ISPDB, host="x.d.example"), cand(MX, host="y.d.example")
    rank.apply_probe(good, probe())
    rank.apply_probe(bad, probe(host="x.d.example", ok=False, failure="refused",
                                contradicts=True))
    rank.apply_probe(unknown, probe(host="y.d.example", ok=False, failure="timed out"))
    assert good.confirmed is True and good.confidence == "high"
    assert bad.confirmed is False and bad.confidence == "low"
    assert any("contradicted" in e for e in bad.evidence)
    assert unknown.confirmed is None  # could not reach it: no evidence either way
    working = cand(PROBE, host="w.d.example", port=587, security=STARTTLS,
                   probe=probe(host="w.d.example", port=587, security=STARTTLS))
    order = [c.host for c in rank.ranked([bad, working, good])]
    assert order == ["mail.d.example", "w.d.example", "x.d.example"]


def test_the_same_settings_from_two_sources_merge_into_the_stronger():
    found: list[Candidate] = []
    rank.merge(found, cand(SRV))
    kept = rank.merge(found, cand(AUTOCONFIG))
    assert len(found) == 1 and kept.source == AUTOCONFIG and kept.also_from == [SRV]


def test_hosts_outside_the_domain_need_a_yes_unless_a_known_provider():
    assert not needs_confirmation("smtp.d.example", "d.example")
    assert not needs_confirmation("d.example", "d.example")
    assert not needs_confirmation("smtp.office365.com", "d.example")
    assert not needs_confirmation("smtp.zoho.in", "d.example")
    assert not needs_confirmation("email-smtp.eu-west-1.amazonaws.com", "d.example")
    assert needs_confirmation("smtp.evil.example", "d.example")
    assert needs_confirmation("d.example.evil.example", "d.example")


def test_every_mx_pattern_has_a_preset_source_and_date():
    from mailwizard.core.providers import load_catalogue

    patterns = mx.load_patterns()
    assert {"google-workspace", "microsoft-365", "zoho"} <= {p.provider for p in patterns}
    for p in patterns:
        assert load_catalogue().get(p.provider) is not None, p
        assert p.source and p.verified.startswith("20"), p


@pytest.mark.parametrize("host, base", [("aspmx.l.google.com", "google.com"),
                                        ("mx1.example.co.in", "example.co.in"),
                                        ("example.org", "example.org")])
def test_base_domain(host, base):
    assert mx.base_domain(host) == base


def test_autoconfig_placeholders_are_filled_and_odd_entries_skipped():
    body = b"""<clientConfig version="1.1"><emailProvider id="e"><displayName>E</displayName>
      <outgoingServer type="smtp"><hostname>smtp.%EMAILDOMAIN%</hostname><port>587</port>
        <socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username></outgoingServer>
      <outgoingServer type="smtp"><hostname>bad host/x</hostname><port>25</port>
        <socketType>plain</socketType></outgoingServer>
      <outgoingServer type="smtp"><hostname>x.example</hostname><port>99999</port>
        <socketType>SSL</socketType></outgoingServer>
      <outgoingServer type="exchange"><hostname>ews.example</hostname></outgoingServer>
    </emailProvider></clientConfig>"""
    (s,) = autoconfig.parse(body, "jo@d.example")
    assert (s.host, s.port, s.security, s.username) == ("smtp.d.example", 587, STARTTLS, "jo")
    with pytest.raises(StepFailed):
        autoconfig.parse(b"<html>not a config</html>", "jo@d.example")
