"""The wizard, driven like a person would, against real loopback servers and the real
Secret Service. Waits are on conditions and signals, never fixed sleeps."""

from __future__ import annotations

import json
import uuid

import keyring
import pytest
from conftest import PASSWORD, USER
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard
from oauth_server import auth_server, browser, make_auth_server, xoauth2_smtp_server  # noqa: F401
from servers import silent
from support.gui import fill_own_server, start_check, start_silent_check, wait_check, wait_result

from mailwizard.core.flow import Resume, Step
from mailwizard.core.profile import Profile
from mailwizard.core.store.save import save_settings
from mailwizard.core.checks.smtp import run_check
from mailwizard.gui.app import make_application


#: the offscreen platform says this when a dialog (the "close without saving?" question) sets
#: its fixed size; it is not a problem of the wizard
DIALOG_SIZE = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def page(w):
    return w.currentPage()


def close_without_saving(qtbot, w):
    """Cancel asks first; the answer "Close without saving" closes (the callers show that it
    closed while their server still stalled: how fast is for benchmarks)."""
    w.reject()
    box = w._confirm
    assert box is not None and box.isVisible() and w.isVisible()
    discard = next(b for b in box.buttons() if "without saving" in b.text())
    discard.click()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=10000)


def test_full_run_saves_config_and_keyring(qtbot, wizard, smtp_server, ca_file, tmp_path,
                                           secret_service):
    srv = smtp_server("starttls")
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    validate = wait_check(qtbot, w)
    assert validate.result.ok, validate.diagnosis
    assert "work" in validate.headline.text()
    assert all(m.text() == "✔" for m, _, _ in validate.rows.values())
    assert len(srv.recorder.messages) == 1 and srv.recorder.commands_auth == ["PLAIN"]
    w.next()
    assert w.currentId() == Step.SAVE
    summary = w.pages[Step.SAVE].summary.text()
    details = w.pages[Step.SAVE].details.text.toPlainText()  # the keyring entry, for IT
    assert "mail-settings.json" in details and "default/password" in details
    assert "default/password" not in summary and "password store" not in summary.lower() \
        or "never in the settings file" in summary
    assert PASSWORD not in summary and PASSWORD not in details
    w.next()  # the commit: saving runs on a worker, then the wizard moves on
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    assert not w.button(QWizard.BackButton).isEnabled()

    config = json.loads((tmp_path / "mail-settings.json").read_text())
    assert config["profile"]["host"] == srv.host and config["profile"]["port"] == srv.port
    assert config["profile"]["display_name"] == "Riverside Society"
    assert config["secret"]["username"] == "default/password"
    assert PASSWORD not in json.dumps(config)
    assert keyring.get_password("mailwizard", "default/password") == PASSWORD


def test_password_changed_path(qtbot, wizard, smtp_server, ca_file, tmp_path, secret_service):
    srv = smtp_server("starttls")
    config = tmp_path / f"{uuid.uuid4().hex}.json"
    profile = Profile(host=srv.host, port=srv.port, security="starttls", username=USER,
                      from_address=USER, display_name="Riverside", cafile=ca_file)
    save_settings(profile, PASSWORD, run_check(profile, PASSWORD), config_path=config)
    before = json.loads(config.read_text())

    new_password = "the new one 2026!"
    srv.recorder.users[USER] = new_password
    w = wizard(config)
    assert w.currentId() == Step.RESUME
    resume = w.pages[Step.RESUME]
    assert resume.buttons[Resume.PASSWORD_CHANGED].isChecked()  # the likely reason to return
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert w.currentId() == Step.ACCOUNT
    # the saved values are shown as values (read-only), the server settings are closed
    assert account.email.isReadOnly() and not account.advanced_toggle.isEnabled()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is account.secret)
    qtbot.keyClicks(account.secret, new_password)
    w.next()
    validate = wait_check(qtbot, w)
    assert validate.result.ok, validate.diagnosis
    w.next()
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    after = json.loads(config.read_text())
    assert after["profile"] == before["profile"]  # everything else kept
    assert keyring.get_password("mailwizard", "default/password") == new_password


