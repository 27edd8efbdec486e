"""Three journeys done by keyboard only (key events, no clicks), the way a person without a
mouse or with a screen reader goes through the wizard, against a real loopback server and the
real Secret Service. Where the keyboard focus is, is asserted after every step."""

from __future__ import annotations

import json
import uuid

import keyring
import pytest
from conftest import PASSWORD, USER
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from support.gui import Keyboard, wait_result

from mailwizard.core.flow import Step
from mailwizard.core.profile import Profile
from mailwizard.core.store.save import save_settings
from mailwizard.core.checks.smtp import run_check

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # dialogs
GMAIL = "riverside.society@gmail.com"
APP_PASSWORD = "abcd efgh ijkl mnop"


def test_gmail_with_an_app_password(qtbot, wizard, smtp_server, ca_file, secret_service):
    srv = smtp_server("starttls")
    srv.recorder.users[GMAIL] = APP_PASSWORD
    w = wizard()
    k = Keyboard(qtbot, w)
    service = w.pages[Step.SERVICE]
    k.wait_focus(service.group.checkedButton())
    k.press(Qt.Key_Return)  # Next
    k.at(Step.PROVIDER)
    provider = w.pages[Step.PROVIDER]
    k.wait_focus(provider.email)
    k.type(GMAIL)
    assert "Recognised: Gmail" in provider.matched.text()
    k.press(Qt.Key_Return)
    k.at(Step.ACCOUNT)
    account = w.pages[Step.ACCOUNT]
    # Address and user name are filled in: the app password is what is left.
    k.wait_focus(account.secret)
    assert account.secret.accessibleName() == "App password"
    k.type(APP_PASSWORD)
    # The guidance's links are on the Tab path, after the fields.
    link = account.guidance.links[0]
    assert link.button.focusPolicy() & Qt.TabFocus
    # This test's Gmail is on loopback: change the server settings under Advanced.
    k.alt("a")  # a button's Alt key presses it (after its short press animation)
    qtbot.waitUntil(account.advanced.isVisible, timeout=2000)
    k.alt("v")
    k.wait_focus(account.host)
    k.server_port_cafile(account, srv.host, srv.port, ca_file)
    k.press(Qt.Key_Return)
    k.at(Step.VALIDATE)
    validate = w.pages[Step.VALIDATE]
    # Nothing was sent yet: the test, and its message, start when asked.
    k.wait_focus(validate.test_button)
    assert srv.recorder.commands_auth == [] and srv.recorder.messages == []
    assert validate.send_test.isChecked() and validate.test_to.text() == GMAIL
    # Escape asks before throwing the typed settings away; Escape again keeps working.
    k.press(Qt.Key_Escape)
    qtbot.waitUntil(lambda: w._confirm is not None and w._confirm.isVisible())
    k.wait_focus(w._confirm.defaultButton())
    k.press(Qt.Key_Escape)
    qtbot.waitUntil(lambda: not w._confirm.isVisible())
    assert w.isVisible()
    k.wait_focus(validate.test_button)
    k.press(Qt.Key_Return)  # Test now
    wait_result(qtbot, validate)
    assert validate.result.ok, validate.diagnosis
    assert len(srv.recorder.messages) == 1 and srv.recorder.logins == [GMAIL]
    k.wait_focus(w.button(QWizard.NextButton))
    k.press(Qt.Key_Return)
    k.at(Step.SAVE)
    k.wait_focus(w.button(QWizard.CommitButton))
    k.press(Qt.Key_Return)  # Save
    k.at(Step.DONE)
    k.wait_focus(w.button(QWizard.FinishButton))
    assert "tested just now" in w.pages[Step.DONE].card_text.text()
    assert keyring.get_password("mailwizard", "default/password") == APP_PASSWORD
    assert len(srv.recorder.messages) == 1  # one test message in the whole run


