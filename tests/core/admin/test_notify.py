"""The desktop warning of a failed scheduled check, received by a real freedesktop
Notifications service of our own (tests/notification_service.py) on a private D-Bus session
bus (a real dbus-daemon) or on the test session's bus: the words, the action that opens the
wizard on the right path, and no second warning for the same failure within a day."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid

import pytest
from conftest import PASSWORD, USER
from notification_service import NotificationService, PrivateBus
from support.cli import mailwizard

from mailwizard.core import exitcodes as ec
from mailwizard.core.admin import notify
from mailwizard.core.profile import Profile


@pytest.fixture
def bus(monkeypatch):
    b = PrivateBus()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", b.address)
    yield b
    b.stop()


@pytest.fixture
def service_on(request):
    started = []

    def start(address, click=None):
        s = NotificationService(address, click=click).start()
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


GMAIL = Profile(host="smtp.gmail.com", port=587, security="starttls", username=USER,
                from_address=USER, provider_id="gmail")


def test_a_refused_gmail_app_password_warns_in_plain_words_and_the_button_opens_the_wizard(
        bus, service_on, tmp_path):
    svc = service_on(bus.address, click=notify.ACTION)
    opened = []
    config = tmp_path / "mail-settings.json"
    alert = notify.alert_for(GMAIL, ec.AUTH)
    assert notify.warn(config, alert, wait=10, on_action=opened.append) == "shown"
    assert len(svc.received) == 1
    n = svc.received[0]
    assert n.summary == "Your ERP's email stopped working"
    assert n.body.startswith(f"Gmail refused the app password for {USER}.")
    assert "Open mailwizard to enter a new app password." in n.body
    assert n.actions == ["default", "My password changed", "fix", "My password changed"]
    assert n.hints["desktop-entry"] == ("s", "org.mailwizard.MailWizard")
    assert n.app_name == "mailwizard"
    assert opened == ["password_changed"]  # the click opened the wizard on that path
    assert notify.wizard_command("password_changed", config)[-5:] == [
        "gui", "--resume", "password_changed", "--config", str(config)]


def test_the_same_failure_is_announced_once_until_a_check_passes(bus, service_on, tmp_path):
    """Issue 23: a warning repeated every day is soon ignored. The same failure is said once
    (a day later, a week later: not again); another failure is news; a passing check
    forgets, so the next failure is news at once."""
    svc = service_on(bus.address)
    config = tmp_path / "mail-settings.json"
    alert = notify.alert_for(GMAIL, ec.AUTH)
    now = time.time()
    assert notify.warn(config, alert, now=now) == "shown"
    assert notify.warn(config, alert, now=now + 3600) == "repeat"
    assert notify.warn(config, alert, now=now + 25 * 3600) == "repeat"
    assert notify.warn(config, alert, now=now + 7 * 24 * 3600) == "repeat"
    assert len(svc.received) == 1
    other = notify.alert_for(GMAIL, ec.CONNECT)  # another failure is news
    assert notify.warn(config, other, now=now + 8 * 24 * 3600) == "shown"
    assert len(svc.received) == 2
    notify.forget(config)  # a passing check: the next failure is news at once
    assert notify.warn(config, alert, now=now + 9 * 24 * 3600) == "shown"
    assert len(svc.received) == 3


def test_closing_the_notification_ends_the_wait_without_opening_anything(bus, service_on,
                                                                        tmp_path):
    service_on(bus.address, click="close")
    opened, done = [], threading.Event()
    threading.Thread(target=lambda: (notify.warn(tmp_path / "m.json", notify.alert_for(
        GMAIL, ec.AUTH), wait=30, on_action=opened.append), done.set()), daemon=True).start()
    # the condition: the close ended the wait (of 30 s), not how fast it did
    assert done.wait(20), "the wait did not end when the notification was closed"
    assert opened == []


def test_sign_in_again_for_a_connected_account():
    p = Profile(service="oauth", auth="oauth2", host="smtp.office365.com", port=587,
                security="starttls", username=USER, from_address=USER,
                oauth_provider="microsoft")
    a = notify.alert_for(p, ec.SIGN_IN_AGAIN)
    assert a.action_label == "Sign in again" and a.resume == "password_changed"
    assert a.body.startswith("Microsoft no longer accepts mailwizard's sign-in")
    assert "sign in again" in a.body


def test_without_a_notification_service_the_check_still_ends(bus, tmp_path):
    outcome = notify.warn(tmp_path / "m.json", notify.alert_for(GMAIL, ec.AUTH))
    assert outcome.startswith("not shown")
    assert not notify.notified_path(tmp_path / "m.json").exists()  # tried again next time


def run_check(config, *extra, env=None):
    return mailwizard("check", "--config", str(config), "--notify", *extra, env=env,
                      timeout=120)


def test_check_notify_end_to_end_for_a_server_that_cannot_be_reached(bus, service_on,
                                                                    tmp_path):
    """No keyring needed: a relay without login whose server is gone. A refused connection
    is temporary (issue 23): the run tries three times (the clock is virtual, so the 10
    minutes pass at once), records "temporarily failing since …" and does not warn; the next
    day's run, still refused, warns once, saying since when; the day after, no repeat."""
    from servers import closed_port

    from mailwizard.core.store.config import SavedSettings, write_config

    config = tmp_path / "mail-settings.json"
    relay = Profile(host="127.0.0.1", port=closed_port(), security="none", auth="none",
                    username="", from_address=USER, timeout=3.0)
    write_config(SavedSettings(profile=relay, secret=None, profile_name="default"), config)
    svc = service_on(bus.address)
    day1 = {"MAILWIZARD_CLOCK": "2027-03-01T09:30:00+00:00"}
    p = run_check(config, "--notify-wait", "0", env=day1)
    assert p.returncode == ec.CONNECT, p.stderr
    assert svc.received == []
    record = json.loads(config.with_name("mail-settings.last-check.json").read_text())
    assert record["command"] == "check" and record["exit_code"] == ec.CONNECT
    assert (record["meaning"], record["status"], record["tries"]) == ("temporary",
                                                                      "temporary", 3)
    assert record["failing"]["since"] == "2027-03-01T09:30:00+00:00"
    assert "failing since 2027-03-01T09:30:00+00:00" in p.stdout
    p = run_check(config, "--notify-wait", "0",
                  env={"MAILWIZARD_CLOCK": "2027-03-02T09:30:00+00:00", "TZ": "UTC"})
    assert p.returncode == ec.CONNECT and len(svc.received) == 1
    n = svc.received[0]
    assert n.summary == "Your ERP's email stopped working"
    assert n.body.startswith("The server 127.0.0.1 refused a connection on port ")
    assert "This has lasted since 2027-03-01 09:30." in n.body
    assert n.body.endswith(" Open mailwizard to see what to do.")
    assert n.actions[1] == "Open mailwizard"
    p = run_check(config, "--notify-wait", "0",
                  env={"MAILWIZARD_CLOCK": "2027-03-03T09:30:00+00:00"})
    assert p.returncode == ec.CONNECT and len(svc.received) == 1  # said once


