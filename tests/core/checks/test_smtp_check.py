"""The SMTP check against real servers on loopback: each stage, each rule, each failure."""

from __future__ import annotations

import json
import threading

import pytest
from conftest import PASSWORD, USER
from servers import closed_port, greet_421, silent
from support.language import in_language

from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.providers import load_catalogue
from mailwizard.core.checks.smtp import SmtpCheck, run_check


@pytest.mark.parametrize("lang", ["hi", "en-XA"])
def test_a_test_message_in_another_language_arrives(smtp_server, make_profile, lang):
    """The test message is in the user's language: longer than the English one (Devanagari
    is three bytes in UTF-8), and still sent with CRLF line ends a strict server takes."""
    srv = smtp_server("starttls")
    with in_language(lang):
        result = run_check(make_profile(srv), PASSWORD, send_test_to=USER)
    assert result.ok, result.transcript
    # one "line" to aiosmtpd before line ends were CRLF: it refused it as too long
    assert len(srv.recorder.messages[-1].data) > 1001


def stage_names(result):
    return [s.stage for s in result.stages]


def test_starttls_login_and_test_message_arrive_with_proper_headers(smtp_server, make_profile):
    srv = smtp_server("starttls")
    result = run_check(make_profile(srv), PASSWORD, send_test_to="treasurer@society.example.org")

    assert result.ok, result.failure
    assert stage_names(result) == ["resolve", "connect", "greeting", "ehlo", "starttls",
                                   "ehlo_tls", "auth", "mail_from", "rcpt_to", "data", "quit"]
    assert all(s.status == "ok" and s.ms >= 0 for s in result.stages)
    assert result.tls_version in ("TLSv1.2", "TLSv1.3")
    assert result.certificate.verified and len(result.certificate.sha256) == 64
    assert srv.recorder.commands_auth == ["PLAIN"]
    assert srv.recorder.logins == [USER]

    [received] = srv.recorder.messages
    assert received.mail_from == USER and received.rcpt_tos == ["treasurer@society.example.org"]
    msg = received.message
    assert msg["From"] == f"Riverside Society <{USER}>"
    assert msg["To"] == "treasurer@society.example.org"
    assert msg["Date"] and msg["Message-ID"].endswith("@society.example.org>")
    assert msg["Message-ID"] == result.message_id
    assert "email settings work" in msg["Subject"]
    assert "can send invoices" in msg.get_payload(decode=True).decode()


def test_implicit_tls(smtp_server, make_profile):
    srv = smtp_server("tls")
    result = run_check(make_profile(srv, security="tls"), PASSWORD, send_test_to=USER)
    assert result.ok, result.failure
    assert stage_names(result)[:4] == ["resolve", "connect", "tls", "greeting"]
    assert "starttls" not in stage_names(result)
    assert srv.recorder.commands_auth == ["PLAIN"] and len(srv.recorder.messages) == 1


def test_validate_without_test_message_sends_nothing(smtp_server, make_profile):
    srv = smtp_server("starttls")
    result = run_check(make_profile(srv), PASSWORD)
    assert result.ok and "data" not in stage_names(result)
    assert srv.recorder.messages == []


def test_wrong_password_is_one_attempt_and_never_in_the_transcript(smtp_server, make_profile):
    srv = smtp_server("starttls")
    wrong = "Wr0ng-but-secret-Pa55word!"
    profile = make_profile(srv)
    result = run_check(profile, wrong, send_test_to=USER)

    assert not result.ok and result.failure.stage == "auth" and result.failure.code == 535
    assert srv.recorder.commands_auth == ["PLAIN"], "exactly one AUTH command per check"
    assert result.auth_attempts == 1
    report = json.dumps(result.to_dict())
    assert wrong not in report
    assert "C: AUTH PLAIN ********" in result.transcript
    d = diagnose(result.failure, profile)
    assert d.code == "auth_failed" and "password" in d.cause


def test_login_only_server_gets_login_once(smtp_server, make_profile):
    srv = smtp_server("starttls", auth_exclude=["PLAIN"])
    result = run_check(make_profile(srv), "not it")
    assert not result.ok
    assert srv.recorder.commands_auth == ["LOGIN"]
    transcript = "\n".join(result.transcript)
    assert "not it" not in transcript and "bm90IGl0" not in transcript  # base64 of it


def test_no_starttls_offered_stops_before_the_password(smtp_server, make_profile):
    # A plain server that would happily take AUTH without TLS: we must not send it.
    srv = smtp_server("plain", auth_require_tls=False)
    profile = make_profile(srv)
    result = run_check(profile, PASSWORD)

    assert not result.ok and result.failure.stage == "starttls"
    assert srv.recorder.commands_auth == []
    d = diagnose(result.failure, profile)
    assert d.code == "starttls_not_offered"
    assert d.suggestion == {"port": 465, "security": "tls"}