def test_own_server_wrong_security_fix_save_and_back_shows_the_fix(
        qtbot, wizard, smtp_server, ca_file, tmp_path, secret_service):
    srv = smtp_server("starttls")
    w = wizard()
    k = Keyboard(qtbot, w)
    k.wait_focus(w.pages[Step.SERVICE].group.checkedButton())
    k.press(Qt.Key_Return)
    k.at(Step.PROVIDER)
    provider = w.pages[Step.PROVIDER]
    k.wait_focus(provider.email)
    k.type(USER)
    assert provider.list.currentItem() is None
    assert "choose your email provider" in provider.needs.text()  # why Next is off
    k.alt("f")
    k.wait_focus(provider.search)
    k.type("other / my own")  # one result: it is chosen
    assert provider.list.currentItem().data(Qt.UserRole) == "custom"
    assert not provider.needs.isVisible()
    k.press(Qt.Key_Return)
    k.at(Step.ACCOUNT)
    account = w.pages[Step.ACCOUNT]
    assert account.advanced.isVisible()  # own server: its settings are shown at once
    k.wait_focus(account.secret)  # the first empty field
    k.type(PASSWORD)
    k.alt("v")
    k.wait_focus(account.host)
    k.type(srv.host)
    k.alt("o")
    k.replace(str(srv.port))
    k.alt("s")
    k.wait_focus(account.security)
    tls = account.security.findData("tls")
    while account.security.currentIndex() != tls:
        k.press(Qt.Key_Down)
    assert "Always On" in account.security.currentText()
    k.alt("c")
    k.type(ca_file)
    k.press(Qt.Key_Return)
    validate = k.test_now(Qt.Key_Space)
    assert validate.diagnosis.code == "starttls_expected"
    # Technical words only under Details; the headline is read out as an alert.
    assert "ssl" not in validate.explanation.text().lower().replace("ssl/tls", "")
    k.wait_focus(validate.fix_button)
    k.press(Qt.Key_Return)  # Apply this fix and retry
    qtbot.waitUntil(lambda: validate.result is not None and validate.result.ok, timeout=15000)
    k.wait_focus(w.button(QWizard.NextButton))
    k.press(Qt.Key_Return)
    k.at(Step.SAVE)
    k.wait_focus(w.button(QWizard.CommitButton))
    k.alt("b")  # Back to the test: the passed result is shown, not repeated
    k.at(Step.VALIDATE)
    assert validate.result.ok and len(srv.recorder.logins) == 1
    k.wait_focus(w.button(QWizard.NextButton))
    k.alt("b")
    k.at(Step.ACCOUNT)
    # The account page shows the fixed value, and editing another field keeps it.
    assert account.advanced.isVisible() and account.security.isVisible()
    assert account.security.currentData() == "starttls"
    assert "STARTTLS" in account.security.currentText()
    k.wait_focus(account.email)
    k.alt("o")
    k.wait_focus(account.port)
    k.press(Qt.Key_Return)  # Enter in Port: Next, with the fixed setting
    k.at(Step.VALIDATE)
    assert w.state.profile.security.value == "starttls"
    k.alt("b")
    k.at(Step.ACCOUNT)
    k.alt("m")
    k.wait_focus(account.display_name)
    k.type("Riverside Society")
    assert w.state.profile.security.value == "starttls"
    k.press(Qt.Key_Return)
    k.at(Step.VALIDATE)
    k.wait_focus(validate.test_button)  # settings changed: test again when asked
    k.press(Qt.Key_Return)
    wait_result(qtbot, validate)
    assert validate.result.ok
    k.wait_focus(w.button(QWizard.NextButton))
    k.press(Qt.Key_Return)
    k.at(Step.SAVE)
    k.alt("s")
    k.at(Step.DONE)
    config = json.loads((tmp_path / "mail-settings.json").read_text())
    assert config["profile"]["security"] == "starttls"
    assert config["profile"]["display_name"] == "Riverside Society"


def test_my_password_changed_after_a_failed_sign_in(qtbot, wizard, smtp_server, ca_file,
                                                    tmp_path, secret_service):
    srv = smtp_server("starttls")
    config = tmp_path / f"{uuid.uuid4().hex}.json"
    profile = Profile(host=srv.host, port=srv.port, security="starttls", username=USER,
                      from_address=USER, display_name="Riverside", cafile=ca_file)
    save_settings(profile, PASSWORD, run_check(profile, PASSWORD), config_path=config)
    new_password = "the new one 2026!"
    srv.recorder.users[USER] = new_password  # the password was changed at the provider
    w = wizard(config)
    k = Keyboard(qtbot, w)
    resume = w.pages[Step.RESUME]
    k.wait_focus(resume.group.checkedButton())
    assert "Keep every setting" in resume.group.checkedButton().accessibleDescription()
    k.press(Qt.Key_Return)
    k.at(Step.ACCOUNT)
    account = w.pages[Step.ACCOUNT]
    k.wait_focus(account.secret)
    k.type("my old password")  # a mistake: the old one
    k.press(Qt.Key_Return)
    validate = k.test_now()
    assert validate.diagnosis.code == "auth_failed"
    assert validate.headline.text() == "The test failed."
    assert "Other / my own server" not in validate.explanation.text()
    # The password can be typed again right here...
    k.wait_focus(validate.retype)
    # ...or on the account page: Back puts the focus in the password box.
    k.alt("b")
    k.at(Step.ACCOUNT)
    k.wait_focus(account.secret)
    assert account.secret.selectedText() == "my old password"  # typing replaces it
    k.press(Qt.Key_Return)
    k.at(Step.VALIDATE)
    k.wait_focus(validate.test_button)
    k.press(Qt.Key_Return)
    wait_result(qtbot, validate)
    k.wait_focus(validate.retype)
    k.type(new_password)
    k.press(Qt.Key_Return)  # Test with this password
    qtbot.waitUntil(lambda: validate.result is not None and validate.result.ok, timeout=15000)
    k.wait_focus(w.button(QWizard.NextButton))
    k.press(Qt.Key_Return)
    k.at(Step.SAVE)
    k.wait_focus(w.button(QWizard.CommitButton))
    k.press(Qt.Key_Return)
    k.at(Step.DONE)
    assert keyring.get_password("mailwizard", "default/password") == new_password
    assert json.loads(config.read_text())["profile"]["security"] == "starttls"
