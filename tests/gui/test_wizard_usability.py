"""What people trying the wizard ran into (issue 11), each shown fixed: reasons beside a
disabled Next, links that work without a browser, elapsed seconds on a slow stage, Copy
details feedback, a selectable fingerprint, colours readable on a dark high-contrast theme,
a quiet close during a test, plain words."""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWizard
from servers import silent
from support.gui import fill_own_server, start_check, start_silent_check, wait_check

from mailwizard.core.flow import Step
from mailwizard.gui import style


def test_next_says_why_it_is_off_without_touching_a_field(qtbot, wizard):
    w = wizard()
    w.next()
    provider = w.pages[Step.PROVIDER]
    qtbot.keyClicks(provider.email, "office@riverside-society.org")  # not a known provider
    assert not w.button(QWizard.NextButton).isEnabled()
    assert provider.needs.isVisible()
    assert provider.needs.text() == "To go on: choose your email provider."
    assert w.button(QWizard.NextButton).accessibleDescription() == provider.needs.text()
    provider.email.clear()
    # (.local and other internal names are accepted now: issue 13) a name mail cannot use:
    qtbot.keyClicks(provider.email, "office@society..org")
    qtbot.keyClicks(provider.search, "other")
    assert provider.list.currentItem() is not None  # the one result is chosen
    w.next()
    account = w.pages[Step.ACCOUNT]
    # The pre-filled address is wrong: its error shows although the field was not touched.
    assert account.errors["email"].isVisible()
    assert "not a valid email address" in account.errors["email"].text()
    assert account.email.accessibleDescription() == account.errors["email"].text()
    assert "Email address: this is not a valid email address" in account.needs.text()
    # No server yet: the subtitle does not claim the settings are filled in.
    assert "already filled in" not in account.subTitle()


@pytest.mark.qt_log_ignore(r"This plugin does not support QPlatformServices::openUrl")
def test_a_link_without_a_browser_shows_the_address_with_copy(qtbot, wizard, monkeypatch,
                                                              tmp_path):
    # A desktop without a browser, for real: nothing in mailwizard is replaced. Qt's own
    # openUrl fails (the offscreen platform has no services, and its warning is the one
    # expected here; on X11 there would be no xdg-open: the PATH holds no programs).
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    w = wizard()
    w.next()
    qtbot.keyClicks(w.pages[Step.PROVIDER].email, "riverside.society@gmail.com")
    w.next()
    link = w.pages[Step.ACCOUNT].guidance.links[0]
    link.button.setFocus()
    qtbot.keyClick(link.button, Qt.Key_Space)  # keyboard: Space presses the link
    qtbot.waitUntil(lambda: link.fallback.isVisible())
    assert link.address.text() == link.url
    qtbot.waitUntil(lambda: QApplication.focusWidget() is link.address)
    assert link.address.isReadOnly() and link.address.selectedText() == link.url
    link.copy.click()
    assert QApplication.clipboard().text() == link.url and link.copy.text() == "Copied"


def test_a_slow_stage_shows_seconds_and_what_it_waits_for(qtbot, wizard, raw_server, ca_file,
                                                          monkeypatch):
    from mailwizard.gui.pages import validate_stages

    monkeypatch.setattr(validate_stages, "SLOW_SECONDS", 1)
    srv = raw_server(silent)
    w = wizard()
    validate = start_silent_check(qtbot, w, srv, ca_file)
    mark, label, seconds = validate.rows["connect"]
    qtbot.waitUntil(lambda: re.fullmatch(r"[1-9]\d* s", seconds.text()) is not None,
                    timeout=5000)
    qtbot.waitUntil(lambda: "waiting for the server to answer" in label.text(), timeout=5000)
    validate.stop_button.click()
    qtbot.waitUntil(lambda: not validate.busy(), timeout=2000)
    assert label.text() == "Connect to the server"


def test_copy_details_says_it_copied_and_the_fingerprint_is_a_keyboard_field(
        qtbot, wizard, smtp_server, ca_file, untrusted_ctx):
    srv = smtp_server("starttls", ctx=untrusted_ctx)
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    validate = wait_check(qtbot, w)
    assert validate.diagnosis.code == "certificate_untrusted"
    fp = validate.fingerprint
    assert fp.isVisible() and fp.isReadOnly() and fp.focusPolicy() & Qt.TabFocus
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", fp.text())
    assert validate.fingerprint_label.buddy() is fp
    assert validate.copied.text() == ""
    validate.copy_button.click()
    assert validate.copied.text().startswith("Copied.")
    assert "certificate_untrusted" in QApplication.clipboard().text()


