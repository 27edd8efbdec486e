"""A connected (OAuth) account end to end on loopback: browser sign-in against the local
authorization server, validation with XOAUTH2, save (refresh token in the real keyring), and
the ERP's helpers `mailwizard token` and `mailwizard send`."""

from __future__ import annotations

import base64
import json
import os
import uuid

import keyring
import pytest
from conftest import USER
from oauth_server import auth_server, browser, make_auth_server, xoauth2_smtp_server  # noqa: F401
from support.cli import mailwizard

from mailwizard.core import exitcodes as ec
from mailwizard.core.checks import make_check
from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.oauth.signin import AuthorizationFlow
from mailwizard.core.oauth.account import connected_profile
from mailwizard.core.store.save import save_settings


def connect(server, browser, smtp, ca_file):
    """Sign in as a person would (the browser follows the redirect), then build the profile
    for the loopback XOAUTH2 server."""
    provider = server.provider("google")
    flow = AuthorizationFlow(provider, server.client(), cafile=ca_file, login_hint=USER,
                             open_browser=browser.open, timeout=10)
    flow.start()
    tokens = flow.wait()
    profile = connected_profile(provider, USER, display_name="Riverside", cafile=ca_file)
    profile = profile.with_changes(host="127.0.0.1", port=smtp.port, timeout=5.0)
    return profile, tokens


def env_for(server) -> dict:
    return {**os.environ, "MAILWIZARD_GOOGLE_CLIENT_ID": server.client_id,
            "MAILWIZARD_GOOGLE_CLIENT_SECRET": server.client_secret}


def run(args, server, stdin="", input_bytes=None):
    """`mailwizard ARGS` with the OAuth server's client (bytes in, bytes out)."""
    return mailwizard(args, environ=env_for(server), text=False,
                      stdin=input_bytes if input_bytes is not None else stdin)


@pytest.fixture
def saved(auth_server, browser, xoauth2_smtp_server, ca_file, tmp_path, secret_service):
    profile, tokens = connect(auth_server, browser, xoauth2_smtp_server, ca_file)
    result = make_check(profile, tokens.refresh_token, access_token=tokens.access_token,
                        send_test_to=USER).run()
    assert result.ok, result.failure
    name = f"conn{uuid.uuid4().hex[:6]}"
    config = tmp_path / "mail.json"
    save_settings(profile, tokens.refresh_token, result, config_path=config, profile_name=name)
    return config, name, tokens


def test_connect_validate_and_save(saved, xoauth2_smtp_server, auth_server):
    config, name, tokens = saved
    srv = xoauth2_smtp_server
    assert srv.recorder.commands_auth == ["XOAUTH2"] and len(srv.recorder.messages) == 1
    data = json.loads(config.read_text())
    prof = data["profile"]
    assert prof["service"] == "oauth" and prof["auth"] == "oauth2"
    assert prof["oauth_provider"] == "google" and prof["username"] == USER
    assert prof["token_endpoint"] == auth_server.provider("google").token_url
    assert data["secret"]["username"] == f"{name}/refresh_token"
    assert tokens.refresh_token not in config.read_text()
    assert keyring.get_password("mailwizard", f"{name}/refresh_token") == tokens.refresh_token
    import jsonschema

    from mailwizard.core.resources import read_resource_bytes
    jsonschema.validate(data, json.loads(read_resource_bytes("config.schema.json")))