def test_untrusted_certificate_is_described_and_can_be_pinned(smtp_server, make_profile,
                                                              untrusted_ctx):
    srv = smtp_server("starttls", ctx=untrusted_ctx)
    profile = make_profile(srv)
    result = run_check(profile, PASSWORD)

    assert not result.ok and result.failure.kind == "tls_verify"
    assert srv.recorder.commands_auth == []
    cert = result.failure.certificate
    assert cert is not None and not cert.verified and len(cert.sha256) == 64
    assert "127.0.0.1" in cert.names and cert.issuer and cert.not_after
    d = diagnose(result.failure, profile)
    assert d.code == "certificate_untrusted" and d.suggestion is None
    assert d.certificate["sha256"] == cert.sha256

    # Only on explicit request: trust that one certificate by its fingerprint.
    pinned = run_check(make_profile(srv, pinned_sha256=cert.fingerprint_colons), PASSWORD)
    assert pinned.ok, pinned.failure
    wrong_pin = run_check(make_profile(srv, pinned_sha256="ab" * 32), PASSWORD)
    assert wrong_pin.failure.kind == "pin_mismatch"
    assert diagnose(wrong_pin.failure, profile).code == "certificate_changed"
    assert srv.recorder.commands_auth == ["PLAIN"]  # only the pinned run signed in


def test_without_the_ca_file_a_private_ca_is_not_trusted(smtp_server, make_profile):
    srv = smtp_server("tls")
    result = run_check(make_profile(srv, security="tls", cafile=""), PASSWORD)
    assert result.failure.kind == "tls_verify"


def test_hostname_mismatch_names_the_certificate_without_a_one_click_change(
        smtp_server, make_profile, mismatch_ctx):
    srv = smtp_server("tls", ctx=mismatch_ctx)
    profile = make_profile(srv, security="tls")
    result = run_check(profile, PASSWORD)
    d = diagnose(result.failure, profile)
    assert d.code == "certificate_name_mismatch"
    assert "mail.other.test" in d.cause
    # The name comes from a certificate we could not verify, for another domain than the one
    # typed (an IP address here): shown, never applied with one click.
    assert d.suggestion is None
    assert srv.recorder.commands_auth == []


def test_tls_on_a_starttls_port_suggests_starttls(smtp_server, make_profile):
    srv = smtp_server("starttls")
    profile = make_profile(srv, security="tls")
    result = run_check(profile, PASSWORD)
    assert result.failure.stage == "tls"
    d = diagnose(result.failure, profile)
    assert d.code == "starttls_expected" and d.suggestion == {"security": "starttls"}
    assert srv.recorder.commands_auth == []


def test_starttls_on_an_implicit_tls_port_is_found_quickly(smtp_server, make_profile):
    srv = smtp_server("tls")
    profile = make_profile(srv, security="starttls", timeout=20)
    result = SmtpCheck(profile, PASSWORD, greeting_wait=0.3).run()
    d = diagnose(result.failure, profile)
    assert d.code == "tls_expected" and d.suggestion == {"security": "tls"}
    # Recognised by the probe (on this unusual port), not by the 20 s timeout.
    assert result.failure.kind == "implicit_tls_port", result.failure
    # And applying the suggestion works.
    fixed = run_check(profile.with_changes(**d.suggestion), PASSWORD)
    assert fixed.ok, fixed.failure


def test_silent_server_times_out_with_a_clear_cause(raw_server, make_profile):
    srv = raw_server(silent)
    profile = make_profile(srv, timeout=1.0)
    result = SmtpCheck(profile, PASSWORD, greeting_wait=0.2).run()
    assert result.failure.stage == "greeting"
    assert diagnose(result.failure, profile).code == "no_greeting"


def test_refused_port(make_profile):
    profile = make_profile(None, port=closed_port())
    result = run_check(profile, PASSWORD)
    assert result.failure.stage == "connect" and result.failure.kind == "refused"
    d = diagnose(result.failure, profile)
    assert d.code == "connection_refused" and d.suggestion == {"port": 587}


def test_unknown_host(make_profile):
    # .invalid never resolves (RFC 2606); no packet leaves the machine for it.
    profile = make_profile(None, host="smtp.example.invalid", port=587)
    result = run_check(profile, PASSWORD)
    assert result.failure.stage == "resolve"
    assert diagnose(result.failure, profile).code == "unknown_host"


