"""The wizard's part in keeping email working: the Done page's daily-check tick (installed
with the real scheduler files in a throw-away HOME), the last-check record the wizard writes,
opening on "My password changed" / "Sign in again" (the notification's action), keeping the
saved sign-in with a rotated refresh token, and personal Microsoft accounts on "consumers"."""

from __future__ import annotations

import json
import uuid

import keyring
import pytest
from conftest import USER
from oauth_server import MS_CLIENT_ID, auth_server, browser, make_auth_server, xoauth2_smtp_server  # noqa: F401,E501
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from support.gui import fill_own_server, wait_check

from mailwizard.core.checks import make_check
from mailwizard.core.flow import Resume, Step
from mailwizard.core.oauth.signin import AuthorizationFlow
from mailwizard.core.oauth.account import connected_profile
from mailwizard.core.store.save import save_settings


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "run").mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    return home


def finish(qtbot, w):
    done = w.pages[Step.DONE]
    w.button(QWizard.FinishButton).click()
    qtbot.waitUntil(lambda: done.schedule_done and not w.isVisible(), timeout=10000)


@pytest.mark.parametrize("ticked", [True, False])
def test_done_page_tick_installs_the_daily_check_and_the_wizard_records_the_check(
        qtbot, wizard, smtp_server, ca_file, tmp_path, home, secret_service, ticked):
    srv = smtp_server("starttls")
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    assert wait_check(qtbot, w).result.ok
    w.next()
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    done = w.pages[Step.DONE]
    assert done.daily.isChecked()  # on by default
    # The whole promise, split so it wraps on a small screen (the box's text cannot wrap).
    assert done.daily.text() == "&Check these settings every day"
    assert done.daily.accessibleDescription() == ("…and warn me on this computer if they "
                                                  "stop working.")
    record = json.loads((tmp_path / "mail-settings.last-check.json").read_text())
    assert record["command"] == "wizard" and record["ok"] is True
    if not ticked:
        done.daily.setChecked(False)
    finish(qtbot, w)
    units = home / ".config" / "systemd" / "user"
    timer = units / "mailwizard-check.timer"
    assert timer.exists() == ticked
    if ticked:
        service = (units / "mailwizard-check.service").read_text()
        assert f"check --notify --config {tmp_path / 'mail-settings.json'}" in service
        assert "OnCalendar=*-*-* 09:30:00" in timer.read_text()
    else:
        assert not (home / ".config").exists()


def _saved_password_settings(tmp_path, profile_name="default"):
    from mailwizard.core.store.config import SavedSettings, write_config
    from mailwizard.core.profile import Profile
    from mailwizard.core.store.secrets import SecretRef

    config = tmp_path / "mail-settings.json"
    p = Profile(host="smtp.gmail.com", port=587, security="starttls", username=USER,
                from_address=USER, provider_id="gmail")
    write_config(SavedSettings(profile=p, secret=SecretRef(profile_name),
                               profile_name=profile_name), config)
    return config


def test_the_notification_action_opens_the_wizard_on_my_password_changed(qtbot, tmp_path):
    from mailwizard.gui.app import create_wizard, make_application

    make_application([])
    config = _saved_password_settings(tmp_path)
    w = create_wizard(config, resume="password_changed")
    qtbot.addWidget(w)
    w.show()
    assert w.state.resume is Resume.PASSWORD_CHANGED
    assert w.currentId() == Step.ACCOUNT  # straight to the new password
    w.done(0)
    w2 = create_wizard(config)  # without it: the usual first question
    qtbot.addWidget(w2)
    w2.show()
    assert w2.currentId() == Step.RESUME
    w2.done(0)


@pytest.fixture
def connected(auth_server, browser, xoauth2_smtp_server, ca_file, tmp_path, secret_service,
              monkeypatch):
    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_ID", auth_server.client_id)
    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_SECRET", auth_server.client_secret)
    provider = auth_server.provider("google")
    flow = AuthorizationFlow(provider, auth_server.client(), cafile=ca_file, login_hint=USER,
                             open_browser=browser.open, timeout=10)
    flow.start()
    tokens = flow.wait()
    profile = connected_profile(provider, USER, cafile=ca_file).with_changes(
        host="127.0.0.1", port=xoauth2_smtp_server.port, timeout=5.0)
    result = make_check(profile, tokens.refresh_token, access_token=tokens.access_token).run()
    name = f"gui{uuid.uuid4().hex[:6]}"
    config = tmp_path / "mail-settings.json"
    save_settings(profile, tokens.refresh_token, result, config_path=config, profile_name=name)
    return config, name, tokens


def test_sign_in_again_opens_the_connect_page(qtbot, connected):
    from mailwizard.gui.app import create_wizard, make_application

    make_application([])
    config, _, _ = connected
    w = create_wizard(config, resume="password_changed")
    qtbot.addWidget(w)
    w.show()
    assert w.currentId() == Step.CONNECT
    w.done(0)


def test_keeping_the_saved_sign_in_stores_the_rotated_refresh_token(qtbot, wizard, connected):
    config, name, tokens = connected
    w = wizard(config)
    assert w.currentId() == Step.RESUME
    w.pages[Step.RESUME].buttons[Resume.CHANGE_SETTINGS].click()
    w.next()
    assert w.currentId() == Step.SERVICE
    w.next()
    assert w.currentId() == Step.CONNECT
    assert w.state.use_stored_secret and "Connected as" in w.pages[Step.CONNECT].status.text()
    w.next()
    validate = wait_check(qtbot, w)
    assert validate.result.ok, validate.diagnosis
    rotated = keyring.get_password("mailwizard", f"{name}/refresh_token")
    assert rotated != tokens.refresh_token  # stored as soon as the check got it
    w.next()
    w.next()  # save
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    assert keyring.get_password("mailwizard", f"{name}/refresh_token") == rotated