def test_token_command_refreshes_and_restores_the_rotated_refresh_token(saved, auth_server):
    config, name, tokens = saved
    p = run(["token", "--config", str(config), "--json"], auth_server)
    assert p.returncode == ec.OK, p.stderr
    first = json.loads(p.stdout)
    assert auth_server.valid_access_token(first["access_token"])
    assert first["username"] == USER and first["token_type"] == "Bearer"
    rotated = keyring.get_password("mailwizard", f"{name}/refresh_token")
    assert rotated != tokens.refresh_token  # the server rotates; the new one is kept

    # a second call within the token's life gives the cached token, no new request
    before = len(auth_server.token_requests())
    p = run(["token", "--config", str(config)], auth_server)
    assert p.stdout.decode().strip() == first["access_token"]
    assert len(auth_server.token_requests()) == before

    auth_server.expire_all()  # the server says it is expired: --force-refresh gets a new one
    p = run(["token", "--config", str(config), "--force-refresh"], auth_server)
    assert p.returncode == ec.OK
    fresh = p.stdout.decode().strip()
    assert fresh != first["access_token"] and auth_server.valid_access_token(fresh)


def test_revoked_sign_in_says_sign_in_again(saved, auth_server):
    config, _, _ = saved
    auth_server.revoke_all()
    p = run(["token", "--config", str(config), "--force-refresh"], auth_server)
    assert p.returncode == ec.SIGN_IN_AGAIN
    assert b"sign in again" in p.stderr.lower()
    assert p.stdout == b""


def test_without_a_client_id_the_token_command_says_what_to_configure(saved, auth_server):
    config, _, _ = saved
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILWIZARD_GOOGLE")}
    p = mailwizard("token", "--config", str(config), "--force-refresh", environ=env)
    assert p.returncode == ec.INVALID_SETTINGS
    assert "MAILWIZARD_GOOGLE_CLIENT_ID" in p.stderr


MESSAGE = b"""From: Riverside <office@society.example.org>
To: member@example.org
Bcc: treasurer@example.org
Subject: Your statement

Dear member, your statement is attached.
"""


def test_send_delivers_over_xoauth2_and_keeps_bcc_off_the_wire(saved, auth_server,
                                                              xoauth2_smtp_server):
    config, _, _ = saved
    srv = xoauth2_smtp_server
    p = run(["send", "--config", str(config)], auth_server, input_bytes=MESSAGE)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    received = srv.recorder.messages[-1]
    assert received.rcpt_tos == ["member@example.org", "treasurer@example.org"]
    assert received.message["Bcc"] is None and received.message["Subject"] == "Your statement"
    assert received.message["Message-ID"] and received.message["Date"]
    assert srv.recorder.commands_auth[-1] == "XOAUTH2"


def test_send_with_a_bad_message_sends_nothing(saved, auth_server, xoauth2_smtp_server):
    config, _, _ = saved
    before = len(xoauth2_smtp_server.recorder.messages)
    p = run(["send", "--config", str(config)], auth_server,
            input_bytes=b"Subject: nobody to send to\n\nhello\n")
    assert p.returncode == ec.INVALID_SETTINGS and b"no To, Cc or Bcc" in p.stderr
    assert len(xoauth2_smtp_server.recorder.messages) == before


def test_the_refresh_token_is_in_no_file_and_no_output(saved, auth_server, tmp_path):
    config, name, tokens = saved
    outputs = []
    for args in (["--debug", "token", "--config", str(config), "--force-refresh"],
                 ["--debug", "show", "--config", str(config), "--json"],
                 ["--debug", "send", "--config", str(config)]):
        p = run(args, auth_server, input_bytes=MESSAGE)
        assert p.returncode == ec.OK, p.stderr
        outputs += [p.stdout.decode(), p.stderr.decode()]
    current = keyring.get_password("mailwizard", f"{name}/refresh_token")
    needles = {tokens.refresh_token, current}
    needles |= {base64.b64encode(n.encode()).decode()[:-4] for n in list(needles)}
    for text in outputs[2:]:  # the token command prints the access token, by design
        for n in needles:
            assert n not in text
    for n in needles:
        assert n not in outputs[0] and n not in outputs[1]
    for f in tmp_path.rglob("*"):
        if f.is_file():
            for n in needles:
                assert n.encode() not in f.read_bytes(), f


