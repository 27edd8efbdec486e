"""Issue 22, item 1: a password never follows the user to another server, and the test
message follows the address. Keyboard only, against two real loopback servers (aiosmtpd) that
record every AUTH and every RCPT TO."""

from __future__ import annotations

import uuid

import pytest
from conftest import PASSWORD, USER
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from support.gui import GMAIL, Keyboard, wait_result

from mailwizard.core import i18n
from mailwizard.core.flow import Resume, Step
from mailwizard.core.profile import Profile
from mailwizard.core.store.config import SavedSettings, write_config
from mailwizard.core.store.secrets import SecretRef

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
APP_PASSWORD = "abcd efgh ijkl mnop"
OWN = "pat@riverside-society.example"
OWN_PASSWORD = "the own server's password"
CLEARED = "The password was cleared because the server changed."


def gmail_leg(qtbot, w, k, srv, ca_file):
    """Gmail address, app password, the server moved to loopback under Advanced, Test now:
    a test message goes to the Gmail address."""
    service = w.pages[Step.SERVICE]
    k.wait_focus(service.group.checkedButton())
    k.press(Qt.Key_Return)
    k.at(Step.PROVIDER)
    provider = w.pages[Step.PROVIDER]
    k.wait_focus(provider.email)
    k.type(GMAIL)
    k.press(Qt.Key_Return)
    k.at(Step.ACCOUNT)
    account = w.pages[Step.ACCOUNT]
    k.wait_focus(account.secret)
    k.type(APP_PASSWORD)
    k.server_settings(account)
    k.server_port_cafile(account, srv.host, srv.port, ca_file)
    k.press(Qt.Key_Return)
    k.at(Step.VALIDATE)
    validate = w.pages[Step.VALIDATE]
    k.wait_focus(validate.test_button)
    assert validate.test_to.text() == GMAIL
    k.press(Qt.Key_Return)
    wait_result(qtbot, validate)
    assert validate.result.ok, validate.diagnosis
    assert srv.recorder.rcpt_seen == [GMAIL]
    return account, validate


def back_to_an_own_server(qtbot, w, k):
    """Back twice, another address on an own domain, "Other / my own server", Next."""
    k.alt("b")
    k.at(Step.ACCOUNT)
    k.alt("b")
    k.at(Step.PROVIDER)
    provider = w.pages[Step.PROVIDER]
    k.wait_focus(provider.email)
    k.replace(OWN)
    k.alt("f")
    k.wait_focus(provider.search)
    k.type("other / my own")
    assert provider.list.currentItem().data(Qt.UserRole) == "custom"
    k.press(Qt.Key_Return)
    k.at(Step.ACCOUNT)