def test_wrong_password_shows_the_cause_and_offers_no_false_fix(qtbot, wizard, smtp_server,
                                                                 ca_file):
    srv = smtp_server("starttls")
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file, password="not the password")
    w.next()
    validate = wait_check(qtbot, w)
    assert validate.diagnosis.code == "auth_failed"
    assert "did not accept the user name and password" in validate.explanation.text()
    assert validate.fix_button.isHidden()
    assert not w.button(QWizard.NextButton).isEnabled()
    assert srv.recorder.commands_auth == ["PLAIN"]
    # Copy details gives IT a report without the password.
    validate.copy_button.click()
    report = QApplication.clipboard().text()
    assert "auth_failed" in report and "not the password" not in report


def test_port_security_mismatch_apply_fix_and_retry(qtbot, wizard, smtp_server, ca_file):
    srv = smtp_server("starttls")
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file, security="tls")
    w.next()
    validate = wait_check(qtbot, w)
    assert validate.diagnosis.code == "starttls_expected"
    assert "STARTTLS" in validate.explanation.text()
    assert validate.fix_button.isVisible() and "STARTTLS" in validate.fix_button.text()
    validate.fix_button.click()
    qtbot.waitUntil(lambda: validate.result is not None and validate.result.ok, timeout=15000)
    assert w.state.profile.security.value == "starttls" and w.state.validated
    assert w.button(QWizard.NextButton).isEnabled()


def test_untrusted_certificate_is_shown_and_trusted_only_on_request(qtbot, wizard, smtp_server,
                                                                    ca_file, untrusted_ctx):
    srv = smtp_server("starttls", ctx=untrusted_ctx)
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    validate = wait_check(qtbot, w)
    assert validate.diagnosis.code == "certificate_untrusted"
    assert validate.cert_box.isVisible() and "SHA-256" in validate.cert_text.text()
    assert srv.recorder.commands_auth == []
    validate.trust_button.click()
    qtbot.waitUntil(lambda: validate.result is not None and validate.result.ok, timeout=15000)
    pin = w.state.profile.pinned_sha256
    assert len(pin) == 64 and validate.result.certificate.sha256 == pin
    assert srv.recorder.commands_auth == ["PLAIN"]


@DIALOG_SIZE
def test_stop_during_a_silent_server_returns_promptly_and_writes_nothing(
        qtbot, wizard, raw_server, ca_file, tmp_path):
    srv = raw_server(silent)
    w = wizard()
    validate = start_silent_check(qtbot, w, srv, ca_file)
    qtbot.waitUntil(validate.busy, timeout=5000)
    assert validate.stop_button.isEnabled()
    validate.stop_button.click()
    qtbot.waitUntil(lambda: not validate.busy(), timeout=10000)
    # the condition: stopped while the server still held its silence (30 s), not how fast
    assert srv.finished == 0 and w.pool.activeThreadCount() == 0
    assert validate.diagnosis.code == "cancelled"
    assert not w.button(QWizard.NextButton).isEnabled()
    # Cancel the whole wizard while a check runs: it closes at once too.
    validate.start_check()
    qtbot.waitUntil(validate.busy, timeout=5000)
    close_without_saving(qtbot, w)
    assert w.pool.activeThreadCount() == 0 and srv.finished == 0
    assert list(tmp_path.glob("*.json")) == []


def test_gmail_guidance_panel(qtbot, wizard):
    w = wizard()
    w.next()
    qtbot.keyClicks(w.pages[Step.PROVIDER].email, "riverside.society@gmail.com")
    assert w.state.provider_id == "gmail"
    assert "Recognised: Gmail" in w.pages[Step.PROVIDER].matched.text()
    w.next()
    account = w.pages[Step.ACCOUNT]
    text = account.guidance.plain_text()
    assert "App password" in text and "2-Step Verification" in text
    assert "https://myaccount.google.com/apppasswords" in [x.url for x in account.guidance.links]
    assert account.username.text() == "riverside.society@gmail.com"
    assert account.host.text() == "smtp.gmail.com" and account.port.value() == 587
    assert "Warning" not in text and account.limit_note.isHidden()
    account.recipients.setValue(600)
    text = account.limit_note.text()  # the warning beside the "how many people" field
    assert account.limit_note.isVisible()
    assert "Warning" in text and "600" in text and "500" in text


