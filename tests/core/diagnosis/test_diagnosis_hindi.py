"""The diagnosis in Hindi: for the failures people meet most (a refused password, the wrong
port or encryption, time-outs, certificates, a refused relay, Exchange sign-in), the cause, the
fix and the suggested change come out in Hindi, whole, with every placeholder filled and no
English sentence left over. The same failures in English are asserted word for word in
test_diagnosis.py; here English must come back after the language is switched back."""

from __future__ import annotations

import re

import pytest

from mailwizard.core import i18n
from mailwizard.core.checks.result import CertificateInfo
from mailwizard.core.checks.smtp import CheckFailure
from mailwizard.core.diagnosis import STAGE_WORDS
from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.exitcodes import DESCRIPTIONS, AUTH
from mailwizard.core.flow import FlowState, Step, missing
from mailwizard.core.guidance import build_guidance
from mailwizard.core.profile import SECURITY_WORDS, Profile, Security
from mailwizard.core.providers import load_catalogue

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
# Four or more Latin words in a row: an English sentence (or a piece of one) left over.
ENGLISH_RUN = re.compile(r"[A-Za-z][\w'’.-]*(?:[ ,/]+[A-Za-z][\w'’.-]*){3,}")


def profile(**kw) -> Profile:
    base = dict(host="smtp.example.org", port=587, security="starttls",
                username="office@example.org", from_address="office@example.org")
    base.update(kw)
    return Profile(**base)


def exchange(**kw) -> Profile:
    base = dict(service="exchange", ews_url="https://mail.example.org/EWS/Exchange.asmx",
                username="EXAMPLE\\office", from_address="office@example.org",
                ews_auth="ntlm", host="", port=443, security="tls")
    base.update(kw)
    return Profile(**base)


CERT = CertificateInfo(names=["mail.other-company.net", "other-company.net"], sha256="ab" * 32)

#: (failure, profile, provider id, expected code, values that must appear in cause + fix)
CASES = [
    pytest.param(CheckFailure("auth", "smtp_reply", "", 535, "Authentication failed"),
                 profile(), None, "auth_failed", [], id="auth-refused"),
    pytest.param(CheckFailure("auth", "smtp_reply", "", 535, "Authentication failed"),
                 profile(host="smtp.gmail.com", username="society@gmail.com",
                         from_address="society@gmail.com"), "gmail", "auth_failed",
                 ["Gmail"], id="auth-refused-gmail-app-password"),
    pytest.param(CheckFailure("auth", "smtp_reply", "", 454, "4.7.0 Temporary authentication "
                              "failure"), profile(), None, "auth_temporary", [],
                 id="auth-temporary"),
    pytest.param(CheckFailure("greeting", "implicit_tls_port", "no greeting"),
                 profile(port=465), None, "tls_expected", ["465", "STARTTLS"],
                 id="port-465-with-starttls"),
    pytest.param(CheckFailure("tls", "tls", "[SSL: WRONG_VERSION_NUMBER] wrong version number",
                              ssl_reason="WRONG_VERSION_NUMBER"),
                 profile(security="tls"), None, "starttls_expected", ["587"],
                 id="port-587-with-ssl-tls"),
    pytest.param(CheckFailure("connect", "refused", "Connection refused"), profile(port=2526),
                 None, "connection_refused", ["smtp.example.org", "2526"],
                 id="connection-refused"),
    pytest.param(CheckFailure("connect", "timeout", "timed out"), profile(port=25), None,
                 "connect_timeout", ["smtp.example.org", "25"], id="connect-timeout-port-25"),
    pytest.param(CheckFailure("auth", "timeout", "timed out"), profile(), None,
                 "server_timeout", [], id="timeout-while-signing-in"),
    pytest.param(CheckFailure("resolve", "resolve", "Name or service not known"),
                 profile(host="smtp.gmial.com"), "gmail", "unknown_host",
                 ["smtp.gmial.com", "Gmail", "smtp.gmail.com"], id="unknown-host"),
    pytest.param(CheckFailure("tls", "tls_verify", "x", ssl_reason="self-signed certificate"),
                 profile(), None, "certificate_untrusted", ["SHA-256"],
                 id="certificate-untrusted"),
    pytest.param(CheckFailure("tls", "tls_verify", "x", ssl_reason="certificate has expired"),
                 profile(), None, "certificate_expired", [], id="certificate-expired"),
    pytest.param(CheckFailure("tls", "tls_verify", "x", ssl_reason="Hostname mismatch, "
                              "certificate is not valid for 'smtp.example.org'.",
                              certificate=CERT),
                 profile(), None, "certificate_name_mismatch",
                 ["mail.other-company.net", "smtp.example.org"], id="certificate-name"),
    pytest.param(CheckFailure("rcpt_to", "smtp_reply", "", 550, "Relaying denied"),
                 profile(), None, "relay_denied", [], id="relay-denied"),
    pytest.param(CheckFailure("ews_login", "ews_unauthorized", "401", 401), exchange(), None,
                 "auth_failed", ["DOMAIN\\user"], id="exchange-password-refused"),
    pytest.param(CheckFailure("ews_login", "ews_auth_type", "no NTLM", 401, "basic"),
                 exchange(), None, "ews_wrong_auth_type", ["basic"],
                 id="exchange-wrong-sign-in-method"),
    pytest.param(CheckFailure("ews_service", "timeout", "timed out"), exchange(), None,
                 "server_timeout", [], id="exchange-timeout"),
]