def test_change_address_after_typing_a_password(qtbot, wizard_language, wizard, smtp_server,
                                                ca_file):
    gmail = smtp_server("starttls")
    gmail.recorder.users = {GMAIL: APP_PASSWORD}
    own = smtp_server("starttls")
    own.recorder.users = {OWN: OWN_PASSWORD}
    w = wizard()
    k = Keyboard(qtbot, w)
    account, validate = gmail_leg(qtbot, w, k, gmail, ca_file)
    k.wait_focus(w.button(QWizard.NextButton))
    back_to_an_own_server(qtbot, w, k)
    # The server settings of my own server; the password box is left as it is.
    k.alt("v")
    k.wait_focus(account.host)
    k.server_port_cafile(account, own.host, own.port, ca_file)
    # Next and Test now with the password box as it is: the Gmail app password must not
    # go along (today's code sent it to this server).
    k.press(Qt.Key_Return)
    qtbot.waitUntil(lambda: w.currentId() == Step.ACCOUNT or k.focus() is validate.test_button)
    k.press(Qt.Key_Return)
    qtbot.waitUntil(lambda: w.currentId() == Step.ACCOUNT or (
        validate.result is not None and not validate.busy()), timeout=15000)
    assert all(pw != APP_PASSWORD for _user, pw in own.recorder.passwords_tried), \
        own.recorder.passwords_tried
    assert w.currentId() == Step.ACCOUNT and not w.button(QWizard.NextButton).isEnabled()
    assert i18n._("enter the password") in account.needs.text()
    assert account.secret_note.text() == i18n._(CLEARED)
    k.alt("p")
    k.wait_focus(account.secret)
    k.replace(OWN_PASSWORD)
    assert w.button(QWizard.NextButton).isEnabled(), account.needs.text()
    k.press(Qt.Key_Return)
    k.at(Step.VALIDATE)
    k.wait_focus(validate.test_button)
    k.press(Qt.Key_Return)  # Test now
    wait_result(qtbot, validate)
    # The own server never saw the Gmail app password, and the message went to the new
    # address, not the old one.
    assert all(pw != APP_PASSWORD for _user, pw in own.recorder.passwords_tried), \
        own.recorder.passwords_tried
    assert own.recorder.rcpt_seen == [OWN]
    assert validate.result.ok, validate.diagnosis
    assert GMAIL not in validate.sent_note.text() or validate.sent_note.isHidden()
    assert gmail.recorder.rcpt_seen == [GMAIL]  # nothing more went there
    assert len(gmail.recorder.passwords_tried) == 1


def test_the_page_says_why_the_password_box_is_empty(qtbot, wizard, smtp_server, ca_file):
    gmail = smtp_server("starttls")
    gmail.recorder.users = {GMAIL: APP_PASSWORD}
    w = wizard()
    k = Keyboard(qtbot, w)
    account, validate = gmail_leg(qtbot, w, k, gmail, ca_file)
    k.wait_focus(w.button(QWizard.NextButton))
    back_to_an_own_server(qtbot, w, k)
    assert account.secret.text() == "" and w.state.secret == ""
    assert account.secret_note.isVisibleTo(account)
    assert account.secret_note.text() == CLEARED
    assert CLEARED in account.secret.accessibleDescription()  # read with the field
    assert not w.button(QWizard.NextButton).isEnabled()
    k.alt("p")
    k.wait_focus(account.secret)
    k.type(OWN_PASSWORD)
    assert account.secret_note.isHidden()  # a new password typed: the note has done its job


def test_the_test_message_follows_the_address(qtbot, wizard, smtp_server, ca_file):
    gmail = smtp_server("starttls")
    gmail.recorder.users = {GMAIL: APP_PASSWORD}
    w = wizard()
    k = Keyboard(qtbot, w)
    account, validate = gmail_leg(qtbot, w, k, gmail, ca_file)
    k.wait_focus(w.button(QWizard.NextButton))
    back_to_an_own_server(qtbot, w, k)
    k.alt("v")
    k.wait_focus(account.host)
    k.type("127.0.0.1")
    k.alt("p")
    k.wait_focus(account.secret)
    k.replace(OWN_PASSWORD)
    k.press(Qt.Key_Return)
    k.at(Step.VALIDATE)
    assert validate.test_to.text() == OWN
    # A message went to the Gmail address, none to this one yet: the box is ticked and
    # nothing says "already sent".
    assert validate.send_test.isChecked() and validate.sent_note.isHidden()
    assert GMAIL not in validate.sent_note.text()


def test_a_recipient_the_user_typed_stays(qtbot, wizard, smtp_server, ca_file):
    gmail = smtp_server("starttls")
    gmail.recorder.users = {GMAIL: APP_PASSWORD}
    w = wizard()
    k = Keyboard(qtbot, w)
    account, validate = gmail_leg(qtbot, w, k, gmail, ca_file)
    k.wait_focus(w.button(QWizard.NextButton))
    validate.test_to.setFocus()
    k.wait_focus(validate.test_to)
    k.replace("it@riverside-society.example")
    back_to_an_own_server(qtbot, w, k)
    k.alt("v")
    k.wait_focus(account.host)
    k.type("127.0.0.1")
    k.alt("p")
    k.type(OWN_PASSWORD)
    k.press(Qt.Key_Return)
    k.at(Step.VALIDATE)
    assert validate.test_to.text() == "it@riverside-society.example"


