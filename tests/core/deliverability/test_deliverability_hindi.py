"""In Hindi, the deliverability report, discovery's result and the sign-in's messages are
Hindi sentences with their placeholders filled: no English sentence is left, only what stays
the same in every language (domains, addresses, record names and values, protocol and product
names). Against a real dnsmasq on loopback, as the English tests."""

from __future__ import annotations

import json
import re

import pytest
from dns_server import DnsServer, Zone

from mailwizard.core import i18n
from mailwizard.core.deliverability.check import check_deliverability, skip_reason
from mailwizard.core.deliverability.knowledge import FreeMail, load_knowledge
from mailwizard.core.deliverability.model import format_text, report_lines
from mailwizard.core.discovery.dns import Dns, parse_server
from mailwizard.core.discovery.run import Discovery, DiscoveryOptions

KEY = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC3testkeytestkeytestkey"
DEVANAGARI = re.compile("[\u0900-\u097F]")
#: Latin words a Hindi sentence may keep: protocol, record and product names, and the English
#: term given beside the Hindi one the first time ("प्रमाणित (authenticate)").
KEPT = {
    "spf", "dkim", "dmarc", "dns", "txt", "cname", "srv", "mx", "smtp", "ssl", "tls", "starttls",
    "ews", "gmail", "yahoo", "outlook", "com", "hotmail", "live", "aol", "mail", "microsoft",
    "google", "workspace", "exchange", "autodiscover", "thunderbird", "include", "key",
    "public", "bulk", "sender", "alignment", "reject", "quarantine", "none", "authenticate",
    "signature", "look", "up", "flattening", "revoke", "verified", "and", "console",
    "provider", "deliverability", "https", "www", "from", "forward", "reverse", "unsubscribe",
    "relaxed", "marketing", "mailwizard", "amazon", "ses", "bounce", "custom", "sendgrid",
    "mailgun", "brevo", "zoho",
}


def _leftover_english(text: str, *values: str) -> list[str]:
    """The Latin words of `text` that are not a filled-in value nor a kept name."""
    for v in sorted((v for v in values if v), key=len, reverse=True):
        text = text.replace(v, " ")
    text = re.sub(r'"[^"]*"', " ", text)  # a server's own words, quoted as they are
    # addresses, host and record names, tag=value, an SPF record's all, numbers
    text = re.sub(r"https?://\S+|\S+@\S+|\b[\w-]+(\.[\w-]+)+\b|\b\w+=\S*|[~?+-]all\b"
                  r"|[\d.,:%]+", " ", text)
    return [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() not in KEPT]


@pytest.fixture(scope="module")
def zone_server():
    txt = [("_dmarc.strict.example", "v=DMARC1; p=reject"),
           ("m365.example", "v=spf1 include:_spf.google.com ~all"),
           ("_dmarc.m365.example", "v=DMARC1; p=none"),
           ("twospf.example", "v=spf1 include:_spf.google.com ~all"),
           ("twospf.example", "v=spf1 ip4:203.0.113.5 -all"),
           ("google._domainkey.twospf.example", KEY),
           ("_dmarc.ymail-style.example", "v=DMARC1; p=reject"),
           ("_spf.google.com", "v=spf1 ip4:192.0.2.0/24 ~all"),
           ("spf.protection.outlook.com", "v=spf1 ip4:192.0.2.64/26 -all")]
    mx = [("strict.example", "aspmx.l.google.com", 1),
          ("m365.example", "m365-example.mail.protection.outlook.com", 0),
          ("twospf.example", "aspmx.l.google.com", 1),
          ("crystalheights.example", "crystalheights-example.mail.protection.outlook.com", 0)]
    srv = [("_submissions._tcp.srv.example", "out.srv.example", 465, 0, 1)]
    server = DnsServer(Zone(mx=mx, txt=txt, srv=srv))
    yield server
    server.stop()


def _report_texts(report) -> list[tuple[str, list[str]]]:
    """(human text, the values filled into it) of every sentence in the report."""
    d = report.to_dict()
    names = [report.domain, report.from_address, report.service_name,
             *(r.name for r in report.rules)]
    out = [(d["headline"], names), (d["verdict_words"], [])]
    for f in d["findings"]:
        values = names + f["details"]
        for r in f["records"]:
            values += [r["name"], r["value"], *r["current"]]
            out.append((r["instruction"], values + [r["type"]]))
        out += [(f["title"], values), (f["summary"], values), (f["why"], values),
                (f["verdict_words"], [])]
    for r in d["rules"]:
        out += [(r["all_senders"], []), (r["bulk"], []), (r["consequence"], [])]
    return [(t, v) for t, v in out if t]


def _assert_hindi(texts) -> None:
    for text, values in texts:
        assert DEVANAGARI.search(text), f"not translated: {text!r}"
        assert "{" not in text, f"a placeholder left unfilled: {text!r}"
        left = _leftover_english(text, *values)
        assert not left, f"English words {left} left in {text!r}"


