"""The Exchange and certificate rule tables (diagnosis/ews.py EWS_RULES, diagnosis/
certificates.py CERTIFICATE_RULES), listed: every rule has a sample failure here that the
matcher gives to that rule and no other, and each rule's class is the one the daily check
reads for its code (diagnosis/meaning.py BY_CODE)."""

from __future__ import annotations

import pytest

from mailwizard.core.checks.result import CertificateInfo, CheckFailure
from mailwizard.core.diagnosis.certificates import (CERTIFICATE_RULES, CertificateFacts,
                                                    diagnose_certificate)
from mailwizard.core.diagnosis.common import Diagnosis
from mailwizard.core.diagnosis.ews import EWS_RULES, EwsFacts
from mailwizard.core.diagnosis.meaning import BY_CODE
from mailwizard.core.diagnosis.rules import diagnose_by
from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.profile import Profile

ONLINE = "https://outlook.office365.com/EWS/Exchange.asmx"


def exchange(**kw) -> Profile:
    base = dict(service="exchange", ews_url="https://mail.example.org/EWS/Exchange.asmx",
                username="EXAMPLE\\office", from_address="office@example.org",
                ews_auth="ntlm")
    base.update(kw)
    return Profile(**base)


def failure(stage: str, kind: str, message: str = "", **kw) -> CheckFailure:
    return CheckFailure(stage, kind, message, **kw)


#: rule id: (failure, profile, expected suggestion or None)
EWS_SAMPLES = {
    "exchange_online": (failure("ews_service", "exchange_online"), exchange(ews_url=ONLINE),
                        None),
    "unknown_host": (failure("resolve", "resolve", "Name or service not known"), exchange(),
                     None),
    "dns_timeout": (failure("resolve", "resolve_timeout", "timed out"), exchange(), None),
    "connection_refused": (failure("connect", "refused", "Connection refused"),
                           exchange(ews_url="https://mail.example.org:8443/EWS/Exchange.asmx"),
                           {"ews_url": "https://mail.example.org/EWS/Exchange.asmx"}),
    "connect_timeout": (failure("connect", "timeout", "timed out"), exchange(), None),
    "unreachable": (failure("connect", "network", "No route to host"), exchange(), None),
    "certificate": (failure("tls", "tls_verify", "x", ssl_reason="certificate has expired"),
                    exchange(), None),
    "tls_failed": (failure("tls", "tls", "x", ssl_reason="WRONG_VERSION_NUMBER"), exchange(),
                   None),
    "ews_not_found": (failure("ews_service", "ews_not_found", "404"), exchange(), None),
    "ews_redirect": (failure("ews_service", "ews_redirect", "302",
                             reply="https://mail.example.org/ews/exchange.asmx"), exchange(),
                     {"ews_url": "https://mail.example.org/ews/exchange.asmx"}),
    "ews_redirect_nowhere": (failure("ews_service", "ews_redirect", "302"), exchange(), None),
    "ews_auth_type_use_basic": (failure("ews_login", "ews_auth_type", reply="basic"),
                                exchange(), {"ews_auth": "basic"}),
    "ews_auth_type_not_ntlm": (failure("ews_login", "ews_auth_type", reply="bearer"),
                               exchange(), None),
    "ews_auth_type_use_ntlm": (failure("ews_login", "ews_auth_type", reply="negotiate"),
                               exchange(ews_auth="basic"), {"ews_auth": "ntlm"}),
    "ews_auth_type_not_basic": (failure("ews_login", "ews_auth_type"),
                                exchange(ews_auth="basic"), None),
    "exchange_online_sign_in": (failure("ews_login", "ews_unauthorized", code=401),
                                exchange(ews_url=ONLINE), None),
    "ews_auth_failed": (failure("ews_login", "ews_unauthorized", code=401), exchange(), None),
    "ews_ntlm_failed": (failure("ews_login", "ews_ntlm_failed"), exchange(),
                        {"ews_auth": "basic"}),
    "ews_no_mailbox": (failure("ews_mailbox", "ews_no_mailbox"), exchange(), None),
    "ews_send_as_denied": (failure("ews_send", "ews_send_as_denied"), exchange(), None),
    "ews_access_denied_online": (failure("ews_login", "ews_access_denied",
                                         reply="ErrorAccessDenied"), exchange(ews_url=ONLINE),
                                 None),
    "ews_access_denied_reply": (failure("ews_login", "ews_access_denied",
                                        reply="ErrorAccessDenied"), exchange(), None),
    "ews_access_denied_online_silent": (failure("ews_login", "ews_access_denied"),
                                        exchange(ews_url=ONLINE), None),
    "ews_access_denied": (failure("ews_login", "ews_access_denied"), exchange(), None),
    "ews_throttled": (failure("ews_send", "ews_throttled"), exchange(), None),
    "ews_message_refused": (failure("ews_send", "ews_refused", "ErrorInvalidRecipients"),
                            exchange(), None),
    "ews_error_online": (failure("ews_mailbox", "ews_error", "ErrorInternalServerError"),
                         exchange(ews_url=ONLINE), None),
    "ews_error": (failure("ews_service", "ews_http", "500"), exchange(), None),
    "server_timeout": (failure("ews_send", "timeout", "timed out"), exchange(), None),
    "disconnected": (failure("ews_login", "disconnected", "reset"), exchange(), None),
    "network_error": (failure("ews_send", "network", "proxy refused"), exchange(), None),
    "unexpected": (failure("ews_send", "error", "KeyError"), exchange(), None),
}

