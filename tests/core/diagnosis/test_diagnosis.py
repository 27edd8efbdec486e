"""Every row of shared/ERRORS.md becomes a cause, a fix and (where a setting would fix it) a
machine-readable suggestion. These are pure: the real-server versions are in
test_smtp_check.py."""

from __future__ import annotations

import pytest

from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.profile import Profile
from mailwizard.core.providers import load_catalogue
from mailwizard.core.checks.smtp import CheckFailure


def profile(**kw) -> Profile:
    base = dict(host="smtp.example.org", port=587, security="starttls",
                username="office@example.org", from_address="office@example.org")
    base.update(kw)
    return Profile(**base)


CASES = [
    # failure, profile changes, provider, expected code, expected suggestion
    (CheckFailure("tls", "tls", "[SSL: WRONG_VERSION_NUMBER] wrong version number",
                  ssl_reason="WRONG_VERSION_NUMBER"), {"security": "tls"}, None,
     "starttls_expected", {"security": "starttls"}),
    (CheckFailure("greeting", "implicit_tls_port", "no greeting"), {"port": 465}, None,
     "tls_expected", {"security": "tls"}),
    (CheckFailure("starttls", "starttls_not_offered", "no STARTTLS"), {}, None,
     "starttls_not_offered", {"port": 465, "security": "tls"}),
    (CheckFailure("starttls", "starttls_not_offered", "no STARTTLS"),
     {"host": "smtp.office365.com"}, "microsoft-365", "starttls_not_offered", None),
    (CheckFailure("resolve", "resolve", "Name or service not known"),
     {"host": "smtp.gmial.com"}, "gmail", "unknown_host", {"host": "smtp.gmail.com"}),
    (CheckFailure("connect", "refused", "Connection refused"), {"port": 2526}, None,
     "connection_refused", {"port": 587}),
    (CheckFailure("connect", "timeout", "timed out"), {"port": 25}, None, "connect_timeout",
     {"port": 587}),
    (CheckFailure("greeting", "greeting_timeout", "silent"), {}, None, "no_greeting", None),
    (CheckFailure("tls", "tls_verify", "self-signed", ssl_reason="self-signed certificate"),
     {}, None, "certificate_untrusted", None),
    (CheckFailure("tls", "tls_verify", "x", ssl_reason="unable to get local issuer certificate"),
     {}, None, "certificate_untrusted", None),
    (CheckFailure("tls", "tls_verify", "x", ssl_reason="certificate has expired"), {}, None,
     "certificate_expired", None),
    (CheckFailure("tls", "tls_verify", "x", ssl_reason="Hostname mismatch, certificate is not "
                  "valid for 'smtp.example.org'."), {}, None, "certificate_name_mismatch", None),
    (CheckFailure("auth", "smtp_reply", "", 534, "5.7.9 Application-specific password "
                  "required."), {"host": "smtp.gmail.com"}, "gmail", "app_password_required",
     None),
    (CheckFailure("auth", "smtp_reply", "", 535, "5.7.8 Username and Password not accepted. "
                  "BadCredentials"), {"host": "smtp.gmail.com"}, "gmail", "auth_failed", None),
    (CheckFailure("auth", "smtp_reply", "", 535, "5.7.3 Authentication unsuccessful"),
     {"host": "smtp.office365.com"}, "microsoft-365", "auth_failed", None),
    (CheckFailure("auth", "smtp_reply", "", 535, "5.7.139 Authentication unsuccessful, "
                  "SmtpClientAuthentication is disabled for the Mailbox."),
     {"host": "smtp.office365.com"}, "microsoft-365", "smtp_auth_disabled", None),
    (CheckFailure("auth", "smtp_reply", "", 535, "5.7.139 Authentication unsuccessful, basic "
                  "authentication is disabled."), {}, "microsoft-365", "basic_auth_disabled",
     None),
    (CheckFailure("auth", "smtp_reply", "", 550, "5.7.30 Basic authentication is not "
                  "supported for Client Submission."), {}, "microsoft-365",
     "basic_auth_not_supported", None),
    (CheckFailure("data", "smtp_reply", "", 554, "5.2.252 SendAsDenied; office@example.org "
                  "not allowed to send as billing@example.org"),
     {"from_address": "billing@example.org"}, None, "send_as_denied",
     {"from_address": "office@example.org"}),
    (CheckFailure("mail_from", "smtp_reply", "", 550, "5.7.60 SMTP; Client does not have "
                  "permissions to send as this sender"), {"from_address": "b@example.org"},
     None, "send_as_denied", {"from_address": "office@example.org"}),
    (CheckFailure("mail_from", "smtp_reply", "", 530, "5.7.0 Must issue a STARTTLS command "
                  "first"), {"security": "none", "auth": "none"}, None, "starttls_required",
     {"security": "starttls"}),
    (CheckFailure("mail_from", "smtp_reply", "", 530, "5.7.57 Client not authenticated to "
                  "send mail"), {"auth": "none"}, None, "login_required", None),
    (CheckFailure("data", "smtp_reply", "", 552, "5.3.4 Message size exceeds fixed limit"),
     {}, None, "message_too_big", None),
    (CheckFailure("data", "smtp_reply", "", 450, "4.7.0 Rate limit exceeded, try later"),
     {}, None, "rate_limited", None),
    (CheckFailure("auth", "smtp_reply", "", 538, "5.7.11 Encryption required for requested "
                  "authentication mechanism"), {"security": "tls"}, None,
     "encryption_required", {"security": "starttls"}),
    (CheckFailure("ehlo", "smtp_reply", "", 421, "4.7.0 Too many connections"), {}, None,
     "server_busy", None),
    (CheckFailure("auth", "smtp_reply", "", 454, "4.7.0 Temporary authentication failure"),
     {}, None, "auth_temporary", None),
    (CheckFailure("auth", "smtp_reply", "", 432, "4.7.12 A password transition is needed"),
     {}, None, "password_transition", None),
    (CheckFailure("data", "smtp_reply", "", 550, "5.4.5 Daily user sending quota exceeded"),
     {}, None, "daily_limit", None),
    (CheckFailure("auth", "smtp_reply", "", 530, "5.7.1 Authentication Required"),
     {}, None, "auth_failed", None),
    (CheckFailure("greeting", "smtp_reply", "", 554, "5.7.1 Service unavailable; client host "
                  "blocked"), {}, None, "connection_rejected", None),
    (CheckFailure("auth", "auth_not_offered", "no AUTH"), {"port": 25}, None,
     "auth_not_offered", {"port": 587}),
    (CheckFailure("connect", "cancelled", "cancelled"), {}, None, "cancelled", None),
]