def test_check_notify_on_the_session_bus_for_a_changed_password(service_on, smtp_server,
                                                                 ca_file, tmp_path,
                                                                 secret_service):
    """The real case: the saved password stopped working. The test session's own bus (with
    the keyring on it) carries the notification."""
    srv = smtp_server("starttls")
    config = tmp_path / "mail-settings.json"
    name = f"notify{uuid.uuid4().hex[:6]}"
    p = mailwizard("save", "--provider", "gmail", "--host", "127.0.0.1",
                   "--port", str(srv.port), "--security", "starttls", "--username", USER,
                   "--from", USER, "--cafile", ca_file, "--password-stdin", "--config",
                   str(config), "--profile-name", name, stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stderr
    svc = service_on(os.environ["DBUS_SESSION_BUS_ADDRESS"])
    assert run_check(config, "--notify-wait", "0").returncode == ec.OK
    assert svc.received == []
    srv.recorder.users[USER] = "the new password"  # changed at the provider
    p = run_check(config, "--notify-wait", "0")
    assert p.returncode == ec.AUTH
    assert "My password changed" in p.stdout
    assert len(svc.received) == 1
    n = svc.received[0]
    print("\nNOTIFICATION RECEIVED BY THE TEST SERVICE:", n)
    assert n.summary == "Your ERP's email stopped working"
    assert n.body == (f"Gmail refused the app password for {USER}. Google cancels app "
                      "passwords when the account's password changes. Open mailwizard to "
                      "enter a new app password.")
    assert n.actions == ["default", "My password changed", "fix", "My password changed"]
    assert run_check(config, "--notify-wait", "0").returncode == ec.AUTH
    assert len(svc.received) == 1  # not twice within the day
    assert PASSWORD not in json.dumps([n.__dict__ for n in svc.received])
