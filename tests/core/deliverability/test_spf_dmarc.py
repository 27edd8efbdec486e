"""The SPF walk (RFC 7208 limits) and the DMARC look-up (RFC 7489, the parent domain's record
with its sp=) against a real dnsmasq, and the record merging on its own."""

from __future__ import annotations

import pytest
from dns_server import DnsServer, Zone

from mailwizard.core.deliverability import dmarc, spf
from mailwizard.core.discovery.dns import Dns


@pytest.fixture(scope="module")
def dns():
    txt = [
        ("redirected.example", "v=spf1 redirect=_spf.provider.example"),
        ("_spf.provider.example", "v=spf1 include:_netblocks.provider.example ~all"),
        ("_netblocks.provider.example", "v=spf1 ip4:192.0.2.0/24 ~all"),
        ("dangling.example", "v=spf1 include:nothing-here.example ~all"),
        ("voids.example", "v=spf1 a:gone1.example a:gone2.example mx:gone3.example ~all"),
        ("loop.example", "v=spf1 include:loop2.example ~all"),
        ("loop2.example", "v=spf1 include:loop.example ~all"),
        ("macro.example", "v=spf1 exists:%{i}._spf.macro.example include:_spf.provider.example -all"),
        ("typo.example", "v=spf1 inclde:_spf.provider.example ~all"),
        ("redirect-and-all.example", "v=spf1 ip4:203.0.113.1 -all redirect=_spf.provider.example"),
        ("_dmarc.org.example", "v=DMARC1; p=none; sp=reject; adkim=s"),
        ("_dmarc.two.example", "v=DMARC1; p=none"),
        ("_dmarc.two.example", "v=DMARC1; p=reject"),
        ("_dmarc.bad.example", "v=DMARC1; p=maybe"),
        ("_dmarc.rua-only.example", "v=DMARC1; rua=mailto:d@rua-only.example"),
    ]
    server = DnsServer(Zone(txt=txt))
    yield Dns(server.spec)
    server.stop()


def test_redirect_and_nested_includes_are_followed_and_counted(dns):
    r = spf.evaluate(dns, "redirected.example")
    assert r.valid and r.lookups == 2
    assert {"_spf.provider.example", "_netblocks.provider.example"} <= r.authorised
    assert r.authorises(["_netblocks.provider.example"]) == "_netblocks.provider.example"


def test_an_include_without_an_spf_record_is_a_permanent_error(dns):
    r = spf.evaluate(dns, "dangling.example")
    assert r.error == "include_none" and "nothing-here.example" in r.error_detail


def test_more_than_two_void_lookups_is_a_permanent_error(dns):
    r = spf.evaluate(dns, "voids.example")
    assert r.error == "void_lookups" and r.void_lookups == 3
    assert "a:gone1.example" in r.error_detail


def test_an_include_loop_is_caught(dns):
    r = spf.evaluate(dns, "loop.example")
    assert r.error == "loop"


def test_a_macro_is_counted_but_not_followed(dns):
    r = spf.evaluate(dns, "macro.example")
    assert r.valid and r.lookups == 3  # exists (macro) + include + nested include


def test_an_unknown_mechanism_is_a_syntax_error(dns):
    r = spf.evaluate(dns, "typo.example")
    assert r.error == "syntax" and "inclde" in r.error_detail


def test_redirect_is_ignored_when_the_record_has_all(dns):
    r = spf.evaluate(dns, "redirect-and-all.example")
    assert r.valid and r.lookups == 0 and not r.authorised


def test_no_record_is_not_an_error(dns):
    r = spf.evaluate(dns, "nowhere.example")
    assert not r.found and not r.error


def test_merging_keeps_order_drops_duplicates_and_keeps_the_softer_all():
    assert spf.merged(["v=spf1 mx -all", "v=spf1 include:a.example mx ~all"], ["b.example"]) \
        == "v=spf1 include:a.example mx include:b.example ~all"
    assert spf.merged([], ["_spf.google.com", "spf.brevo.com"]) \
        == "v=spf1 include:_spf.google.com include:spf.brevo.com ~all"
    assert spf.merged(["v=spf1 redirect=_spf.x.example"], ["y.example"]) \
        == "v=spf1 include:y.example redirect=_spf.x.example"
    assert spf.merged(["v=spf1 include:Y.example ~all"], ["y.example"]) \
        == "v=spf1 include:Y.example ~all"


def test_dmarc_of_a_subdomain_comes_from_the_parent_with_sp(dns):
    d = dmarc.lookup(dns, "billing.org.example")
    assert d.found and d.inherited and d.found_at == "org.example"
    assert d.policy == "reject" and d.adkim == "s" and d.aspf == "r"
    assert dmarc.lookup(dns, "org.example").policy == "none"


def test_two_dmarc_records_or_a_bad_one_count_as_none(dns):
    assert dmarc.lookup(dns, "two.example").error == "multiple"
    bad = dmarc.lookup(dns, "bad.example")
    assert bad.error.startswith("syntax") and bad.policy == ""
    assert dmarc.lookup(dns, "rua-only.example").policy == "none"
    assert not dmarc.lookup(dns, "nowhere.example").found


def test_alignment():
    assert dmarc.aligned("mail.org.example", "org.example", "r")
    assert not dmarc.aligned("mail.org.example", "org.example", "s")
    assert not dmarc.aligned("notorg.example", "org.example", "r")
