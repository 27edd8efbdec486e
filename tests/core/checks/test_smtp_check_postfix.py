"""The SMTP check's main cases against a real Postfix with Dovecot sign-in (tests/postfix_server.py),
not only against aiosmtpd: the replies, the order of the EHLO extensions, the TLS handshake and
the way the server counts AUTH commands are Postfix's own."""

from __future__ import annotations

import json

import pytest
from conftest import PASSWORD, USER
from postfix_server import PostfixServer

from mailwizard.core.checks.smtp import SmtpCheck, run_check
from mailwizard.core.diagnosis.smtp import diagnose


@pytest.fixture(scope="module")
def postfix_server(ca):
    from dns_server import loopback_address

    address = loopback_address()
    cert = ca.issue_cert("mail.society.example.org", address)
    srv = PostfixServer(cert.private_key_and_cert_chain_pem.bytes(), {USER: PASSWORD},
                        address=address)
    yield srv
    srv.stop()


@pytest.fixture
def postfix(postfix_server):
    """The module's server, with what earlier tests made it see forgotten."""
    postfix_server.forget()
    return postfix_server


def profile_for(make_profile, srv: PostfixServer, security="starttls", **changes):
    port = srv.submission_port if security == "starttls" else srv.tls_port
    return make_profile(None, host=srv.address, port=port, security=security, **changes)


def test_starttls_sign_in_and_test_message_delivered(postfix, make_profile):
    result = run_check(profile_for(make_profile, postfix), PASSWORD,
                       send_test_to="treasurer@society.example.org")

    assert result.ok, result.transcript
    assert [s.stage for s in result.stages] == [
        "resolve", "connect", "greeting", "ehlo", "starttls", "ehlo_tls", "auth", "mail_from",
        "rcpt_to", "data", "quit"]
    assert result.tls_version in ("TLSv1.2", "TLSv1.3") and result.certificate.verified
    assert postfix.auth_commands() == 1
    [msg] = postfix.wait_delivered(1)
    assert msg["From"] == f"Riverside Society <{USER}>"
    assert msg["To"] == "treasurer@society.example.org"
    assert msg["Message-ID"] == result.message_id
    assert "email settings work" in msg["Subject"]


def test_implicit_tls_sign_in_and_test_message_delivered(postfix, make_profile):
    result = run_check(profile_for(make_profile, postfix, "tls"), PASSWORD, send_test_to=USER)
    assert result.ok, result.transcript
    assert [s.stage for s in result.stages][:4] == ["resolve", "connect", "tls", "greeting"]
    assert postfix.auth_commands() == 1
    assert len(postfix.wait_delivered(1)) == 1


def test_validate_without_a_test_message_signs_in_once_and_sends_nothing(postfix, make_profile):
    result = run_check(profile_for(make_profile, postfix), PASSWORD)
    assert result.ok, result.transcript
    assert "data" not in [s.stage for s in result.stages]
    assert postfix.auth_commands() == 1
    assert postfix.messages() == []


def test_a_wrong_password_is_one_attempt_and_diagnosed(postfix, make_profile):
    wrong = "Wr0ng-but-secret-Pa55word!"
    profile = profile_for(make_profile, postfix)
    result = run_check(profile, wrong, send_test_to=USER)

    assert not result.ok and result.failure.stage == "auth" and result.failure.code == 535
    assert postfix.auth_commands() == 1, "exactly one AUTH command per check"
    assert "authentication failed" in postfix.log()
    assert wrong not in json.dumps(result.to_dict()) and wrong not in "\n".join(result.transcript)
    assert diagnose(result.failure, profile).code == "auth_failed"
    assert postfix.messages() == []


def test_a_sender_that_is_not_the_account_is_refused_and_named(postfix, make_profile):
    """Postfix's `reject_sender_login_mismatch` answers `553 5.7.1 <addr>: Sender address
    rejected: not owned by user …` at RCPT TO (Postfix delays its MAIL FROM checks to the
    recipient), with the same enhanced code as a relay refusal: it is the From address that
    is wrong, and the fix is to send as the signed-in mailbox."""
    profile = profile_for(make_profile, postfix, from_address="chairman@society.example.org")
    result = run_check(profile, PASSWORD, send_test_to=USER)

    assert not result.ok and result.failure.code == 553, result.transcript
    assert result.failure.stage in ("mail_from", "rcpt_to")
    assert "Sender address rejected" in result.failure.reply
    d = diagnose(result.failure, profile)
    assert d.code == "send_as_denied", d
    assert d.suggestion == {"from_address": USER}
    assert postfix.messages() == []


def test_tls_on_the_starttls_port_suggests_starttls_without_a_password(postfix, make_profile):
    profile = make_profile(None, host=postfix.address, port=postfix.submission_port,
                           security="tls")
    result = run_check(profile, PASSWORD)
    d = diagnose(result.failure, profile)
    assert d.code == "starttls_expected" and d.suggestion == {"security": "starttls"}
    assert postfix.auth_commands() == 0


def test_starttls_on_the_implicit_tls_port_suggests_tls_without_a_password(postfix,
                                                                          make_profile):
    profile = make_profile(None, host=postfix.address, port=postfix.tls_port,
                           security="starttls", timeout=20)
    result = SmtpCheck(profile, PASSWORD, greeting_wait=0.3).run()
    d = diagnose(result.failure, profile)
    assert d.code == "tls_expected" and d.suggestion == {"security": "tls"}
    assert postfix.auth_commands() == 0
    fixed = run_check(profile.with_changes(**d.suggestion), PASSWORD)
    assert fixed.ok, fixed.transcript


def test_a_certificate_from_an_unknown_authority_stops_before_the_password(postfix,
                                                                          make_profile):
    profile = profile_for(make_profile, postfix, cafile="")
    result = run_check(profile, PASSWORD)
    assert result.failure.kind == "tls_verify"
    assert diagnose(result.failure, profile).code == "certificate_untrusted"
    assert postfix.auth_commands() == 0