def saved_config(tmp_path, srv, ca_file):
    config = tmp_path / f"{uuid.uuid4().hex}.json"
    profile = Profile(host=srv.host, port=srv.port, security="starttls", username=USER,
                      from_address=USER, cafile=ca_file)
    write_config(SavedSettings(profile=profile, secret=SecretRef("default")), config)
    return config


@pytest.mark.parametrize("field,value", [("port", "2525"), ("username", "other@example.org"),
                                         ("email", "other@society.example.org")])
def test_the_saved_password_is_not_offered_for_another_port_user_or_address(
        qtbot, wizard, smtp_server, ca_file, tmp_path, field, value):
    srv = smtp_server("starttls")
    w = wizard(saved_config(tmp_path, srv, ca_file))
    w.pages[Step.RESUME].buttons[Resume.CHANGE_SETTINGS].setChecked(True)
    w.next()
    w.next()
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert account.keep_secret.isChecked() and w.state.use_stored_secret
    account.advanced_toggle.setChecked(True)
    widget = getattr(account, field)
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(widget, value)
    assert not account.keep_secret.isChecked() and not account.keep_secret.isEnabled()
    assert not w.state.use_stored_secret and w.stored_secret_ref() is None


def test_a_new_password_typed_on_my_password_changed_does_not_follow_start_over(
        qtbot, wizard, smtp_server, ca_file, tmp_path):
    srv = smtp_server("starttls")
    w = wizard(saved_config(tmp_path, srv, ca_file))
    k = Keyboard(qtbot, w)
    account = k.my_password_changed()
    k.type(PASSWORD)
    k.alt("b")
    k.at(Step.RESUME)
    k.alt("o")  # Start over
    qtbot.waitUntil(w.pages[Step.RESUME].buttons[Resume.START_OVER].isChecked)
    k.press(Qt.Key_Return)
    k.at(Step.SERVICE)
    k.press(Qt.Key_Return)
    k.at(Step.PROVIDER)
    k.wait_focus(w.pages[Step.PROVIDER].email)
    k.type(OWN)
    k.alt("f")
    k.type("other / my own")
    k.press(Qt.Key_Return)
    k.at(Step.ACCOUNT)
    assert account.secret.text() == "" and w.state.secret == ""
    assert account.secret_note.text() == CLEARED and account.secret_note.isVisibleTo(account)


def test_a_fix_that_names_another_server_asks_for_its_password(qtbot, wizard):
    """Gmail with a mistyped server name: the fix "Connect to smtp.gmail.com" is another
    server than the one the password went along to, so the page asks for the password again
    (for that server) instead of sending it there by itself."""
    w = wizard()
    k = Keyboard(qtbot, w)
    k.address_to_account(GMAIL)
    account = w.pages[Step.ACCOUNT]
    k.wait_focus(account.secret)
    k.type(APP_PASSWORD)
    k.server_settings(account)
    k.replace("smtp.gmail.invalid")  # .invalid never resolves: no packet leaves the machine
    k.press(Qt.Key_Return)
    validate = k.test_now()
    assert validate.diagnosis.code == "unknown_host"
    assert validate.diagnosis.suggestion == {"host": "smtp.gmail.com"}
    k.wait_focus(validate.fix_button)
    k.press(Qt.Key_Return)  # Apply this fix and retry
    k.wait_focus(validate.retype)
    assert validate.headline.text() == CLEARED
    assert not validate.busy() and w.state.secret == ""
    assert w.state.profile.host == "smtp.gmail.com"
    assert validate.retype_label.text() == "Paste the a&pp password again:"