def test_outlook_com_is_led_to_connect(qtbot, wizard):
    """Outlook.com takes no password at all any more: the provider step says to use
    Connect, and Next stays off."""
    w = wizard()
    w.next()
    provider = w.pages[Step.PROVIDER]
    qtbot.keyClicks(provider.email, "riverside.society@outlook.com")
    assert w.state.provider_id == "outlook-com"
    assert "Connect an email service" in provider.matched.text()
    assert not provider.isComplete()


def test_all_three_service_types_can_be_chosen(qtbot, wizard, monkeypatch):
    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_ID", "vendor-client.apps.example")
    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_SECRET", "not-a-secret")
    w = wizard()
    service = w.pages[Step.SERVICE]
    from mailwizard.core.profile import ServiceType
    qtbot.waitUntil(lambda: service.connect_ready is not None)
    assert all(service.buttons[s].isEnabled() for s in ServiceType)
    assert service.for_it is None


def test_connect_without_a_client_id_is_shown_disabled_with_one_plain_sentence(
        qtbot, wizard, monkeypatch):
    for name in ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "MICROSOFT_CLIENT_ID"):
        monkeypatch.delenv("MAILWIZARD_" + name, raising=False)
    w = wizard()
    service = w.pages[Step.SERVICE]
    from mailwizard.core.profile import ServiceType
    connect = service.buttons[ServiceType.OAUTH]
    # checked just after the first page shows (start-up does not read the OAuth settings)
    qtbot.waitUntil(lambda: service.connect_ready is not None)
    assert not connect.isEnabled()
    hint = service.hints[ServiceType.OAUTH].text()
    assert "Your ERP vendor or IT has not set up sign-in with Google or Microsoft yet." in hint
    assert "client" not in hint.lower() and "register" not in hint.lower()
    # The steps for IT are one Tab away, behind a link.
    assert service.for_it.button.focusPolicy() & Qt.TabFocus
    assert service.for_it.button.text().startswith("For IT")


def test_field_errors_appear_beside_the_field_as_you_type(qtbot, wizard):
    w = wizard()
    w.next()
    provider = w.pages[Step.PROVIDER]
    qtbot.keyClicks(provider.search, "other")
    provider.list.setCurrentRow(0)
    w.next()
    account = w.pages[Step.ACCOUNT]
    qtbot.keyClicks(account.email, "office@")
    assert account.errors["email"].isVisible()
    assert "valid email" in account.errors["email"].text()
    qtbot.keyClicks(account.host, "smtp.example.org:587")
    assert "Port field" in account.errors["host"].text()
    assert not w.button(QWizard.NextButton).isEnabled()
    qtbot.keyClicks(account.email, "example.org")
    assert not account.errors["email"].isVisible()