def high_contrast_dark() -> QPalette:
    p = QPalette()
    for role, colour in ((QPalette.Window, "#000000"), (QPalette.WindowText, "#ffffff"),
                         (QPalette.Base, "#0a0a0a"), (QPalette.Text, "#ffffff"),
                         (QPalette.Button, "#101010"), (QPalette.ButtonText, "#ffffff"),
                         (QPalette.PlaceholderText, "#c0c0c0")):
        p.setColor(role, QColor(colour))
    return p


@pytest.mark.parametrize("palette", ["default", "dark-high-contrast"])
def test_status_colours_are_readable_on_the_theme(qtbot, wizard, smtp_server, ca_file,
                                                  palette):
    app = QApplication.instance()
    old = app.palette()
    if palette != "default":
        app.setPalette(high_contrast_dark())
    try:
        background = app.palette().color(QPalette.Window)
        for meaning in ("error", "ok", "warning", "muted"):
            assert style.contrast(QColor(style.colour(meaning)), background) >= 4.5, meaning
        srv = smtp_server("starttls")
        w = wizard()
        fill_own_server(qtbot, w, srv, ca_file, security="tls")
        w.next()
        validate = wait_check(qtbot, w)
        headline = re.search(r"color: (#[0-9a-f]{6})", validate.headline.styleSheet()).group(1)
        assert style.contrast(QColor(headline), background) >= 4.5
        error = re.search(r"color: (#[0-9a-f]{6})",
                          w.pages[Step.ACCOUNT].errors["email"].styleSheet()).group(1)
        assert style.contrast(QColor(error), background) >= 4.5
    finally:
        app.setPalette(old)


def test_closing_during_a_test_stops_the_worker_quietly(qtbot, raw_server, ca_file, tmp_path,
                                                        capfd):
    """The window is closed and deleted while its check waits on a silent server: the
    worker ends without a word on stderr (it used to print "Signal source has been
    deleted" tracebacks)."""
    from mailwizard.gui.app import create_wizard, make_application

    make_application([])
    srv = raw_server(silent)
    w = create_wizard(tmp_path / "settings.json")
    w.pages[Step.VALIDATE].greeting_wait = 60
    w.show()
    qtbot.waitExposed(w)
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    start_check(w)
    qtbot.waitUntil(lambda: srv.connections == 1, timeout=5000)
    pool = w.pool
    w.done(0)
    w.deleteLater()
    qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=2000)
    qtbot.wait(100)  # anything the worker still had to say would arrive now
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Signal source has been deleted" not in err


def test_plain_words_with_technical_detail_under_details(qtbot, wizard, smtp_server, ca_file):
    srv = smtp_server("starttls")
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file, password="not the password")
    w.next()
    validate = wait_check(qtbot, w)
    text = validate.explanation.text()
    assert "The mail server did not accept the user name and password" in text
    assert "Other / my own server" not in text and "535" not in text
    assert "535" in validate.details.text.toPlainText()  # the server's words, for IT
    assert not validate.details.text.isVisible()  # folded until asked for
    # Times in seconds, not milliseconds.
    assert all(not t.text() or t.text().endswith(" s") for _, _, t in validate.rows.values())
    # The ERP words for the security choices.
    account = w.pages[Step.ACCOUNT]
    texts = [account.security.itemText(i) for i in range(account.security.count())]
    assert any("Always On" in t and "465" in t for t in texts)
    assert any("Enable SSL" in t and "Opportunistic" in t and "587" in t for t in texts)
    assert srv.recorder.commands_auth == ["PLAIN"]
    assert PASSWORD not in validate.details.text.toPlainText()


def test_page_down_scrolls_to_the_help_below_the_fold(qtbot, wizard):
    w = wizard()
    w.resize(800, 600)
    w.next()
    qtbot.keyClicks(w.pages[Step.PROVIDER].email, "riverside.society@gmail.com")
    w.next()
    account = w.pages[Step.ACCOUNT]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is account.secret)
    bar = account.scroll.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0  # the help goes below the fold here
    qtbot.keyClick(account.secret, Qt.Key_PageDown)
    assert bar.value() > 0 and QApplication.focusWidget() is account.secret
    for _ in range(10):
        qtbot.keyClick(account.secret, Qt.Key_PageDown)
    assert bar.value() == bar.maximum()
    last = account.guidance.layout_.itemAt(account.guidance.layout_.count() - 2).widget()
    assert not last.visibleRegion().isEmpty()  # the last paragraph is in view
    qtbot.keyClick(account.secret, Qt.Key_PageUp)
    assert bar.value() < bar.maximum()