def test_421_greeting(raw_server, make_profile):
    srv = raw_server(greet_421)
    profile = make_profile(srv)
    result = run_check(profile, PASSWORD)
    assert result.failure.stage == "greeting" and result.failure.code == 421
    assert diagnose(result.failure, profile).code == "server_busy"


def test_cancel_stops_a_silent_server_promptly(raw_server, make_profile):
    srv = raw_server(silent)
    check = SmtpCheck(make_profile(srv, timeout=30), PASSWORD, greeting_wait=25)
    result = _cancel_after(check, lambda: srv.connections >= 1)
    assert result.cancelled and result.stages[-1].status == "cancelled"
    assert result.failure.stage == "greeting"


PROVIDER_REPLIES = [
    # (provider, where the server says it, reply, expected code, expected help link fragment)
    ("gmail", "reply_to_auth",
     "534 5.7.9 Application-specific password required. https://support.google.com/mail/?p="
     "InvalidSecondFactor", "app_password_required", "apppasswords"),
    ("gmail", "reply_to_auth",
     "535 5.7.8 Username and Password not accepted. BadCredentials", "auth_failed",
     "apppasswords"),
    ("microsoft-365", "reply_to_auth",
     "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
     "Tenant.", "smtp_auth_disabled", "aka.ms/smtp_auth_disabled"),
    ("microsoft-365", "reply_to_auth",
     "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
     "basic_auth_disabled", "aka.ms"),
    ("microsoft-365", "reply_to_auth", "535 5.7.3 Authentication unsuccessful", "auth_failed",
     "aka.ms"),
    ("microsoft-365", "reply_to_auth",
     "550 5.7.30 Basic authentication is not supported for Client Submission.",
     "basic_auth_not_supported", "aka.ms"),
    ("microsoft-365", "reply_to_mail",
     "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
     "send_as_denied", ""),
    (None, "reply_to_auth", "454 4.7.0 Temporary authentication failure", "auth_temporary", ""),
    (None, "reply_to_auth", "432 4.7.12 A password transition is needed", "password_transition",
     ""),
    (None, "reply_to_data", "550 5.4.5 Daily user sending quota exceeded.", "daily_limit", ""),
    (None, "reply_to_mail", "530 5.7.57 Client not authenticated to send mail", "login_required",
     ""),
    (None, "reply_to_rcpt", "554 5.7.1 Relay access denied", "relay_denied", ""),
]


@pytest.mark.parametrize("provider_id, hook, reply, code, link", PROVIDER_REPLIES)
def test_scripted_provider_replies(smtp_server, make_profile, provider_id, hook, reply, code,
                                   link):
    srv = smtp_server("starttls", **{hook: reply})
    profile = make_profile(srv, from_address="billing@society.example.org")
    provider = load_catalogue()[provider_id] if provider_id else None
    result = run_check(profile, PASSWORD, send_test_to=USER)
    assert not result.ok
    assert len(srv.recorder.commands_auth) == 1
    d = diagnose(result.failure, profile, provider)
    assert d.code == code, (d, result.failure)
    assert d.cause and d.fix
    if link:
        assert link in d.help_url
    if code == "send_as_denied":
        assert d.suggestion == {"from_address": USER}


def test_auth_none_relay_sends_without_login(smtp_server, make_profile):
    srv = smtp_server("starttls")
    result = run_check(make_profile(srv, auth="none", username=""), None, send_test_to=USER)
    assert result.ok, result.failure
    assert srv.recorder.commands_auth == [] and len(srv.recorder.messages) == 1


def test_invalid_settings_never_connect(make_profile):
    result = run_check(make_profile(None, host="smtp.example.com:587", port=0), PASSWORD)
    assert result.failure.stage == "settings" and result.stages == []
    assert "host" in result.failure.message and "port" in result.failure.message


def test_non_ascii_display_name_and_address_arrive_intact(smtp_server, make_profile):
    srv = smtp_server("starttls")
    profile = make_profile(srv, display_name="Förderverein Zürich",
                           from_address="kassenwart@bücherei.example.org")
    result = run_check(profile, PASSWORD, send_test_to="prüfer@example.org")
    assert result.ok, result.failure
    [received] = srv.recorder.messages
    assert str(received.message["From"]) == "Förderverein Zürich <kassenwart@bücherei.example.org>"
    assert received.rcpt_tos == ["prüfer@example.org"]