def test_keyboard_only_completion(qtbot, wizard, smtp_server, ca_file, secret_service):
    srv = smtp_server("starttls")
    w = wizard()

    def focus():
        return QApplication.focusWidget()

    def key(k, mod=Qt.NoModifier):
        qtbot.keyClick(focus(), k, mod)

    qtbot.waitUntil(lambda: focus() is w.pages[Step.SERVICE].buttons[
        list(w.pages[Step.SERVICE].buttons)[0]])
    key(Qt.Key_Return)  # Enter = Next
    assert w.currentId() == Step.PROVIDER
    provider = w.pages[Step.PROVIDER]
    qtbot.waitUntil(lambda: focus() is provider.email)
    qtbot.keyClicks(focus(), USER)
    key(Qt.Key_F, Qt.AltModifier)  # &Find provider
    assert focus() is provider.search
    qtbot.keyClicks(focus(), "other")
    key(Qt.Key_Tab)
    assert focus() is provider.list
    key(Qt.Key_Home)
    key(Qt.Key_Return)
    assert w.currentId() == Step.ACCOUNT
    account = w.pages[Step.ACCOUNT]
    qtbot.waitUntil(lambda: focus() is account.email)
    key(Qt.Key_Tab)
    assert focus() is account.display_name
    qtbot.keyClicks(focus(), "Riverside Society")
    key(Qt.Key_V, Qt.AltModifier)  # Ser&ver
    assert focus() is account.host
    qtbot.keyClicks(focus(), srv.host)
    key(Qt.Key_O, Qt.AltModifier)  # P&ort
    assert focus() is account.port
    key(Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(focus(), str(srv.port))
    key(Qt.Key_C, Qt.AltModifier)  # CA &certificate file
    assert focus() is account.cafile
    qtbot.keyClicks(focus(), ca_file)
    key(Qt.Key_P, Qt.AltModifier)  # &Password
    assert focus() is account.secret
    qtbot.keyClicks(focus(), PASSWORD)
    assert account.port.value() == srv.port
    key(Qt.Key_Return)
    assert w.currentId() == Step.VALIDATE
    validate = wait_check(qtbot, w)
    assert validate.result.ok, validate.diagnosis
    qtbot.waitUntil(lambda: focus() is w.button(QWizard.NextButton))
    key(Qt.Key_Return)
    assert w.currentId() == Step.SAVE
    qtbot.waitUntil(lambda: w.button(QWizard.CommitButton).isEnabled())
    key(Qt.Key_S, Qt.AltModifier)  # &Save
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    assert keyring.get_password("mailwizard", "default/password") == PASSWORD


def test_every_control_without_a_visible_label_has_an_accessible_name(qtbot, wizard):
    from PySide6.QtWidgets import (QAbstractButton, QLabel, QLineEdit, QListWidget,
                                   QTextBrowser)
    w = wizard()
    for step, p in w.pages.items():
        p.ensure_built()  # pages build their widgets when first entered
        assert p.findChildren(QAbstractButton) or p.findChildren(QLabel), step
        labelled = {lbl.buddy() for lbl in p.findChildren(QLabel) if lbl.buddy()}
        fields = [x for cls in (QLineEdit, QListWidget, QTextBrowser) for x in p.findChildren(cls)]
        def is_labelled(widget):  # the widget, or the control it is part of (a spin box)
            while widget is not None and widget is not p:
                if widget in labelled:
                    return True
                widget = widget.parentWidget()
            return False

        for widget in fields:
            if is_labelled(widget) or not widget.isEnabledTo(p):
                continue
            assert widget.accessibleName(), (step, widget)
        for button in p.findChildren(QAbstractButton):
            assert button.text() or button.accessibleName(), (step, button)


def test_back_and_next_during_a_check_starts_a_fresh_one(qtbot, wizard, raw_server, ca_file):
    srv = raw_server(silent)
    w = wizard()
    validate = start_silent_check(qtbot, w, srv, ca_file)
    qtbot.waitUntil(lambda: srv.connections == 1, timeout=5000)  # first check connected
    w.back()
    w.next()
    # Back cancelled the first check; coming back shows no stale "stopped" and starts
    # nothing by itself (no second test message); Test now starts a fresh one at once,
    # even while the cancelled one is still winding down.
    qtbot.waitUntil(validate.test_button.isEnabled, timeout=2000)
    assert validate.result is None and not validate.outcome.isVisible()
    assert srv.connections == 1
    validate.test_button.click()
    qtbot.waitUntil(lambda: srv.connections >= 2, timeout=5000)
    assert validate.busy() and validate.result is None
    validate.stop_button.click()
    qtbot.waitUntil(lambda: not validate.busy(), timeout=2000)


@DIALOG_SIZE
def test_closing_during_the_tls_probe_is_prompt(qtbot, wizard, raw_server, ca_file):
    srv = raw_server(silent)  # also silent to the TLS probe: that probe would wait 5 s
    w = wizard()
    w.pages[Step.VALIDATE].greeting_wait = 0.1
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    start_check(w)
    qtbot.waitUntil(lambda: srv.connections >= 2, timeout=5000)  # the probe is connected
    close_without_saving(qtbot, w)
    assert w.pool.activeThreadCount() == 0  # the check really ended; nothing left running
    assert srv.finished == 0  # while the server and the probe's server still stalled


def test_qt_translations_make_the_wizard_buttons_follow_the_locale(qtbot):
    from PySide6.QtCore import QLocale

    from mailwizard.gui.app import install_translations
    app = make_application([])
    translators = install_translations(app, QLocale(QLocale.German, QLocale.Germany))
    try:
        assert translators, "qtbase_de.qm not found"
        wiz = QWizard()
        qtbot.addWidget(wiz)
        assert "Weiter" in wiz.buttonText(QWizard.NextButton)
        assert "Abbrechen" in wiz.buttonText(QWizard.CancelButton)
    finally:
        for tr in translators:
            app.removeTranslator(tr)


def test_starting_the_gui_imports_no_exchange_oauth_or_dns(tmp_path):
    import subprocess
    import sys
    code = (
        "import sys\n"
        "from mailwizard.gui.app import make_application, create_wizard\n"
        "app = make_application([])\n"
        f"w = create_wizard({str(tmp_path / 'none.json')!r}); w.show()\n"
        "heavy = ('exchangelib', 'dns', 'oauthlib', 'requests_oauthlib', 'authlib', 'msal',\n"
        "         'requests', 'smtplib', 'keyring')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**__import__('os').environ,
                                          "QT_QPA_PLATFORM": "offscreen"}).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_saving_over_a_damaged_settings_file_keeps_it_beside(qtbot, wizard, smtp_server,
                                                             ca_file, tmp_path, secret_service):
    srv = smtp_server("starttls")
    config = tmp_path / "mail-settings.json"
    config.write_text("{ damaged")
    w = wizard(config)
    assert w.replace_damaged and "damaged" in w.load_error
    assert w.currentId() == Step.SERVICE  # nothing usable was saved: a fresh start
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    assert wait_check(qtbot, w).result.ok
    w.next()
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    assert json.loads(config.read_text())["profile"]["host"] == srv.host
    [kept] = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert kept.read_text() == "{ damaged"