@pytest.mark.parametrize("address, provider, per_day", [
    ("office@strict.example", "microsoft-365", 6000),   # no SPF, no DKIM, p=reject, bulk
    ("office@m365.example", "microsoft-365", 100),      # SPF to change, DKIM missing
    ("office@twospf.example", "google-workspace", 1),   # two SPF records, no DMARC
    ("office@strict.example", "", 0),                   # which service: unknown
    ("office@strict.example", "amazon-ses", 6000),      # DKIM names only in the console
])
def test_a_deliverability_report_in_hindi(zone_server, hindi, address, provider, per_day):
    r = check_deliverability(address, provider_id=provider, recipients_per_day=per_day,
                             dns=Dns(zone_server.spec))
    texts = _report_texts(r)
    _assert_hindi(texts)
    # the placeholders are filled with this report's own names
    assert r.domain in r.headline()
    text = format_text(r, details=True)
    assert text.startswith("क्या ") and address in text
    assert "Why:" not in text and "How:" not in text and "Will mail" not in text
    section = report_lines(r.to_dict())
    assert "deliverability" in section[1] and DEVANAGARI.search(section[1])
    # machine output stays as it is
    d = json.loads(json.dumps(r.to_dict()))
    assert {f["verdict"] for f in d["findings"]} <= {"ok", "advised", "needs_record",
                                                     "rejected", "unknown"}
    assert all(f["id"] in ("spf", "dkim", "dmarc", "rules") for f in d["findings"])


def test_the_records_to_add_keep_their_values_in_hindi(zone_server, hindi):
    r = check_deliverability("office@m365.example", provider_id="microsoft-365",
                             dns=Dns(zone_server.spec))
    spf = next(f for f in r.findings if f.id == "spf")
    (rec,) = spf.records
    assert rec.value == "v=spf1 include:_spf.google.com include:spf.protection.outlook.com ~all"
    assert "m365.example" in spf.summary and "Microsoft 365" in spf.summary
    assert rec.to_dict()["instruction"].endswith(rec.value)
    assert "include:spf.protection.outlook.com" in spf.summary


def test_a_free_mail_address_sent_elsewhere_in_hindi(zone_server, hindi):
    k = load_knowledge().with_freemail(FreeMail("Yahoo Mail", ("ymail-style.example",),
                                                ("yahoo",)))
    for provider in ("", "brevo"):
        r = check_deliverability("me@ymail-style.example", provider_id=provider,
                                 dns=Dns(zone_server.spec), knowledge=k)
        (f,) = r.findings
        assert f.verdict.value == "rejected"
        _assert_hindi(_report_texts(r))
        assert "Yahoo Mail" in f.summary and "ymail-style.example" in f.summary


def test_skip_reasons_and_dns_errors_in_hindi(hindi, monkeypatch):
    monkeypatch.delenv("MAILWIZARD_DNS_SERVER")
    assert DEVANAGARI.search(skip_reason("nobody"))
    why = skip_reason("a@society.test")
    assert "society.test" in why and DEVANAGARI.search(why)
    with pytest.raises(ValueError) as e:
        parse_server("dns.example")
    assert "'dns.example'" in str(e.value) and DEVANAGARI.search(str(e.value))
    r = check_deliverability("x@strict.example", dns_server="127.0.0.1:9", timeout=0.2,
                             budget=0.5)
    assert r.error and DEVANAGARI.search(r.error) and DEVANAGARI.search(r.headline())
    assert r.to_dict()["exit_code"] == r.exit_code


def test_a_discovery_result_in_hindi(zone_server, hindi):
    results = []
    for email in ("someone@gmail.com", "billing@crystalheights.example", "a@srv.example"):
        d = Discovery(email, DiscoveryOptions(dns_server=zone_server.spec, online=False,
                                              probe=False, timeout=4.0))
        results.append(d.run())
    preset, mx, srv = (r.best for r in results)
    assert (preset.source, mx.source, srv.source) == ("preset", "mx", "srv")
    assert mx.provider_name in mx.reason and "gmail.com" in preset.reason
    for c in (preset, mx, srv):
        _assert_hindi([(c.reason, [c.provider_name, c.host]),
                       (c.server_text(), [c.host, str(c.port)])])
        assert c.host in c.server_text() and str(c.port) in c.server_text()
        # --json keeps its keys and codes
        d = c.to_dict()
        assert d["source"] in ("preset", "mx", "srv") and d["security"] in ("tls", "starttls")
        assert d["confidence"] in ("low", "medium", "high")


def test_sign_in_messages_and_the_browser_page_in_hindi(hindi):
    from mailwizard.core.oauth.flow import _error, load_oauth_providers, not_configured_help
    from mailwizard.core.oauth.signin import _page

    google = load_oauth_providers()["google"]
    for kind in ("not_configured", "cancelled", "timeout", "state_mismatch", "denied",
                 "admin_consent", "invalid_grant", "invalid_client", "network", "tls",
                 "server"):
        exc = _error(kind, google, timeout=300)
        assert exc.kind == kind
        assert DEVANAGARI.search(exc.message) and DEVANAGARI.search(exc.fix), kind
        assert "{" not in exc.message
    assert "5 मिनट" in _error("timeout", google, timeout=300).message
    help_text = not_configured_help("microsoft")
    assert "MAILWIZARD_MICROSOFT_CLIENT_ID" in help_text and "[oauth.microsoft]" in help_text
    assert DEVANAGARI.search(help_text.split("\n\n")[1])  # oauth.toml's registration steps
    page = _page("शीर्षक", "पाठ").decode("utf-8")
    assert '<html lang="hi">' in page


def test_english_is_back_after_hindi(zone_server):
    assert i18n.language() == "en"
    r = check_deliverability("office@strict.example", provider_id="microsoft-365",
                             dns=Dns(zone_server.spec))
    assert r.headline() == "Mail from office@strict.example will be rejected by many mailboxes."
    from mailwizard.core.oauth.signin import _page

    assert '<html lang="en">' in _page("t", "x").decode("utf-8")