def test_a_refused_token_is_explained_without_password_advice(auth_server, browser,
                                                              xoauth2_smtp_server, ca_file):
    profile, tokens = connect(auth_server, browser, xoauth2_smtp_server, ca_file)
    auth_server.expire_all()
    result = make_check(profile, tokens.refresh_token, access_token=tokens.access_token).run()
    assert result.failure.stage == "auth"
    d = diagnose(result.failure, profile)
    assert d.code == "oauth_token_refused" and "Sign in again" in d.fix
    assert "password" not in (d.cause + d.fix).lower()


def test_validation_without_an_access_token_refreshes_first(auth_server, browser,
                                                            xoauth2_smtp_server, ca_file,
                                                            monkeypatch):
    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_ID", auth_server.client_id)
    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_SECRET", auth_server.client_secret)
    profile, tokens = connect(auth_server, browser, xoauth2_smtp_server, ca_file)
    check = make_check(profile, tokens.refresh_token)
    result = check.run()
    assert result.ok, result.failure
    assert [s.stage for s in result.stages][:2] == ["token", "resolve"]
    assert check.new_tokens.refresh_token  # the caller stores the rotated one

    auth_server.revoke_all()
    result = make_check(profile, check.new_tokens.refresh_token).run()
    assert result.failure.stage == "token" and result.failure.kind == "oauth_invalid_grant"
    assert ec.for_stage(result.failure.stage, result.failure.kind) == ec.SIGN_IN_AGAIN
    d = diagnose(result.failure, profile)
    assert "sign in again" in (d.cause + d.fix).lower()


def test_microsoft_smtp_auth_disabled_is_an_admin_setting_not_a_password():
    from mailwizard.core.profile import Profile
    from mailwizard.core.checks.smtp import CheckFailure

    p = Profile(service="oauth", auth="oauth2", host="smtp.office365.com", port=587,
                username="a@contoso.example.org", from_address="a@contoso.example.org",
                oauth_provider="microsoft",
                token_endpoint="https://login.microsoftonline.com/organizations/oauth2/v2.0/token")
    f = CheckFailure(stage="auth", kind="smtp_reply", message="", code=535,
                     reply="5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
                           "disabled for the Mailbox.")
    d = diagnose(f, p)
    assert d.code == "m365_smtp_auth_disabled" and "Set-CASMailbox" in d.fix
    assert d.help_url == "https://aka.ms/smtp_auth_disabled"
    assert "password" not in d.cause.lower()


def test_the_client_id_can_come_from_the_site_file(saved, auth_server, tmp_path):
    config, _, _ = saved
    site = tmp_path / "site.toml"
    site.write_text(f'[oauth.google]\nclient_id = "{auth_server.client_id}"\n'
                    f'client_secret = "{auth_server.client_secret}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILWIZARD_GOOGLE")}
    p = mailwizard("token", "--config", str(config), "--site-config", str(site),
                   "--force-refresh", environ=env)
    assert p.returncode == ec.OK, p.stderr
    assert auth_server.valid_access_token(p.stdout.strip())


@pytest.mark.parametrize("how", ["check", "check --notify", "check --monitoring"])
def test_check_refreshes_with_the_client_id_of_the_site_file_it_was_given(saved, auth_server,
                                                                          tmp_path, how):
    """The face reads the site file (--site-config) and hands its client ID down to the
    check's refresh: nothing below admin/ looks for a site file of its own."""
    config, _, _ = saved
    site = tmp_path / "site.toml"
    site.write_text(f'[oauth.google]\nclient_id = "{auth_server.client_id}"\n'
                    f'client_secret = "{auth_server.client_secret}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILWIZARD_GOOGLE")}
    before = len(auth_server.token_requests())
    p = mailwizard(*how.split(), "--config", str(config), "--site-config", str(site),
                   *(["--notify-wait", "0"] if "--notify" in how else []), environ=env)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert len(auth_server.token_requests()) == before + 1
