"""Issue 22, item 12: no stale words. What a page or the side panel says matches what the
user chose and what happened, by keyboard where keys are involved."""

from __future__ import annotations

import uuid

import pytest
from conftest import PASSWORD, USER
from PySide6.QtCore import Qt
from servers import silent
from support.gui import GMAIL, Keyboard, fill_own_server, start_silent_check

from mailwizard.core.checks.smtp import run_check
from mailwizard.core.flow import Step
from mailwizard.core.profile import Profile, ServiceType
from mailwizard.core.store.save import save_settings

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def steps(w) -> str:
    return w.steps_panel.text()


def test_back_on_my_own_server_does_not_say_the_provider_filled_it_in(
        qtbot, wizard, smtp_server, ca_file):
    srv = smtp_server("starttls")
    w = wizard()
    account = fill_own_server(qtbot, w, srv, ca_file)
    assert "already filled in" not in account.subTitle()
    w.next()
    w.back()
    assert w.currentId() == Step.ACCOUNT
    assert "already filled in" not in account.subTitle()
    assert "your mail server's settings" in account.subTitle()


def test_the_side_panel_follows_the_choice_of_service(qtbot, wizard):
    w = wizard()
    k = Keyboard(qtbot, w)
    service = w.pages[Step.SERVICE]
    k.wait_focus(service.buttons[ServiceType.SMTP])
    k.press(Qt.Key_Down)  # Microsoft Exchange
    qtbot.waitUntil(service.buttons[ServiceType.EXCHANGE].isChecked)
    assert "Exchange account" in steps(w) and "Provider" not in steps(w)
    k.press(Qt.Key_Up)  # Web mail again
    qtbot.waitUntil(service.buttons[ServiceType.SMTP].isChecked)
    assert "Exchange account" not in steps(w)
    assert "Provider" in steps(w) and "Account" in steps(w)


def saved(tmp_path, srv, ca_file):
    config = tmp_path / f"{uuid.uuid4().hex}.json"
    profile = Profile(host=srv.host, port=srv.port, security="starttls", username=USER,
                      from_address=USER, display_name="Riverside", cafile=ca_file)
    save_settings(profile, PASSWORD, run_check(profile, PASSWORD), config_path=config)
    return config


def test_on_the_start_page_with_saved_settings_it_is_the_current_step(
        qtbot, wizard, smtp_server, ca_file, tmp_path, secret_service):
    srv = smtp_server("starttls")
    w = wizard(saved(tmp_path, srv, ca_file))
    assert w.currentId() == Step.RESUME
    rows = steps(w).split("<br>")
    assert rows[0].startswith("<b>\u25b8 ") and "Start" in rows[0]  # you are here
    assert not any("\u2714" in r for r in rows)  # nothing is done yet
    assert "Start (you are here)" in w.steps_panel.accessibleDescription()


def test_my_password_changed_shows_the_saved_values_as_values(
        qtbot, wizard, smtp_server, ca_file, tmp_path, secret_service):
    srv = smtp_server("starttls")
    w = wizard(saved(tmp_path, srv, ca_file))
    k = Keyboard(qtbot, w)
    account = k.my_password_changed()
    assert account.saved_note.isVisible() and "Saved" in account.saved_note.text()
    for field in (account.email, account.from_address, account.username,
                  account.display_name):
        # not greyed out like a hint in an empty field: a value that cannot be changed here
        assert field.isEnabled() and field.isReadOnly() and field.text(), field
        assert field.accessibleDescription() == "saved"
    assert account.email.text() == USER


def test_after_stop_the_last_row_does_not_say_a_message_is_still_to_be_sent(
        qtbot, wizard, raw_server, ca_file):
    srv = raw_server(silent)
    w = wizard()
    validate = start_silent_check(qtbot, w, srv, ca_file)
    k = Keyboard(qtbot, w)
    qtbot.waitUntil(validate.busy, timeout=5000)
    k.wait_focus(validate.stop_button)
    k.press(Qt.Key_Space)  # Stop
    qtbot.waitUntil(lambda: not validate.busy(), timeout=5000)
    assert validate.diagnosis.code == "cancelled"
    mark, label, _ms = validate.rows["test_message"]
    assert label.text() == "No test message was sent"
    assert mark.text() == "–" and mark.accessibleName() == "stopped"


def test_gmail_534_asks_to_paste_a_new_app_password(qtbot, wizard, smtp_server, ca_file):
    srv = smtp_server("starttls", reply_to_auth=(
        "534-5.7.9 Application-specific password required. For more information, go to\r\n"
        "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor"))
    w = wizard()
    k = Keyboard(qtbot, w)
    k.wait_focus(w.pages[Step.SERVICE].buttons[ServiceType.SMTP])
    k.press(Qt.Key_Return)
    k.at(Step.PROVIDER)
    k.wait_focus(w.pages[Step.PROVIDER].email)
    k.type(GMAIL)
    k.press(Qt.Key_Return)
    k.at(Step.ACCOUNT)
    account = w.pages[Step.ACCOUNT]
    k.wait_focus(account.secret)
    k.type("my normal google password")
    account.advanced_toggle.setChecked(True)
    account.host.setText(srv.host)
    account.port.setValue(srv.port)
    account.cafile.setText(ca_file)
    account._sync()
    k.press(Qt.Key_Return)
    validate = k.test_now()
    assert validate.diagnosis.code == "app_password_required"
    k.wait_focus(validate.retype)
    assert validate.retype_label.text() == "Paste a new a&pp password:"
    assert validate.retype.accessibleName() == "App password"
    assert "again" not in validate.retype_label.text()
