"""The SMTP check against servers that behave as real ones do (tests/smtp_behaviours.py): slow
or multi-line greetings, multi-line refusals, connections dropped or reset at each stage, a 421
mid-session, slow replies, certificates with a missing intermediate or out of date, a server
stuck on old TLS, a server dialled by name. Each behaviour: what the check does, and that the
diagnosis says it in plain words."""

from __future__ import annotations

import ssl

import pytest
from conftest import PASSWORD, USER
from smtp_behaviours import (BehavingSmtpServer, Behaviour, expired, leaf_with_intermediate,
                             leaf_without_intermediate, old_tls_only, privileged_address,
                             server_context)

from mailwizard.core.checks.smtp import SmtpCheck
from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.profile import Profile
from mailwizard.core.providers import load_catalogue

TO = "someone@society.example.org"


def cert_ctx(ca, *names: str) -> ssl.SSLContext:
    leaf = ca.issue_cert(*names)
    return server_context(b"".join(p.bytes() for p in leaf.cert_chain_pems),
                          leaf.private_key_pem.bytes())


def profile_for(srv: BehavingSmtpServer, ca_file: str, host: str | None = None,
                **changes) -> Profile:
    base = dict(host=host or srv.host, port=srv.port, security="starttls", username=USER,
                from_address=USER, display_name="Riverside Society", cafile=ca_file,
                timeout=8.0)
    base.update(changes)
    return Profile(**base)


@pytest.fixture
def behaving(ca):
    """Factory: behaving(Behaviour(...), ctx=None, host=..., port=0) -> a running server
    (the context defaults to a trusted certificate for its address and localhost)."""
    started: list[BehavingSmtpServer] = []

    def start(behaviour: Behaviour, ctx: ssl.SSLContext | None = None, *,
              host: str = "127.0.0.1", port: int = 0) -> BehavingSmtpServer:
        behaviour.users.setdefault(USER, PASSWORD)
        srv = BehavingSmtpServer(behaviour, ctx or cert_ctx(ca, "localhost", host),
                                 host=host, port=port)
        started.append(srv)
        return srv

    yield start
    for s in started:
        s.stop()


# -- greetings: slow on purpose, or in several lines ----------------------------------------------
@pytest.mark.parametrize("port", [25, 587])
def test_a_slow_greeting_on_a_mail_port_is_waited_for_and_nothing_is_said_first(
        behaving, ca_file, port):
    """Postfix's postscreen, greet pauses and tarpits hold the greeting and count a client that
    speaks first (even a TLS ClientHello on a second connection) as a spammer."""
    srv = behaving(Behaviour(greeting_delay=1.5), host=privileged_address(), port=port)
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD, greeting_wait=0.2).run()
    assert result.ok, (result.failure, result.transcript)
    assert srv.seen.connections == 1, "a second connection (a TLS probe) was opened"
    assert srv.seen.pregreet == [b""], srv.seen.pregreet
    assert any("no TLS probe" in line for line in result.transcript), result.transcript


def test_a_postscreen_greeting_in_two_lines_is_read_whole_on_port_25(behaving, ca_file):
    """postscreen sends `220-` at once and the real `220 ` after its greet wait: a client that
    answers the first line is a pregreet."""
    srv = behaving(Behaviour(greeting=["220-mx.test.invalid ESMTP postscreen",
                                       "220 mx.test.invalid ESMTP Postfix"],
                             greeting_delay=0.5, greeting_pause=1.5),
                   host=privileged_address(), port=25)
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD, greeting_wait=0.2).run()
    assert result.ok, (result.failure, result.transcript)
    assert srv.seen.pregreet == [b""] and srv.seen.connections == 1
    assert "S: 220-mx.test.invalid ESMTP postscreen" in result.transcript
    assert ("greeting", "ok") in [(s.stage, s.status) for s in result.stages]