OTHERS = CertificateInfo(names=["mail.other-company.net"], sha256="ab" * 32)
SAME_SITE = CertificateInfo(names=["*.example.org", "ews.example.org"], sha256="cd" * 32)
MISMATCH = "Hostname mismatch, certificate is not valid for 'mail.example.org'."

#: rule id: (failure, the certificate name offered as a change or None); the host is
#: mail.example.org, the server the Exchange one when the id says so.
CERTIFICATE_SAMPLES = {
    f"{who}_{rule}": sample for who in ("ews", "mail") for rule, sample in {
        "certificate_name_offered": (failure("tls", "tls_verify", "x", ssl_reason=MISMATCH,
                                             certificate=SAME_SITE), "ews.example.org"),
        "certificate_names_elsewhere": (failure("tls", "tls_verify", MISMATCH,
                                                certificate=OTHERS), None),
        "certificate_names_unknown": (failure("tls", "tls_verify", "x",
                                              ssl_reason="certificate doesn't match"), None),
        "certificate_expired": (failure("tls", "tls_verify", "certificate has expired"), None),
        "certificate_untrusted": (failure("tls", "tls_verify", "x",
                                          ssl_reason="unable to get local issuer certificate",
                                          certificate=OTHERS), None),
        "certificate_changed": (failure("tls", "pin_mismatch", "pin", certificate=OTHERS),
                                None),
    }.items()
}


def test_every_rule_has_a_sample_and_a_class():
    for rules, samples in ((EWS_RULES, EWS_SAMPLES), (CERTIFICATE_RULES, CERTIFICATE_SAMPLES)):
        ids = [r.id for r in rules]
        assert len(ids) == len(set(ids)), "rule ids are unique"
        assert sorted(ids) == sorted(samples), "each rule has exactly one sample here"
        for rule in rules:
            if rule.handler is None:
                assert rule.meaning == BY_CODE[rule.code], rule.id
                assert rule.cause and rule.fix, rule.id


@pytest.mark.parametrize("rule_id", list(EWS_SAMPLES))
def test_each_exchange_rule_is_hit_by_its_sample(rule_id):
    f, p, suggestion = EWS_SAMPLES[rule_id]
    d = Diagnosis(stage=f.stage, code="unknown", cause="", fix="")
    rule = diagnose_by(EWS_RULES, d, EwsFacts(f, p))
    assert rule is not None and rule.id == rule_id
    assert d.code == (rule.code or d.code) and d.cause and d.fix
    assert "{" not in d.cause + d.fix  # every placeholder filled
    assert d.suggestion == suggestion
    whole = diagnose(f, p)  # through the one entry point, the same
    assert (whole.code, whole.cause, whole.fix, whole.suggestion) == (
        d.code, d.cause, d.fix, d.suggestion)


@pytest.mark.parametrize("rule_id", list(CERTIFICATE_SAMPLES))
def test_each_certificate_rule_is_hit_by_its_sample(rule_id):
    f, offered = CERTIFICATE_SAMPLES[rule_id]
    ews = rule_id.startswith("ews_")
    d = Diagnosis(stage=f.stage, code="unknown", cause="", fix="")
    rule = diagnose_by(CERTIFICATE_RULES, d, CertificateFacts(f, "mail.example.org", ews))
    assert rule is not None and rule.id == rule_id
    assert ("Exchange server" in d.cause) is ews and "{" not in d.cause + d.fix
    names: list[str] = []
    d = Diagnosis(stage=f.stage, code="unknown", cause="", fix="")
    assert diagnose_certificate(d, f, "mail.example.org",
                                "Exchange server" if ews else "mail server",
                                "as the CA certificate file" if ews else "under Advanced",
                                names.append)
    assert names == ([offered] if offered else [])
    assert d.certificate == (None if f.certificate is None else
                             {**vars(f.certificate)})


def test_a_failure_that_is_not_about_a_certificate_is_left_to_the_next_rules():
    d = Diagnosis(stage="tls", code="unknown", cause="", fix="")
    assert not diagnose_certificate(d, failure("tls", "tls", "x"), "mail.example.org",
                                    "mail server", "under Advanced", print)
    assert (d.code, d.cause, d.fix) == ("unknown", "", "")
