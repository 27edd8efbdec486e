"""The Exchange (EWS) check with the real exchangelib against a loopback EWS endpoint
(tests/ews_server.py): each stage, each rule, each failure class."""

from __future__ import annotations

import threading

import pytest
from servers import closed_port

from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.checks.ews import EwsCheck, exchange_online_notice
from mailwizard.core.profile import Profile

MAILBOX = "it@example.org"
PASSWORD = "s3cret Pässwörd"


@pytest.fixture
def ews(ews_server):
    return ews_server(users={MAILBOX: PASSWORD})


@pytest.fixture
def make_ews(ca_file):
    def make(server=None, **changes) -> Profile:
        base = dict(service="exchange", ews_url=server.url if server else "",
                    username=MAILBOX, from_address=MAILBOX, display_name="Riverside Society",
                    ews_auth="basic", cafile=ca_file, timeout=5.0)
        base.update(changes)
        return Profile(**base)
    return make


def stage_names(result):
    return [s.stage for s in result.stages]


def test_login_and_test_message_arrive_at_the_endpoint(ews, make_ews):
    result = EwsCheck(make_ews(ews), PASSWORD, send_test_to="treasurer@example.org").run()

    assert result.ok, result.failure
    assert stage_names(result) == ["resolve", "connect", "tls", "ews_service", "ews_login",
                                   "ews_mailbox", "ews_send"]
    assert result.certificate.verified and result.tls_version in ("TLSv1.2", "TLSv1.3")
    [sent] = ews.state.sent
    assert sent.to == ["treasurer@example.org"]
    assert sent.subject == "Test message: your email settings work"
    assert sent.sender == MAILBOX and "Microsoft Exchange" in sent.body
    assert sent.disposition == "SendOnly"  # no copy saved in Sent Items
    assert ews.state.operations == ["ConvertId", "GetFolder", "CreateItem"]
    assert result.auth_attempts == 1 and result.auth_mechanism == "Basic"
    assert result.test_message_to == "treasurer@example.org"
    # the first request carries no credentials: it only asks what sign-in is offered
    assert ews.state.logins and all(ok for _, ok in ews.state.logins)
    text = "\n".join(result.transcript) + repr(result.to_dict())
    assert PASSWORD not in text and "Authorization" not in text
    assert "(CreateItem)" in text


def test_without_a_test_address_nothing_is_sent(ews, make_ews):
    result = EwsCheck(make_ews(ews), PASSWORD).run()
    assert result.ok and ews.state.sent == []
    assert stage_names(result)[-1] == "ews_mailbox"


def test_wrong_password_is_one_failed_login_and_says_so(ews, make_ews):
    result = EwsCheck(make_ews(ews), "wrong", send_test_to=MAILBOX).run()

    assert not result.ok
    assert result.failure.stage == "ews_login" and result.failure.kind == "ews_unauthorized"
    assert ews.state.logins == [(MAILBOX, False)]  # exactly one attempt, never retried
    d = diagnose(result.failure, result.profile)
    assert d.code == "auth_failed" and d.group == "sign_in"
    assert "user name" in d.cause and "lock" in d.fix


def test_wrong_auth_type_stops_before_the_password_and_offers_the_right_one(ews, make_ews):
    result = EwsCheck(make_ews(ews, ews_auth="ntlm", username="EXAMPLE\\it"), PASSWORD).run()

    assert result.failure.stage == "ews_login" and result.failure.kind == "ews_auth_type"
    assert ews.state.logins == []  # no credentials went out
    d = diagnose(result.failure, result.profile)
    assert d.code == "ews_wrong_auth_type"
    assert d.suggestion == {"ews_auth": "basic"} and d.suggestion_text == "Use Basic sign-in"
    assert "not sent" in d.cause


def test_unreachable_url(make_ews):
    p = make_ews(ews_url=f"https://127.0.0.1:{closed_port()}/EWS/Exchange.asmx")
    result = EwsCheck(p, PASSWORD).run()
    assert result.failure.stage == "connect" and result.failure.kind == "refused"
    d = diagnose(result.failure, p)
    assert d.code == "connection_refused" and "443" in d.fix
    assert d.suggestion == {"ews_url": "https://127.0.0.1/EWS/Exchange.asmx"}


def test_wrong_path_is_not_ews(ews, make_ews):
    p = make_ews(ews_url=ews.base + "/owa/")
    result = EwsCheck(p, PASSWORD).run()
    assert result.failure.kind == "ews_not_found"
    assert diagnose(result.failure, p).code == "ews_not_found"
    assert ews.state.logins == []


def test_untrusted_certificate_is_refused_and_described(ews_server, make_ews, untrusted_ctx):
    srv = ews_server(ctx=untrusted_ctx, users={MAILBOX: PASSWORD})
    result = EwsCheck(make_ews(srv), PASSWORD).run()

    assert result.failure.stage == "tls" and result.failure.kind == "tls_verify"
    assert srv.state.logins == [] and srv.state.paths == []
    d = diagnose(result.failure, result.profile)
    assert d.code == "certificate_untrusted"
    assert d.certificate and len(d.certificate["sha256"]) == 64

    # the user explicitly trusts exactly this certificate: then it works, over HTTPS too
    pinned = make_ews(srv, pinned_sha256=d.certificate["sha256"], cafile="")
    ok = EwsCheck(pinned, PASSWORD, send_test_to=MAILBOX).run()
    assert ok.ok, ok.failure
    assert len(srv.state.sent) == 1


