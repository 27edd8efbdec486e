"""OAuth that stays connected, against the local authorization server (tests/oauth_server.py,
which rotates refresh tokens like Microsoft): a rotated refresh token is stored on every
path; `token` serves a cached access token without a client ID; a revoked sign-in says
"sign in again" in `check` and in the notification; personal Microsoft accounts sign in
through the "consumers" tenant while work accounts keep the configured one."""

from __future__ import annotations

import json
import os
import uuid

import keyring
import pytest
from conftest import USER
from notification_service import NotificationService
from oauth_server import auth_server, browser, make_auth_server, xoauth2_smtp_server  # noqa: F401
from support.cli import mailwizard

from mailwizard.core import exitcodes as ec
from mailwizard.core.checks import make_check
from mailwizard.core.oauth.flow import ClientSettings
from mailwizard.core.oauth.signin import AuthorizationFlow
from mailwizard.core.oauth.account import (connected_profile, fresh_tokens,
                                           is_personal_microsoft, tenant_for_account)
from mailwizard.core.store.save import save_settings


def sign_in(server, browser, smtp, ca_file, kind="google", email=USER, tenant=""):
    provider = server.provider(kind)
    flow = AuthorizationFlow(provider, server.client(tenant), cafile=ca_file, login_hint=email,
                             open_browser=browser.open, timeout=10)
    flow.start()
    tokens = flow.wait()
    profile = connected_profile(flow.provider, email, cafile=ca_file, tenant=tenant)
    return profile.with_changes(host="127.0.0.1", port=smtp.port, timeout=5.0), tokens


def env_for(server, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILWIZARD_GOOGLE")}
    env.update({"MAILWIZARD_GOOGLE_CLIENT_ID": server.client_id,
                "MAILWIZARD_GOOGLE_CLIENT_SECRET": server.client_secret}, **extra)
    return env


@pytest.fixture
def saved(auth_server, browser, xoauth2_smtp_server, ca_file, tmp_path, secret_service):
    profile, tokens = sign_in(auth_server, browser, xoauth2_smtp_server, ca_file)
    result = make_check(profile, tokens.refresh_token, access_token=tokens.access_token).run()
    assert result.ok, result.failure
    name = f"up{uuid.uuid4().hex[:6]}"
    config = tmp_path / "mail-settings.json"
    save_settings(profile, tokens.refresh_token, result, config_path=config, profile_name=name)
    return config, name, tokens


def stored(name):
    return keyring.get_password("mailwizard", f"{name}/refresh_token")


def test_check_stores_the_rotated_refresh_token_and_it_works(saved, auth_server):
    config, name, tokens = saved
    p = mailwizard(["check", "--config", str(config)], environ=env_for(auth_server))
    assert p.returncode == ec.OK, p.stdout + p.stderr
    first = stored(name)
    assert first != tokens.refresh_token
    # the new one works:
    p = mailwizard(["check", "--config", str(config)], environ=env_for(auth_server))
    assert p.returncode == ec.OK and stored(name) not in (first, tokens.refresh_token)


def test_a_validation_that_refreshed_saves_the_rotated_token(auth_server, browser,
                                                             xoauth2_smtp_server, ca_file,
                                                             tmp_path, secret_service):
    """The wizard's path when the sign-in's access token is not used (or has expired): the
    check refreshes, and Save stores the refresh token that came back, not the old one."""
    profile, tokens = sign_in(auth_server, browser, xoauth2_smtp_server, ca_file)
    result = make_check(profile, tokens.refresh_token, client=auth_server.client()).run()
    assert result.ok and result.rotated_secret and result.rotated_secret != tokens.refresh_token
    assert result.rotated_secret not in json.dumps(result.to_dict())
    name = f"up{uuid.uuid4().hex[:6]}"
    save_settings(profile, tokens.refresh_token, result, config_path=tmp_path / "m.json",
                  profile_name=name)
    assert stored(name) == result.rotated_secret


def test_token_serves_the_cached_access_token_without_a_client_id(saved, auth_server):
    config, _, _ = saved
    p = mailwizard(["token", "--config", str(config), "--json"], environ=env_for(auth_server))
    assert p.returncode == ec.OK, p.stderr
    cached = json.loads(p.stdout)["access_token"]
    before = len(auth_server.token_requests())
    no_client = {k: v for k, v in os.environ.items() if not k.startswith("MAILWIZARD_GOOGLE")}
    p = mailwizard(["token", "--config", str(config)], environ=no_client)
    assert p.returncode == ec.OK, p.stderr
    assert p.stdout.strip() == cached and len(auth_server.token_requests()) == before
    p = mailwizard(["token", "--config", str(config), "--force-refresh"], environ=no_client)
    assert p.returncode == ec.INVALID_SETTINGS and "MAILWIZARD_GOOGLE_CLIENT_ID" in p.stderr


def test_a_revoked_sign_in_says_sign_in_again_in_check_and_in_the_notification(
        saved, auth_server):
    config, _, _ = saved
    auth_server.revoke_all()
    svc = NotificationService(os.environ["DBUS_SESSION_BUS_ADDRESS"]).start()
    try:
        p = mailwizard(["check", "--config", str(config), "--notify", "--notify-wait", "0"],
                       environ=env_for(auth_server))
    finally:
        svc.stop()
    assert p.returncode == ec.SIGN_IN_AGAIN, p.stdout + p.stderr
    assert "sign in again" in p.stdout.lower()
    assert "choose “Sign in again”" in p.stdout
    [n] = svc.received
    assert n.body == (f"Google no longer accepts mailwizard's sign-in for {USER}: it expired "
                      "or was withdrawn. Open mailwizard and sign in again.")
    assert n.actions == ["default", "Sign in again", "fix", "Sign in again"]


@pytest.mark.parametrize("email, personal, configured, want", [
    ("asha@outlook.com", True, "", "consumers"),
    ("asha@hotmail.co.uk", True, "organizations", "consumers"),
    ("asha@live.in", True, "contoso.onmicrosoft.com", "consumers"),
    ("asha@outlook.com", True, "common", "common"),
    ("office@contoso.com", False, "contoso.onmicrosoft.com", "contoso.onmicrosoft.com"),
    ("office@contoso.com", False, "", ""),
    ("office@outlookconsulting.com", False, "organizations", "organizations"),
])
def test_tenant_for_personal_and_work_microsoft_accounts(email, personal, configured, want):
    assert is_personal_microsoft(email) is personal
    assert tenant_for_account(email, configured) == want


def test_a_personal_account_refreshes_through_consumers_even_with_a_company_tenant(
        auth_server, browser, xoauth2_smtp_server, ca_file):
    auth_server.client_id = "0f1e2d3c-0000-4000-8000-00000000abcd"
    auth_server.client_secret = ""
    email = "asha@outlook.com"
    profile, tokens = sign_in(auth_server, browser, xoauth2_smtp_server, ca_file,
                              kind="microsoft", email=email,
                              tenant=tenant_for_account(email, "contoso.onmicrosoft.com"))
    assert profile.oauth_tenant == "consumers"
    assert auth_server.authorize_requests()[-1]["tenant"] == "consumers"
    company_client = ClientSettings(auth_server.client_id, "", "contoso.onmicrosoft.com")
    fresh_tokens(profile, tokens.refresh_token, client=company_client)
    assert auth_server.token_requests()[-1]["tenant"] == "consumers"