def test_the_saved_password_is_not_offered_for_another_server(qtbot, wizard, smtp_server,
                                                               ca_file, tmp_path):
    srv = smtp_server("starttls")
    config = tmp_path / "mail.json"
    profile = Profile(host=srv.host, port=srv.port, security="starttls", username=USER,
                      from_address=USER, cafile=ca_file, pinned_sha256="ab" * 32)
    from mailwizard.core.store.config import SavedSettings, write_config
    from mailwizard.core.store.secrets import SecretRef
    write_config(SavedSettings(profile=profile, secret=SecretRef("default")), config)
    w = wizard(config)
    w.pages[Step.RESUME].buttons[Resume.CHANGE_SETTINGS].setChecked(True)
    w.next()
    w.next()
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert account.keep_secret.isChecked() and account.keep_secret.isEnabled()
    assert w.state.use_stored_secret
    account.host.clear()
    qtbot.keyClicks(account.host, "smtp.other-provider.example.org")
    assert not account.keep_secret.isChecked() and not account.keep_secret.isEnabled()
    assert not w.state.use_stored_secret
    assert w.state.profile.pinned_sha256 == ""  # the trusted certificate was for the old one


def test_exchange_path_validates_through_ews_and_saves(qtbot, wizard, ews_server, ca_file,
                                                      tmp_path, secret_service):
    from mailwizard.core.profile import ServiceType

    srv = ews_server(users={"EXAMPLE\\it": PASSWORD}, mailboxes={"it@example.org"},
                     auth_schemes=("Basic",))
    w = wizard()
    service = w.pages[Step.SERVICE]
    service.buttons[ServiceType.EXCHANGE].click()
    w.next()
    assert w.currentId() == Step.EXCHANGE
    ex = w.pages[Step.EXCHANGE]
    qtbot.keyClicks(ex.email, "it@example.org")
    # the EWS address follows the email's domain until the user edits it
    assert ex.ews_url.text() == "https://mail.example.org/EWS/Exchange.asmx"
    ex.ews_url.clear()
    qtbot.keyClicks(ex.ews_url, srv.url)
    ex.username.clear()
    qtbot.keyClicks(ex.username, "it")
    assert not ex.isComplete()
    assert "fill in the Domain field" in ex.errors["username"].text()
    qtbot.keyClicks(ex.domain, "EXAMPLE")
    assert ex.login_hint.text() == "Signs in as: EXAMPLE\\it"
    qtbot.keyClicks(ex.cafile, ca_file)
    qtbot.keyClicks(ex.secret, PASSWORD)
    assert ex.isComplete()
    # NTLM is the default; this server offers only Basic: the test says so and offers the fix
    w.next()
    validate = wait_check(qtbot, w)
    assert not validate.result.ok
    assert validate.diagnosis.code == "ews_wrong_auth_type"
    assert validate.fix_button.isVisible() and "Basic" in validate.fix_button.text()
    assert srv.state.logins == []  # the password was not sent
    validate.fix_button.click()
    wait_result(qtbot, validate)
    assert validate.result.ok, validate.diagnosis
    assert all(m.text() == "✔" for m, _, _ in validate.rows.values())
    [sent] = srv.state.sent
    assert sent.to == ["it@example.org"] and sent.disposition == "SendOnly"
    w.next()
    assert "Exchange at " + srv.url in w.pages[Step.SAVE].summary.text()
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    config = json.loads((tmp_path / "mail-settings.json").read_text())
    assert config["profile"]["service"] == "exchange"
    assert config["profile"]["ews_auth"] == "basic"
    assert config["profile"]["username"] == "EXAMPLE\\it"
    assert keyring.get_password("mailwizard", "default/password") == PASSWORD