def test_on_an_unusual_port_a_slow_greeting_gets_the_tls_probe_and_the_transcript_says_so(
        behaving, ca_file):
    srv = behaving(Behaviour(greeting_delay=1.5))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD, greeting_wait=0.2).run()
    assert result.ok, (result.failure, result.transcript)
    assert srv.seen.connections == 2
    said = "\n".join(result.transcript)
    assert "trying TLS from the first byte on a second connection" in said
    assert "did not answer with TLS; still waiting for the greeting" in said


def test_starttls_set_on_a_tls_port_is_found_by_the_probe_and_the_transcript_says_so(
        behaving, ca_file):
    srv = behaving(Behaviour(security="tls"))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD, greeting_wait=0.2).run()
    assert result.failure.kind == "implicit_tls_port", result.failure
    assert "* the second connection answered with TLS" in result.transcript
    assert diagnose(result.failure, result.profile).code == "tls_expected"


# -- replies: multi-line, slow ----------------------------------------------------------------------
@pytest.mark.parametrize("lines, provider, code", [
    (["535-5.7.8 Username and Password not accepted. For more information, go to",
      "535 5.7.8  https://support.google.com/mail/?p=BadCredentials x1-2.3 - gsmtp"],
     "gmail", "auth_failed"),
    (["534-5.7.9 Application-specific password required. For more information, go to",
      "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor x1-2.3 - gsmtp"],
     "gmail", "app_password_required"),
    (["534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=AKgnsbt>",
      "534-5.7.14 Please log in via your web browser and then try again.",
      "534-5.7.14  Learn more at",
      "534 5.7.14  https://support.google.com/mail/answer/78754 x1-2.3 - gsmtp"],
     "gmail", "browser_sign_in_required"),
    (["535-5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the",
      "535 5.7.139 Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."],
     "microsoft-365", "smtp_auth_disabled"),
], ids=["gmail-535", "gmail-534-app-password", "gmail-534-browser", "microsoft-535-tenant"])
def test_a_refusal_in_several_lines_is_diagnosed_like_a_one_line_one(behaving, ca_file, lines,
                                                                      provider, code):
    srv = behaving(Behaviour(replies={"auth": lines}))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD, send_test_to=TO).run()
    assert not result.ok and srv.seen.auth_attempts == 1
    assert result.failure.stage == "auth" and result.failure.code == int(lines[0][:3])
    d = diagnose(result.failure, result.profile, load_catalogue()[provider])
    assert d.code == code, (d, result.failure)
    for line in lines:  # every line of the reply in the transcript, in order
        assert any(line[4:].strip() in t for t in result.transcript), (line, result.transcript)


def test_a_slow_server_that_trickles_its_replies_still_passes(behaving, ca_file):
    srv = behaving(Behaviour(greeting=["220-mx.test.invalid", "220 ESMTP"], greeting_pause=0.3,
                             reply_delay=0.3, line_delay=0.05))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD, send_test_to=TO).run()
    assert result.ok, (result.failure, result.transcript)
    assert len(srv.seen.messages) == 1 and srv.seen.logins == [USER]


# -- dropped, reset, 421 ----------------------------------------------------------------------------
STAGE_OF = {"ehlo": "ehlo", "ehlo_tls": "ehlo_tls", "auth": "auth", "mail": "mail_from",
            "data": "data"}


@pytest.mark.parametrize("how", ["close", "reset"])
@pytest.mark.parametrize("where", ["ehlo", "ehlo_tls", "auth", "data"])
def test_a_connection_lost_at_any_stage_is_named_with_that_stage(behaving, ca_file, where, how):
    srv = behaving(Behaviour(actions={where: how}))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD, send_test_to=TO).run()
    assert not result.ok
    assert result.failure.stage == STAGE_OF[where], (result.failure, result.transcript)
    d = diagnose(result.failure, result.profile)
    assert d.code == "disconnected", (d, result.failure)
    assert "closed the connection" in d.cause
    assert srv.seen.auth_attempts <= 1 and not srv.seen.messages