def test_cancel_reaches_the_tls_probe(raw_server, make_profile):
    srv = raw_server(silent)
    check = SmtpCheck(make_profile(srv, timeout=30), PASSWORD, greeting_wait=0.1)
    result = _cancel_after(check, lambda: srv.connections >= 2)  # main connection + probe
    assert result.cancelled


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_non_ascii_passwords_and_user_names_sign_in(smtp_server, make_profile, mechanism):
    exclude = ["LOGIN"] if mechanism == "PLAIN" else ["PLAIN"]
    srv = smtp_server("starttls", auth_exclude=exclude)
    srv.recorder.users["jürgen@example.org"] = "Pässwörd-€-ß"
    profile = make_profile(srv, username="jürgen@example.org")
    result = run_check(profile, "Pässwörd-€-ß")
    assert result.ok, result.failure
    assert srv.recorder.commands_auth == [mechanism]
    assert srv.recorder.logins == ["jürgen@example.org"]
    wrong = run_check(profile, "Pässwörd-€-x")
    assert wrong.failure.code == 535 and "€" not in json.dumps(wrong.to_dict())


def _cancel_after(check, until, stall=30.0):
    """Run `check` on a thread, cancel it once `until()` holds (the server has the check where
    the test wants it: connected, in AUTH, …) and return its result. The condition, not a
    duration: the check ends while the server still stalls (servers here stall `stall`
    seconds and the checks have 30 s), so it was the cancel that ended it. How fast a cancel
    returns is measured in benchmarks/bench_cancel.py."""
    box = {}
    done = threading.Event()

    def run():
        box["r"] = check.run()
        done.set()

    t = threading.Thread(target=run)
    t.start()
    reached = threading.Event()
    while not reached.wait(0.01):  # a condition the server sets; no fixed "it has started"
        if until():
            reached.set()
        elif not t.is_alive():
            break
    assert reached.is_set(), "the check ended before it reached the stage to cancel"
    check.cancel()
    assert done.wait(stall / 3), "the cancel did not end the check while the server stalled"
    t.join()
    return box["r"]


def test_cancel_during_the_tls_handshake(raw_server, make_profile):
    srv = raw_server(silent)  # accepts, never answers the ClientHello
    check = SmtpCheck(make_profile(srv, security="tls", timeout=30), PASSWORD)
    result = _cancel_after(check, lambda: srv.connections >= 1)
    assert result.cancelled and result.failure.stage == "tls"


@pytest.mark.parametrize("stage", ["AUTH", "DATA"])
def test_cancel_during_auth_and_data(smtp_server, make_profile, stage):
    srv = smtp_server("starttls", stall=stage)
    check = SmtpCheck(make_profile(srv, timeout=30), PASSWORD, send_test_to=USER)
    if stage == "AUTH":
        result = _cancel_after(check, lambda: srv.recorder.commands_auth)
    else:
        result = _cancel_after(check, lambda: any(s.stage == "rcpt_to"
                                                  for s in check.result.stages))
    assert result.cancelled and result.failure.stage == stage.lower()


def test_cancel_during_the_certificate_fetch(raw_server, make_profile, untrusted_ctx):
    from servers import tls_then_silent
    srv = raw_server(tls_then_silent(untrusted_ctx))
    check = SmtpCheck(make_profile(srv, security="tls", timeout=30), PASSWORD)
    result = _cancel_after(check, lambda: srv.connections >= 2)
    assert result.cancelled


def test_the_hashed_ca_folder_holds_every_ca_of_the_system_bundle():
    """make_tls_context reads the system's CAs from OpenSSL's hashed folder on Debian (each
    loaded only when a chain needs it): it must trust exactly what the bundle trusts."""
    import os
    import re
    import ssl

    from mailwizard.core.checks.tls import _lazy_system_cas

    folder = _lazy_system_cas()
    if folder is None:
        pytest.skip("not the Debian/Ubuntu CA layout: the whole bundle is loaded instead")
    pem = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)

    def ders(text: str) -> set[bytes]:
        return {ssl.PEM_cert_to_DER_cert(m) for m in pem.findall(text)}

    with open(ssl.get_default_verify_paths().cafile, encoding="ascii") as f:
        bundle = ders(f.read())
    hashed: set[bytes] = set()
    for name in os.listdir(folder):
        if re.fullmatch(r"[0-9a-f]{8}\.[0-9]+", name):
            with open(os.path.join(folder, name), encoding="ascii") as f:
                hashed |= ders(f.read())
    assert len(bundle) > 50 and bundle <= hashed


def test_internationalised_addresses_make_an_smtputf8_message():
    """email.policy is imported only on this path (issue 15): it must still work."""
    from mailwizard.core.profile import Profile
    from mailwizard.core.checks.smtp import build_test_message, message_bytes

    profile = Profile(host="smtp.example.org", from_address="kassenwart@bücher.example",
                      display_name="Bücherei", username="k")
    raw = message_bytes(build_test_message(profile, "prüfer@example.org"))
    assert "From: Bücherei <kassenwart@bücher.example>".encode() in raw
    assert "To: prüfer@example.org".encode() in raw