def test_the_https_requests_use_the_checks_trust_not_requests_bundle(ews_server, make_ews,
                                                                      untrusted_ctx):
    # pinned to some other certificate: the pre-check refuses before any HTTP request
    srv = ews_server(ctx=untrusted_ctx, users={MAILBOX: PASSWORD})
    result = EwsCheck(make_ews(srv, pinned_sha256="ab" * 32, cafile=""), PASSWORD).run()
    assert result.failure.kind == "pin_mismatch" and srv.state.paths == []


def test_exchange_online_is_explained_before_any_connection(make_ews):
    p = make_ews(ews_url="https://outlook.office365.com/EWS/Exchange.asmx")
    assert "1 April 2027" in exchange_online_notice(p)
    result = EwsCheck(p, PASSWORD).run()

    assert result.failure.kind == "exchange_online" and result.stages == []
    d = diagnose(result.failure, p)
    assert d.code == "exchange_online_ews"
    assert "1 October 2026" in d.cause and "1 April 2027" in d.cause
    assert "Microsoft 365" in d.fix and "Connect" in d.fix
    assert exchange_online_notice(make_ews(ews_url="https://mail.example.org")) is None


def test_mailbox_that_does_not_exist(ews_server, make_ews):
    srv = ews_server(users={"helper@example.org": PASSWORD}, mailboxes={"helper@example.org"})
    p = make_ews(srv, username="helper@example.org", from_address="accounts@example.org")
    result = EwsCheck(p, PASSWORD).run()
    assert result.failure.stage == "ews_mailbox" and result.failure.kind == "ews_no_mailbox"
    d = diagnose(result.failure, p)
    assert d.code == "ews_no_mailbox" and "accounts@example.org" in d.cause


def test_throttling(ews_server, make_ews):
    srv = ews_server(users={MAILBOX: PASSWORD}, behaviour="busy")
    result = EwsCheck(make_ews(srv), PASSWORD).run()
    assert result.failure.kind == "ews_throttled", result.failure
    d = diagnose(result.failure, result.profile)
    assert d.code == "ews_throttled" and "few minutes" in d.fix


def test_cancel_stops_a_hanging_server_at_once(ews_server, make_ews):
    srv = ews_server(users={MAILBOX: PASSWORD}, behaviour="stall")
    started = threading.Event()
    check = EwsCheck(make_ews(srv, timeout=20), PASSWORD, progress=lambda stage, status, ms:
                     started.set() if stage == "ews_login" else None)
    box, done = {}, threading.Event()
    t = threading.Thread(target=lambda: (box.setdefault("r", check.run()), done.set()))
    t.start()
    assert started.wait(10)
    check.cancel()
    # the condition: ended while the server still stalls (and long before the check's 20 s)
    assert done.wait(6), "the cancel did not end the check while the server stalled"
    t.join()
    assert box["r"].cancelled


def test_a_silent_server_times_out(ews_server, make_ews):
    srv = ews_server(users={MAILBOX: PASSWORD}, behaviour="stall")
    result = EwsCheck(make_ews(srv, timeout=1), PASSWORD).run()
    assert result.failure.stage == "ews_login" and result.failure.kind == "timeout", result.failure
    assert diagnose(result.failure, result.profile).code == "server_timeout"


@pytest.fixture
def ntlm_users(tmp_path, monkeypatch):
    """Users for the endpoint's real NTLM acceptor (pyspnego reads NTLM_USER_FILE)."""
    path = tmp_path / "ntlm-users"
    path.write_text(f"EXAMPLE:it:{PASSWORD}\n", encoding="utf-8")
    monkeypatch.setenv("NTLM_USER_FILE", str(path))


@pytest.mark.parametrize("typed, domain", [("EXAMPLE\\it", ""), ("it", "EXAMPLE")])
def test_ntlm_login_as_domain_and_user(ews_server, make_ews, ntlm_users, typed, domain):
    srv = ews_server(users={}, auth_schemes=("Negotiate", "NTLM"))
    check = EwsCheck(make_ews(srv, ews_auth="ntlm", username=typed, domain=domain), PASSWORD,
                     send_test_to=MAILBOX)
    result = check.run()
    assert check.login == "EXAMPLE\\it"
    assert result.ok, result.failure
    assert result.auth_mechanism == "NTLM" and len(srv.state.sent) == 1


def test_ntlm_wrong_password(ews_server, make_ews, ntlm_users):
    srv = ews_server(users={}, auth_schemes=("NTLM",))
    result = EwsCheck(make_ews(srv, ews_auth="ntlm", username="EXAMPLE\\it"), "nope").run()
    assert result.failure.stage == "ews_login" and result.failure.kind == "ews_unauthorized"
    assert srv.state.logins == [("ntlm", False)]
    assert diagnose(result.failure, result.profile).code == "auth_failed"