def test_exchange_online_address_is_explained_on_the_page(qtbot, wizard):
    from mailwizard.core.profile import ServiceType

    w = wizard()
    w.pages[Step.SERVICE].buttons[ServiceType.EXCHANGE].click()
    w.next()
    ex = w.pages[Step.EXCHANGE]
    assert not ex.online_note.isVisible()
    qtbot.keyClicks(ex.email, "it@example.org")
    ex.ews_url.clear()
    qtbot.keyClicks(ex.ews_url, "https://outlook.office365.com/EWS/Exchange.asmx")
    assert ex.online_note.isVisible() and "1 April 2027" in ex.online_note.text()
    assert ex.online_ok.isVisible() and not ex.online_ok.isChecked()


@DIALOG_SIZE
def test_exchange_find_automatically_asks_before_a_foreign_host(qtbot, wizard, ews_server,
                                                               ca_file):
    from mailwizard.core.profile import ServiceType

    target = ews_server(users={"LOCAL\\it": PASSWORD})
    target.state.autodiscover = {"ews_url": target.url}
    elsewhere = target.base.replace("localhost", "127.0.0.1") + "/autodiscover/autodiscover.xml"
    srv = ews_server(users={"LOCAL\\it": PASSWORD})
    srv.state.autodiscover = {"redirect_url": elsewhere}

    w = wizard()
    w.pages[Step.SERVICE].buttons[ServiceType.EXCHANGE].click()
    w.next()
    ex = w.pages[Step.EXCHANGE]
    ex.autodiscover_candidates = [srv.base + "/autodiscover/autodiscover.xml"]
    # The real question (a modal QMessageBox), answered like a person would: No, then Yes.
    # A timer looks for it, as the question runs its own event loop.
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    asked, answers = [], [QMessageBox.No, QMessageBox.Yes]

    def answer_the_question():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible() and answers:
            asked.append(box.text())
            box.button(answers.pop(0)).click()

    looking = QTimer()
    looking.timeout.connect(answer_the_question)
    looking.start(20)
    qtbot.keyClicks(ex.email, "it@localhost")
    ex.username.clear()
    qtbot.keyClicks(ex.username, "LOCAL\\it")
    qtbot.keyClicks(ex.cafile, ca_file)
    ex.auth.setCurrentIndex(ex.auth.findData("basic"))
    qtbot.mouseClick(ex.find_button, Qt.LeftButton)
    assert "password first" in ex.find_status.text()  # nothing typed yet: nothing sent
    qtbot.keyClicks(ex.secret, PASSWORD)

    qtbot.mouseClick(ex.find_button, Qt.LeftButton)  # the user says no
    qtbot.waitUntil(lambda: not ex.busy(), timeout=10000)
    assert "Stopped" in ex.find_status.text(), ex.find_status.text()
    assert len(asked) == 1 and "Autodiscover points to 127.0.0.1, which is not part of " \
        "localhost" in asked[0], asked
    assert [had for _, had in target.state.autodiscover_requests] == [False]

    qtbot.mouseClick(ex.find_button, Qt.LeftButton)  # and now yes
    qtbot.waitUntil(lambda: not ex.busy() and "Found" in ex.find_status.text(), timeout=10000)
    assert ex.ews_url.text() == target.url
    assert ex.state.profile.ews_url == target.url
    looking.stop()
    assert len(asked) == 2 and answers == []