def _english_runs(text: str, allowed: list[str]) -> list[str]:
    for value in sorted(filter(None, allowed), key=len, reverse=True):
        text = text.replace(value, " ")
    return ENGLISH_RUN.findall(text)


@pytest.mark.parametrize("failure, prof, provider_id, code, values", CASES)
def test_the_cause_and_the_fix_are_in_hindi(hindi, failure, prof, provider_id, code, values):
    provider = load_catalogue().get(provider_id) if provider_id else None
    d = diagnose(failure, prof, provider)
    assert d.code == code
    for text in (d.cause, d.fix, d.suggestion_text):
        if not text:
            continue
        assert DEVANAGARI.search(text), text
        assert not PLACEHOLDER.search(text), text
        assert not _english_runs(text, [prof.host, prof.username, prof.from_address,
                                         prof.ews_url, *values]), text
    both = d.cause + " " + d.fix
    for value in values:
        assert value in both, (value, both)
    # the machine's words stay as they are
    assert d.code.isascii() and d.stage == failure.stage


def test_english_comes_back_after_hindi(hindi):
    failure = CheckFailure("connect", "refused", "Connection refused")
    hindi_cause = diagnose(failure, profile(port=2526)).cause
    i18n.set_language("en")
    d = diagnose(failure, profile(port=2526))
    assert d.cause == "The server smtp.example.org refused a connection on port 2526."
    assert d.suggestion_text == "Use STARTTLS on port 587"
    assert hindi_cause != d.cause and "2526" in hindi_cause


def test_the_tables_are_translated_when_read(hindi):
    assert DEVANAGARI.search(STAGE_WORDS["auth"])
    assert DEVANAGARI.search(SECURITY_WORDS[Security.NONE])
    assert SECURITY_WORDS[Security.STARTTLS] == "STARTTLS"
    assert DEVANAGARI.search(DESCRIPTIONS[AUTH])
    assert DEVANAGARI.search(dict(DESCRIPTIONS.items())[AUTH])
    i18n.set_language("en")
    assert STAGE_WORDS["auth"] == "signing in"
    assert DESCRIPTIONS.get(AUTH) == "sign-in refused (user name, password, app password, or " \
                                     "policy)"


def test_field_errors_and_the_flow_speak_hindi(hindi):
    errors = Profile(host="smtp example", port=0, username="", from_address="").errors()
    assert errors and all(DEVANAGARI.search(e.message) for e in errors)
    assert {e.field for e in errors} >= {"host", "port", "from_address"}  # field keys stay
    reasons = missing(Step.SERVICE, FlowState())
    assert reasons and DEVANAGARI.search(reasons[0])
    state = FlowState(service=None)
    state.profile = profile()
    state.email = "office@example.org"
    assert "password: " in " ".join(missing(Step.ACCOUNT, state))  # the wizard's field key


def test_guidance_speaks_hindi(hindi):
    gmail = load_catalogue().get("gmail")
    g = build_guidance(gmail, recipients_per_day=10_000)
    assert DEVANAGARI.search(g.why_special_secret) and "Gmail" in g.why_special_secret
    assert all(DEVANAGARI.search(t) for t in g.best_practice)
    assert DEVANAGARI.search(g.limit_warning) and "10000" in g.limit_warning
    assert not PLACEHOLDER.search(g.limit_warning)
    assert any(DEVANAGARI.search(link.text) for link in g.links)


@pytest.mark.parametrize("to", ["treasurer@example.org", "कोषाध्यक्ष@example.org"])
def test_the_test_message_is_in_hindi_and_well_formed(hindi, to):
    import email
    import email.policy

    from mailwizard.core.checks.message import build_test_message, message_bytes

    p = profile(display_name="Green Park Society")
    raw = message_bytes(build_test_message(p, to))
    if to.isascii():
        assert raw.isascii()  # 7-bit on the wire: RFC 2047 subject, base64 body
    # every line ends with CRLF: smtplib sends bytes as they are, strict servers refuse a
    # bare LF (the Hindi message is over 1,000 bytes: aiosmtpd saw one "line")
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert DEVANAGARI.search(msg["Subject"])
    body = msg.get_content()
    assert DEVANAGARI.search(body) and "smtp.example.org" in body and "587" in body
    assert "office@example.org" in body and not PLACEHOLDER.search(body)