def test_the_saved_sign_in_refreshes_with_the_client_id_of_the_wizards_site_file(
        qtbot, wizard, connected, auth_server, tmp_path, monkeypatch):
    """The wizard reads the site file it was started with and hands its client ID to
    Connect and to the check's refresh; no other site file is looked for."""
    config, name, tokens = connected
    for var in ("MAILWIZARD_GOOGLE_CLIENT_ID", "MAILWIZARD_GOOGLE_CLIENT_SECRET",
                "MAILWIZARD_SITE_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    site = tmp_path / "site.toml"
    site.write_text(f'[oauth.google]\nclient_id = "{auth_server.client_id}"\n'
                    f'client_secret = "{auth_server.client_secret}"\n')
    w = wizard(config, site)
    w.pages[Step.RESUME].buttons[Resume.CHANGE_SETTINGS].click()
    w.next()
    w.next()
    assert w.currentId() == Step.CONNECT
    assert not w.pages[Step.CONNECT].for_it.isVisible()  # sign-in is set up here
    before = len(auth_server.token_requests())
    w.next()
    validate = wait_check(qtbot, w)
    assert validate.result.ok, validate.diagnosis
    assert len(auth_server.token_requests()) == before + 1  # the refresh, with that client


def test_a_personal_microsoft_address_signs_in_through_consumers(
        qtbot, wizard, make_auth_server, browser, ca_file, monkeypatch):
    from mailwizard.core.profile import ServiceType

    server = make_auth_server(client_id=MS_CLIENT_ID, client_secret="")
    monkeypatch.setenv("MAILWIZARD_MICROSOFT_CLIENT_ID", MS_CLIENT_ID)
    monkeypatch.setenv("MAILWIZARD_MICROSOFT_TENANT", "contoso.onmicrosoft.com")
    w = wizard()
    w.pages[Step.SERVICE].buttons[ServiceType.OAUTH].click()
    w.next()
    page = w.pages[Step.CONNECT]
    page.provider_override = {"microsoft": server.provider("microsoft")}
    page.open_browser, page.token_cafile = browser.open, ca_file
    page.choices["microsoft"].click()
    for email, tenant in (("asha.rao@outlook.com", "consumers"),
                          ("office@contoso.com", "contoso.onmicrosoft.com")):
        page.email.clear()
        qtbot.keyClicks(page.email, email)
        qtbot.mouseClick(page.sign_in, Qt.LeftButton)
        qtbot.waitUntil(lambda: not page.busy(), timeout=15000)
        assert "Connected as" in page.status.text(), page.status.text()
        assert server.authorize_requests()[-1]["tenant"] == tenant
        assert server.token_requests()[-1]["tenant"] == tenant
        assert w.state.profile.oauth_tenant in (tenant, "")
        assert w.state.profile.oauth_tenant == ("consumers" if tenant == "consumers" else "")


def test_when_the_daily_check_cannot_be_set_up_the_done_page_says_so(
        qtbot, wizard, smtp_server, ca_file, home, secret_service):
    (home / ".config").mkdir()
    (home / ".config" / "systemd").write_text("in the way")
    srv = smtp_server("starttls")
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    assert wait_check(qtbot, w).result.ok
    w.next()
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    done = w.pages[Step.DONE]
    w.button(QWizard.FinishButton).click()
    qtbot.waitUntil(lambda: done.schedule_done, timeout=10000)
    assert w.isVisible()  # the user reads why before closing
    assert done.schedule_status.text().startswith("The daily check could not be set up: ")
    w.button(QWizard.FinishButton).click()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=5000)


@pytest.mark.parametrize("user_manager", [False, True])
def test_the_done_page_says_what_the_daily_check_will_do_and_when_it_starts(
        qtbot, wizard, smtp_server, ca_file, tmp_path, home, secret_service, user_manager):
    """Issue 23: in plain words, when the check runs and when it warns (never for offline or
    a short server problem). Issue 22 item 13: with no systemd user manager running (a
    remote or headless session), the page says the check starts at the next sign-in, before
    Finish — Finish no longer closes silently on it."""
    if user_manager:  # what a running user manager leaves in XDG_RUNTIME_DIR
        (tmp_path / "run" / "systemd").mkdir()
        (tmp_path / "run" / "systemd" / "private").touch()
    srv = smtp_server("starttls")
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    assert wait_check(qtbot, w).result.ok
    w.next()
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    done = w.pages[Step.DONE]
    text = done.daily_plan.text()
    assert text.startswith("Every day at about 9:30, mailwizard tests these settings in the "
                           "background. It warns you on this computer only when someone needs "
                           "to act")
    assert ("It does not warn when this computer is offline or the email server has a short "
            "problem") in text
    assert "If a server problem lasts more than a day, it warns then." in text
    assert done.daily_plan.isVisibleTo(w)
    later = "the daily check will start the next time you sign in to this computer"
    assert (later in text) == (not user_manager)
    done.daily.setChecked(False)  # the words follow the tick
    assert done.daily_plan.text().startswith("No daily check: nobody will be told")
    done.daily.setChecked(True)
    assert (later in done.daily_plan.text()) == (not user_manager)
    if not user_manager:  # said before Finish, so Finish may close at once
        finish(qtbot, w)
        assert (home / ".config/systemd/user/mailwizard-check.timer").exists()