@pytest.mark.parametrize("failure, changes, provider_id, code, suggestion", CASES,
                         ids=[c[3] + "-" + str(i) for i, c in enumerate(CASES)])
def test_every_known_failure_has_words_and_the_right_suggestion(failure, changes, provider_id,
                                                               code, suggestion):
    provider = load_catalogue()[provider_id] if provider_id else None
    d = diagnose(failure, profile(**changes), provider)
    assert d.code == code
    assert d.suggestion == suggestion
    assert d.cause and d.fix and d.stage == failure.stage
    if d.suggestion:
        assert d.suggestion_text
        # A suggestion is a valid change: applying it gives settings with no field errors.
        assert profile(**changes).with_changes(**d.suggestion).errors() == []
    for text in (d.cause, d.fix):
        assert "Traceback" not in text and "Error(" not in text


def test_gmail_wrong_password_points_to_app_passwords():
    gmail = load_catalogue()["gmail"]
    d = diagnose(CheckFailure("auth", "smtp_reply", "", 535, "5.7.8 BadCredentials"),
                 profile(host="smtp.gmail.com"), gmail)
    assert "app password" in d.fix and d.help_url == gmail.help["app_password"]


def test_microsoft_365_has_no_tls_port_so_no_port_465_suggestion():
    d = diagnose(CheckFailure("starttls", "starttls_not_offered", ""),
                 profile(host="smtp.office365.com"), load_catalogue()["microsoft-365"])
    assert d.suggestion is None and "465" not in d.fix


def _mismatch(names):
    from mailwizard.core.checks.smtp import CertificateInfo
    f = CheckFailure("tls", "tls_verify", "x", ssl_reason="Hostname mismatch")
    f.certificate = CertificateInfo(names=names, sha256="ab" * 32)
    return f


def test_a_certificate_name_is_offered_only_within_the_typed_domain():
    d = diagnose(_mismatch(["smtp.example.org"]), profile(host="mail.example.org"))
    assert d.suggestion == {"host": "smtp.example.org"}
    # A valid certificate for someone else's domain must not become a one-click change.
    d = diagnose(_mismatch(["mail.attacker.example.net"]), profile(host="mail.example.org"))
    assert d.suggestion is None and "mail.attacker.example.net" in d.cause
    d = diagnose(_mismatch(["mail.example.org"]), profile(host="127.0.0.1"))
    assert d.suggestion is None


def test_no_internal_stage_names_reach_the_user():
    d = diagnose(CheckFailure("ehlo_tls", "disconnected", "closed"), profile())
    assert "ehlo" not in d.cause and "after encryption" in d.cause


def test_security_none_on_a_tls_port_is_described_as_it_is():
    d = diagnose(CheckFailure("greeting", "implicit_tls_port", ""),
                 profile(security="none", auth="none", port=465))
    assert "no encryption" in d.cause and d.suggestion == {"security": "tls"}


def test_icloud_app_password_help_is_not_googles():
    icloud = load_catalogue()["icloud"]
    d = diagnose(CheckFailure("auth", "smtp_reply", "", 534, "5.7.9 Application-specific "
                              "password required"), profile(host="smtp.mail.me.com"), icloud)
    assert "google" not in d.help_url