@DIALOG_SIZE
def test_connect_path_signs_in_in_the_browser_validates_and_saves(
        qtbot, wizard, auth_server, browser, xoauth2_smtp_server, ca_file, tmp_path,
        secret_service, monkeypatch):
    from mailwizard.core.profile import ServiceType

    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_ID", auth_server.client_id)
    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_SECRET", auth_server.client_secret)
    monkeypatch.delenv("MAILWIZARD_MICROSOFT_CLIENT_ID", raising=False)
    w = wizard()
    w.pages[Step.SERVICE].buttons[ServiceType.OAUTH].click()
    w.next()
    assert w.currentId() == Step.CONNECT
    page = w.pages[Step.CONNECT]
    page.provider_override = {"google": auth_server.provider("google")}
    page.open_browser, page.token_cafile = browser.open, ca_file
    assert not page.isComplete() and not page.sign_in.isEnabled()
    from PySide6.QtWidgets import QLineEdit
    assert not [e for e in page.findChildren(QLineEdit) if e.echoMode() != QLineEdit.Normal]

    page.choices["microsoft"].click()  # no client ID configured for Microsoft: explained
    # One plain sentence on the page; what IT must set up is behind "For IT".
    assert page.status.text() == ("<p><b>Your ERP vendor or IT has not set up sign-in with "
                                  "Microsoft yet.</b></p>")
    assert page.for_it.isVisible() and not page.sign_in.isEnabled()
    page.for_it.button.click()
    assert "MAILWIZARD_MICROSOFT_CLIENT_ID" in page.for_it_box.detailedText()
    page.for_it_box.close()
    page.choices["google"].click()
    qtbot.keyClicks(page.email, USER)
    assert page.sign_in.isEnabled() and page.sign_in.text() == "&Sign in with Google"
    qtbot.mouseClick(page.sign_in, Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.busy(), timeout=15000)
    assert "Connected as" in page.status.text(), page.status.text()
    assert page.isComplete()
    st = w.state
    assert st.profile.auth.value == "oauth2" and st.profile.username == USER
    # the loopback SMTP server stands in for smtp.gmail.com
    st.profile = st.profile.with_changes(host="127.0.0.1", port=xoauth2_smtp_server.port,
                                         cafile=ca_file)
    w.next()
    validate = wait_check(qtbot, w)
    assert validate.result.ok, validate.diagnosis
    assert xoauth2_smtp_server.recorder.commands_auth == ["XOAUTH2"]
    w.next()
    summary = w.pages[Step.SAVE].summary.text()
    assert "signed in with Google" in summary and "sign-in token" in summary
    # the keyring entry's name is for IT: under Details
    assert "refresh_token" in w.pages[Step.SAVE].details.text.toPlainText()
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    text = (tmp_path / "mail-settings.json").read_text()
    config = json.loads(text)
    assert config["profile"]["auth"] == "oauth2"
    assert config["secret"]["username"] == "default/refresh_token"
    refresh = keyring.get_password("mailwizard", "default/refresh_token")
    assert refresh and refresh not in text


def test_connect_sign_in_can_be_cancelled(qtbot, wizard, auth_server, monkeypatch):
    from mailwizard.core.profile import ServiceType

    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_ID", auth_server.client_id)
    w = wizard()
    w.pages[Step.SERVICE].buttons[ServiceType.OAUTH].click()
    w.next()
    page = w.pages[Step.CONNECT]
    page.provider_override = {"google": auth_server.provider("google")}
    opened = []
    page.open_browser = opened.append  # a browser that never comes back
    qtbot.keyClicks(page.email, USER)
    qtbot.mouseClick(page.sign_in, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(opened) and "browser shows" in page.status.text(),
                    timeout=5000)
    assert page.cancel.isVisible() and not w.button(QWizard.NextButton).isEnabled()
    qtbot.mouseClick(page.cancel, Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.busy(), timeout=10000)
    # the condition: ended by the cancel (the browser never comes back), not how fast
    assert "cancelled" in page.status.text() and not page.isComplete()
