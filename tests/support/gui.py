"""Driving the wizard the way a person does: filling the own-server pages, the keyboard, and
the one wait for a check's result (on a condition, never a fixed sleep)."""

from __future__ import annotations

from conftest import PASSWORD, USER
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mailwizard.core.flow import Step

#: a Gmail address of the journeys that change the address after typing a password
GMAIL = "pat.office@gmail.com"


def fill_own_server(qtbot, w, srv, ca_file, *, security="starttls", password=PASSWORD):
    """Service → provider "Other / my own server" → account with the loopback server."""
    assert w.currentId() == Step.SERVICE
    w.next()
    provider = w.pages[Step.PROVIDER]
    qtbot.keyClicks(provider.email, USER)
    qtbot.keyClicks(provider.search, "other")
    provider.list.setCurrentRow(0)
    assert provider.list.currentItem().data(Qt.UserRole) == "custom"
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert w.currentId() == Step.ACCOUNT
    assert account.advanced.isVisible()  # own server: server settings shown at once
    qtbot.keyClicks(account.display_name, "Riverside Society")
    qtbot.keyClicks(account.host, srv.host)
    account.port.setValue(srv.port)
    account.security.setCurrentIndex(account.security.findData(security))
    qtbot.keyClicks(account.cafile, ca_file)
    qtbot.keyClicks(account.secret, password)
    from mailwizard.core.flow import missing
    assert account.isComplete(), missing(Step.ACCOUNT, account.state)
    return account


def start_check(w):
    """The test page starts nothing by itself: press Test now."""
    validate = w.pages[Step.VALIDATE]
    assert w.currentId() == Step.VALIDATE and not validate.busy()
    assert validate.result is None and validate.test_button.isEnabled()
    validate.test_button.click()
    return validate


def start_silent_check(qtbot, w, srv, ca_file):
    """My own server's settings for a server that never greets (it may wait a minute),
    Next, Test now: the check runs, still at its first stage."""
    w.pages[Step.VALIDATE].greeting_wait = 60  # no TLS probe: just a silent server
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    return start_check(w)


def wait_result(qtbot, validate, timeout=15000):
    """The test page has a result and is no longer busy (the check and what follows it)."""
    qtbot.waitUntil(lambda: validate.result is not None and not validate.busy(),
                    timeout=timeout)
    return validate


def wait_check(qtbot, w):
    """On the test page: Test now (unless a check ran or runs), then its result."""
    validate = w.pages[Step.VALIDATE]
    if validate.result is None and not validate.busy():
        start_check(w)
    return wait_result(qtbot, validate)


class Keyboard:
    """Key events only, to the widget with the keyboard focus."""

    def __init__(self, qtbot, w):
        self.qtbot, self.w = qtbot, w

    def focus(self):
        return QApplication.focusWidget()

    def press(self, key, mod=Qt.NoModifier):
        self.qtbot.keyClick(self.focus(), key, mod)

    def alt(self, letter: str):
        self.press(getattr(Qt, "Key_" + letter.upper()), Qt.AltModifier)

    def type(self, text: str):
        self.qtbot.keyClicks(self.focus(), text)

    def replace(self, text: str):
        self.press(Qt.Key_A, Qt.ControlModifier)
        self.type(text)

    def wait_focus(self, widget, what=""):
        self.qtbot.waitUntil(lambda: self.focus() is widget, timeout=3000)

    def at(self, step):
        self.qtbot.waitUntil(lambda: self.w.currentId() == step, timeout=10000)

    def address_to_account(self, address: str) -> None:
        """From the first page: Web mail (the service chosen), the address typed on the
        provider page, Enter: on the account page."""
        from mailwizard.core.flow import Step

        self.wait_focus(self.w.pages[Step.SERVICE].group.checkedButton())
        self.press(Qt.Key_Return)
        self.at(Step.PROVIDER)
        self.wait_focus(self.w.pages[Step.PROVIDER].email)
        self.type(address)
        self.press(Qt.Key_Return)
        self.at(Step.ACCOUNT)

    def server_settings(self, account) -> None:
        """Alt+A opens Advanced on the account page, Alt+V goes to the server's name."""
        self.alt("a")
        self.qtbot.waitUntil(account.advanced.isVisible, timeout=2000)
        self.alt("v")
        self.wait_focus(account.host)

    def server_port_cafile(self, account, host: str, port: int, cafile: str) -> None:
        """On the server's name under Advanced: the server, Alt+O the port, Alt+C the CA
        file, each typed over what the field held."""
        self.replace(host)
        self.alt("o")
        self.wait_focus(account.port)
        self.replace(str(port))
        self.alt("c")
        self.wait_focus(account.cafile)
        self.replace(cafile)

    def test_now(self, key=Qt.Key_Return):
        """On (or on the way to) the test page: Test now has the focus, `key` presses it,
        then the result."""
        self.at(Step.VALIDATE)
        validate = self.w.pages[Step.VALIDATE]
        self.wait_focus(validate.test_button)
        self.press(key)
        return wait_result(self.qtbot, validate)

    def my_password_changed(self):
        """On the page for saved settings: Enter on "My password changed" (chosen first), on
        to the account page with the focus in the password box."""
        self.wait_focus(self.w.pages[Step.RESUME].group.checkedButton())
        self.press(Qt.Key_Return)
        self.at(Step.ACCOUNT)
        account = self.w.pages[Step.ACCOUNT]
        self.wait_focus(account.secret)
        return account