@pytest.mark.parametrize("where", ["ehlo", "auth", "mail", "data"])
def test_a_421_mid_session_says_busy_try_later(behaving, ca_file, where):
    srv = behaving(Behaviour(actions={where: "421"}))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD, send_test_to=TO).run()
    assert not result.ok and result.failure.code == 421, (result.failure, result.transcript)
    assert result.failure.stage == STAGE_OF[where]
    d = diagnose(result.failure, result.profile)
    assert d.code == "server_busy", (d, result.failure)
    assert srv.seen.auth_attempts <= 1


# -- TLS as it goes wrong in the field -----------------------------------------------------------------
def test_a_missing_intermediate_certificate_is_refused_and_the_fix_names_the_server(
        behaving, ca, ca_file):
    srv = behaving(Behaviour(), leaf_without_intermediate(ca, "localhost", "127.0.0.1"))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD).run()
    assert not result.ok and result.failure.kind == "tls_verify"
    assert srv.seen.auth_attempts == 0
    d = diagnose(result.failure, result.profile)
    # The client cannot tell a missing intermediate from a private authority (both: "unable
    # to get local issuer certificate"): the fix names both, the server's part plainly.
    assert d.code == "certificate_untrusted", (d, result.failure)
    assert "intermediate certificate is missing" in d.fix and "administrator" in d.fix, d


def test_the_same_certificate_with_its_intermediate_passes(behaving, ca, ca_file):
    srv = behaving(Behaviour(), leaf_with_intermediate(ca, "localhost", "127.0.0.1"))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD, send_test_to=TO).run()
    assert result.ok, (result.failure, result.transcript)


def test_a_self_signed_certificate_is_called_untrusted_without_the_chain_hint(behaving,
                                                                               ca_file):
    import trustme

    own = trustme.CA()  # its own certificate is self-signed
    srv = behaving(Behaviour(), server_context(own.cert_pem.bytes(),
                                               own.private_key_pem.bytes()))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD).run()
    d = diagnose(result.failure, result.profile)
    assert d.code == "certificate_untrusted", (d, result.failure)
    assert "intermediate" not in d.fix, d


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_expired_certificate_is_refused_in_words(behaving, ca, ca_file, security):
    srv = behaving(Behaviour(security=security), expired(ca, "localhost", "127.0.0.1"))
    result = SmtpCheck(profile_for(srv, ca_file, security=security), PASSWORD).run()
    assert not result.ok and srv.seen.auth_attempts == 0
    d = diagnose(result.failure, result.profile)
    assert d.code == "certificate_expired", (d, result.failure)
    assert "expired" in d.cause


@pytest.mark.parametrize("tls_max", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1],
                         ids=["tls1.0", "tls1.1"])
def test_a_server_stuck_on_old_tls_is_refused_and_named(behaving, ca, ca_file, tls_max):
    srv = behaving(Behaviour(), old_tls_only(ca, "localhost", "127.0.0.1", tls_max=tls_max))
    result = SmtpCheck(profile_for(srv, ca_file), PASSWORD).run()
    assert not result.ok and srv.seen.auth_attempts == 0
    assert result.failure.stage == "starttls", (result.failure, result.transcript)
    d = diagnose(result.failure, result.profile)
    assert d.code == "tls_too_old", (d, result.failure, srv.seen.tls_failures)
    assert "TLS 1.2" in d.cause + d.fix


# -- dialled by name --------------------------------------------------------------------------------------
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_server_dialled_by_name_checks_the_certificate_for_that_name(behaving, ca, ca_file,
                                                                        security):
    srv = behaving(Behaviour(security=security), cert_ctx(ca, "localhost"))
    result = SmtpCheck(profile_for(srv, ca_file, host="localhost", security=security),
                       PASSWORD, send_test_to=TO).run()
    assert result.ok, (result.failure, result.transcript)
    assert result.peer == f"127.0.0.1:{srv.port}"
    assert "localhost" in result.certificate.names
