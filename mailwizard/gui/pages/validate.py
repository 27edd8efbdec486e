"""Step 4: really connect, stage by stage, on a worker thread; explain any failure and offer
the fix."""

from __future__ import annotations

import html
import time

from PySide6 import QtCore
from PySide6.QtGui import QGuiApplication
# Widget classes are reached through the module so that PySide6 sets each type up only
# when build() first uses it, not when the wizard starts.
from PySide6 import QtWidgets as W

from typing import TYPE_CHECKING

from mailwizard.core.flow import (apply_fix, bind_secret, fix_allowed, message_recipient,
                                  settle_secret, type_secret)
from mailwizard.core.profile import check_email
from mailwizard.core.checks.stages import group_of
from mailwizard.gui import a11y
from mailwizard.gui.style import style_text
from mailwizard.gui.widgets import Details, LinkButton, wrapped
from mailwizard.gui.wizard import FlowPage
from mailwizard.gui.workers import CheckRunner

if TYPE_CHECKING:
    from mailwizard.core.diagnosis.smtp import Diagnosis
    from mailwizard.core.checks.smtp import CheckResult

MARKS = {"idle": "○", "running": "…", "ok": "✔", "failed": "✘", "cancelled": "–",
         "skipped": "–"}
MEANINGS = {"ok": "ok", "failed": "error"}
#: failures a new password can fix: the test page asks for it again right there
PASSWORD_REFUSED = {"auth_failed", "app_password_required", "ews_ntlm_failed"}
#: after this long, a stage says what it is waiting for
SLOW_SECONDS = 5


def seconds(ms: float) -> str:
    """A stage's time as a person reads it: "0.2 s", "3 s"."""
    s = ms / 1000
    if s < 0.1:
        number = "< 0.1"
    else:
        number = "%.1f" % s if s < 10 else "%d" % round(s)
    return in_seconds(number)


def in_seconds(number: str) -> str:
    # Translators: a time in seconds, short ({seconds} is e.g. "0.2" or "< 0.1").
    return QtCore.QCoreApplication.translate("ValidatePage", "{seconds} s").format(
        seconds=number)


class ValidatePage(FlowPage):
    #: Tests may shorten the wait before the "is this port SSL/TLS?" probe.
    greeting_wait: float | None = None
    # Read before the page is first built (e.g. when the wizard closes early).
    runner: CheckRunner | None = None
    result: CheckResult | None = None
    diagnosis: Diagnosis | None = None
    deliverability = None  # the "Will your mail reach inboxes?" panel, made in build()
    _restart_when_stopped = False
    _discard_stale = False
    _sends_message = True  # the running (or last) check sends a test message
    _loading = False

    def build(self) -> None:
        self.setTitle(self.tr("Test the settings"))
        self.setSubTitle(self.tr("mailwizard really connects to your mail server and signs in. "
                                 "Nothing is saved until the next step."))
        self.runner: CheckRunner | None = None
        self._restart_when_stopped = False
        self.result: CheckResult | None = None
        self.diagnosis: Diagnosis | None = None
        self.sent_to = ""  # a test message already went there in this run
        self._noted = ""  # the address the "already sent" note is about
        self._running: str = ""
        self._started_at = 0.0
        self._group_started = 0.0
        layout = W.QVBoxLayout(self.body)

        self.intro = wrapped(self.tr("Press Test now when you are ready. If the box is ticked, "
                                     "a test message is also sent to the address beside it."))
        layout.addWidget(self.intro)
        send_row = W.QHBoxLayout()
        self.send_test = W.QCheckBox(self.tr("Also send a test &message to:"))
        self.send_test.setChecked(True)
        self.test_to = W.QLineEdit()
        self.test_to.setAccessibleName(self.tr("Test message recipient"))
        send_row.addWidget(self.send_test)
        send_row.addWidget(self.test_to, 1)
        layout.addLayout(send_row)
        self.width_fit.rows.append(send_row)
        self.sent_note = wrapped()
        self.sent_note.hide()
        layout.addWidget(self.sent_note)

        grid = W.QGridLayout()
        self.rows: dict[str, tuple[W.QLabel, W.QLabel, W.QLabel]] = {}
        self.names = {"connect": self.tr("Connect to the server"),
                      "secure": self.tr("Secure connection"),
                      "sign_in": self.tr("Sign in"),
                      "test_message": self.tr("Send the test message")}
        self.waiting = {"connect": self.tr("waiting for the server to answer"),
                        "secure": self.tr("waiting for the secure connection"),
                        "sign_in": self.tr("waiting for the server to check the password"),
                        "test_message": self.tr("waiting for the server to take the message")}
        for i, (group, text) in enumerate(self.names.items()):
            mark, label, ms = W.QLabel(), wrapped(text), W.QLabel()
            mark.setFixedWidth(mark.fontMetrics().horizontalAdvance("✔") * 2 + 8)
            mark.setAlignment(QtCore.Qt.AlignCenter)
            ms.setAlignment(QtCore.Qt.AlignTrailing | QtCore.Qt.AlignVCenter)
            grid.addWidget(mark, i, 0)
            grid.addWidget(label, i, 1)
            grid.addWidget(ms, i, 2)
            self.rows[group] = (mark, label, ms)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.ticker = QtCore.QTimer(self)
        self.ticker.setInterval(500)
        self.ticker.timeout.connect(self._tick)

        buttons = W.QHBoxLayout()
        self.test_button = W.QPushButton(self.tr("&Test now"))
        self.stop_button = W.QPushButton(self.tr("&Stop"))
        self.copy_button = W.QPushButton(self.tr("Cop&y details"))
        self.copy_button.setToolTip(self.tr("Copies a report for IT support. Your password is "
                                            "never included."))
        self.copy_button.setAccessibleDescription(self.copy_button.toolTip())
        for b in (self.test_button, self.stop_button, self.copy_button):
            buttons.addWidget(b)
        self.width_fit.rows.append(buttons)
        self.copied = W.QLabel()
        buttons.addWidget(self.copied)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.outcome = W.QFrame()
        self.outcome.setFrameShape(W.QFrame.StyledPanel)
        ov = W.QVBoxLayout(self.outcome)
        self.headline = W.QLabel()
        a11y.set_role(self.headline, a11y.ALERT)  # a screen reader reads the outcome out
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(QtCore.Qt.PlainText)
        self.explanation = wrapped(rich=True)
        self.explanation.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        ov.addWidget(self.headline)
        ov.addWidget(self.explanation)
        self.help_link = None
        self.help_box = W.QVBoxLayout()
        ov.addLayout(self.help_box)
        # After a refused password: type it again right here.
        self.retype_box = W.QWidget()
        rh = W.QHBoxLayout(self.retype_box)
        rh.setContentsMargins(0, 0, 0, 0)
        self.retype_label = W.QLabel(self.tr("Type the &password again:"))
        self.retype = W.QLineEdit()
        self.retype.setEchoMode(W.QLineEdit.Password)
        self.retype.setAccessibleName(self.tr("Password"))
        self.retype_label.setBuddy(self.retype)
        self.retype_button = W.QPushButton(self.tr("Test &with this password"))
        rh.addWidget(self.retype_label)
        rh.addWidget(self.retype, 1)
        rh.addWidget(self.retype_button)
        ov.addWidget(self.retype_box)
        self.fix_button = W.QPushButton(self.tr("&Apply this fix and retry"))
        ov.addWidget(self.fix_button, 0, QtCore.Qt.AlignLeading)
        self.cert_box = W.QWidget()
        cv = W.QVBoxLayout(self.cert_box)
        cv.setContentsMargins(0, 0, 0, 0)
        self.cert_text = wrapped()
        self.cert_text.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse
                                               | QtCore.Qt.TextSelectableByKeyboard)
        fp_row = W.QHBoxLayout()
        self.fingerprint_label = W.QLabel(self.tr("SHA-256 &fingerprint:"))
        self.fingerprint = W.QLineEdit()
        self.fingerprint.setReadOnly(True)  # selectable and copyable with the keyboard
        self.fingerprint.setAccessibleName(self.tr("SHA-256 fingerprint"))
        self.fingerprint_label.setBuddy(self.fingerprint)
        fp_row.addWidget(self.fingerprint_label)
        fp_row.addWidget(self.fingerprint, 1)
        self.trust_button = W.QPushButton(self.tr("T&rust this certificate and test again"))
        cv.addWidget(self.cert_text)
        cv.addLayout(fp_row)
        cv.addWidget(self.trust_button, 0, QtCore.Qt.AlignLeading)
        ov.addWidget(self.cert_box)
        self.details = Details()
        ov.addWidget(self.details)
        layout.addWidget(self.outcome)
        self.outcome.hide()
        from mailwizard.gui.deliverability_panel import DeliverabilityPanel

        self.deliverability = DeliverabilityPanel(self)  # informs only; never blocks saving
        layout.addWidget(self.deliverability)

        self.save_untested = W.QCheckBox(self.tr("Save witho&ut a passed test (not "
                                                 "recommended)"))
        layout.addWidget(self.save_untested)
        self.save_untested.hide()
        layout.addStretch(1)

        self.test_button.clicked.connect(self.start_check)
        self.stop_button.clicked.connect(self.stop_work)
        self.copy_button.clicked.connect(self.copy_details)
        self.fix_button.clicked.connect(self.apply_fix)
        self.trust_button.clicked.connect(self.trust_certificate)
        self.retype_button.clicked.connect(self.retry_with_password)
        self.retype.returnPressed.connect(self.retry_with_password)
        self.save_untested.toggled.connect(self._save_untested)
        self.send_test.toggled.connect(self.test_to.setEnabled)
        self.send_test.toggled.connect(lambda _: self._settings_changed())
        self.test_to.textEdited.connect(self._recipient_typed)

    # -- page life ------------------------------------------------------------------------
    def enter(self) -> None:
        """Nothing starts by itself: the user presses Test now (and sees first whether a
        test message will be sent). A passed test is shown again, not repeated."""
        if self.runner is None:
            self.runner = CheckRunner(self.wiz().pool, self)
            self.runner.stage.connect(self._on_stage)
            self.runner.finished.connect(self._on_finished)
        # The recipient follows the address unless the user typed one.
        recipient = message_recipient(self.state)
        if self.test_to.text() != recipient:
            self.test_to.setText(recipient)
        self.state.save_untested = False
        self.save_untested.setChecked(False)
        already = bool(self.sent_to) and self.sent_to.lower() == recipient.strip().lower()
        if already and self.sent_to != self._noted:
            # One test message per run to an address unless the user ticks the box again
            # (this is not a change of the tested settings).
            self._loading = True
            self.send_test.setChecked(False)
            self._loading = False
        elif not already and self._noted:
            # another recipient than the one that already had a message: send one there
            self._loading = True
            self.send_test.setChecked(True)
            self._loading = False
        self._noted = self.sent_to if already else ""
        self.sent_note.setText(self.tr("A test message was already sent to {address}. "
                                       "Tick the box to send another.")
                               .format(address=self.sent_to) if already else "")
        self.sent_note.setVisible(already)
        if self.busy():
            # A check cancelled by Back is still winding down: its "stopped" is not news.
            self._discard_stale = True
        if self.state.validated and self.result is not None:
            self._show_result()  # back from the save page: nothing changed, no new login
        else:
            self.result = self.diagnosis = None
            for mark, label, ms in self.rows.values():
                self._mark(mark, "idle")
                ms.clear()
            for group, (_, label, _) in self.rows.items():
                label.setText(self.names[group])
            self.outcome.hide()
            self.save_untested.hide()
        self._update_buttons()

    def cleanupPage(self) -> None:  # noqa: N802 - Back: stop what is running
        self._restart_when_stopped = False
        self.stop_work()

    def busy(self) -> bool:
        return bool(self.runner and self.runner.running)

    def stop_work(self) -> None:
        if self.deliverability is not None:
            self.deliverability.cancel()
        if self.runner is not None and self.runner.running:
            self.runner.cancel()

    # -- running --------------------------------------------------------------------------
    def start_check(self) -> None:
        self.deliverability.reset()
        if self.busy():
            # e.g. Back and Next again while the cancelled check is still winding down
            self._restart_when_stopped = True
            self.runner.cancel()
            return
        self._restart_when_stopped = self._discard_stale = False
        st = self.state
        # Never a password typed for another server or user (core.flow's rule); the page
        # asks for the password of this server instead.
        settle_secret(st)
        if st.profile.auth.value == "password" and not st.secret \
                and self.wiz().stored_secret_ref() is None:
            self._ask_password_again()
            return
        to = None
        if self.send_test.isChecked():
            to, err = check_email(self.test_to.text(), "test recipient")
            if err:
                self._show_message(self.tr("Check the test recipient's address."),
                                   html.escape(err.message), ok=False)
                QtCore.QTimer.singleShot(0, self.test_to.setFocus)
                return
        st.validated = False
        self.result = self.diagnosis = None
        for group, (mark, label, ms) in self.rows.items():
            self._mark(mark, "idle")
            ms.clear()
            ms.setProperty("ms", 0.0)
            label.setText(self.names[group])
        self.outcome.hide()
        self.save_untested.hide()
        self.copied.clear()
        self.test_button.setText(self.tr("&Test again"))
        # Without a test message the server is only asked to accept the sender.
        self._sends_message = bool(to)
        self.rows["test_message"][1].setText(self._row_name("test_message"))
        stored = self.wiz().stored_secret_ref()
        self._running, self._started_at = "", time.monotonic()
        self.ticker.start()
        self.runner.start(st.profile.with_changes(), st.secret or None, send_test_to=to,
                          provider=self.wiz().provider, stored_secret=stored,
                          greeting_wait=self.greeting_wait,
                          access_token=st.access_token or None, site=self.wiz().site.raw)
        self._update_buttons()
        self.changed()

    def _on_stage(self, stage: str, status: str, ms: float) -> None:
        group = group_of(stage)
        if group not in self.rows:
            return
        mark, label, ms_label = self.rows[group]
        if status == "running":
            self._mark(mark, "running")
            if self._running != group:
                self._running, self._group_started = group, time.monotonic()
            return
        # A group is as good as its worst stage; its time is the sum of its stages.
        total = (ms_label.property("ms") or 0.0) + ms
        ms_label.setProperty("ms", total)
        ms_label.setText(seconds(total))
        label.setText(self._row_name(group))
        self._mark(mark, status)

    def _tick(self) -> None:
        """A running stage shows its elapsed seconds; a slow one says what it waits for."""
        group = self._running
        if not self.busy() or group not in self.rows:
            return
        mark, label, ms_label = self.rows[group]
        if mark.text() != MARKS["running"]:
            return
        elapsed = time.monotonic() - self._group_started
        ms_label.setText(in_seconds("%d" % int(elapsed)))
        if elapsed >= SLOW_SECONDS:
            # Translators: a test stage and what it waits for: "Sign in — waiting for …"
            label.setText(self.tr("{stage} \u2014 {waiting}\u2026").format(
                stage=self._row_name(group), waiting=self.waiting[group]))

    def _on_finished(self, result: CheckResult, diagnosis: Diagnosis | None) -> None:
        self.ticker.stop()
        if self._restart_when_stopped:
            self.start_check()
            return
        if self._discard_stale:
            self._discard_stale = False
            for mark, _, ms in self.rows.values():
                self._mark(mark, "idle")
                ms.clear()
            self._update_buttons()
            self.changed()
            return
        self.result, self.diagnosis = result, diagnosis
        stopped = diagnosis is not None and diagnosis.code == "cancelled"
        for group, (mark, label, ms) in self.rows.items():
            ms.setProperty("ms", 0.0)
            label.setText(self._row_name(group))
            if mark.text() == MARKS["running"] or (stopped and mark.text() == MARKS["idle"]):
                self._mark(mark, "cancelled")
        if stopped and self.rows["test_message"][0].text() != MARKS["ok"]:
            # not "Send the test message" beside an empty circle, as if it were still to come
            self.rows["test_message"][1].setText(self.tr("No test message was sent"))
        # Only these exact settings count as tested.
        self.state.validated = result.ok and result.profile == self.state.profile
        if result.ok and result.test_message_to:
            self.sent_to = result.test_message_to
        self._show_result()
        if self.state.validated:
            self.deliverability.start(self.wiz().pool, self.state.profile,
                                      self.state.recipients_per_day)
        else:
            self.deliverability.reset()
        self.changed()  # first: W.QWizard enables Next, then it can take the focus
        self._update_buttons()
        a11y.alert(self.headline)

    def _show_result(self) -> None:
        r, d = self.result, self.diagnosis
        if r is None:
            return
        if r.ok:
            sent = (self.tr("A test message was sent to {address}: check that it arrived.")
                    .format(address=html.escape(r.test_message_to))
                    if r.test_message_to else
                    self.tr("The server accepted the sender address; no message was sent.")
                    if r.sender_accepted else "")
            self._show_message(self.tr("Your settings work."), sent, ok=True)
            return
        # A fix that would change a field the administrator locked is not offered.
        allowed = not d.suggestion or fix_allowed(self.state, d.suggestion)
        if d.code == "cancelled":
            self._show_message(self.tr("Test stopped."),
                               html.escape(self.tr("Nothing was saved. Press Test again when "
                                                   "you are ready.")), ok=None)
        else:
            what = self.tr("What to do:")  # (not inside the f-string: the extractor skips those)
            body = f"{html.escape(d.cause)}<br><br><b>{html.escape(what)}</b> "
            body += html.escape(d.fix)
            if not allowed:
                body += "<br><br>" + html.escape(self.tr(
                    "The setting that would fix this is set by your administrator: please "
                    "ask your IT contact."))
            self._show_message(self.tr("The test failed."), body, ok=False)
            if d.help_url:
                self.help_link = LinkButton(self.tr("Help from your provider"), d.help_url)
                self.help_box.addWidget(self.help_link)
            # Error numbers, OpenSSL words and server replies: for IT, under Details.
            self.details.set_text(d.server_reply or "")
        self.fix_button.setVisible(bool(d.suggestion) and allowed)
        if d.suggestion:
            self.fix_button.setText(self.tr("&Apply this fix and retry: {fix}")
                                    .format(fix=d.suggestion_text))
        refused = d.code in PASSWORD_REFUSED and self.state.profile.auth.value == "password"
        self.retype_box.setVisible(refused)
        if refused:
            self._name_retype(d.code)
            self.retype.clear()
            self.wiz().return_focus = "secret"
        cert = d.certificate
        self.cert_box.setVisible(bool(cert) and d.code in ("certificate_untrusted",
                                                           "certificate_changed"))
        self.trust_button.setVisible(not self.state.site.is_locked("trust_sha256"))
        if cert:
            fp = ":".join(cert["sha256"][i:i + 2] for i in range(0, 64, 2)).upper()
            self.cert_text.setText(
                self.tr("Issued to: {subject}\nIssued by: {issuer}\nValid: {start} to {end}\n"
                        "Names: {names}\n\n"
                        "Trust it only if your IT contact confirms the SHA-256 fingerprint below.")
                .format(subject=cert["subject"], issuer=cert["issuer"],
                        start=cert["not_before"], end=cert["not_after"],
                        names=", ".join(cert["names"])))
            self.fingerprint.setText(fp)
        self.save_untested.setVisible(d.code != "invalid_settings")

    def _show_message(self, headline: str, body: str, *, ok: bool | None) -> None:
        self.headline.setText(headline)
        style_text(self.headline, {True: "ok", False: "error", None: None}[ok], bold=True)
        self.explanation.setText(body)
        plain = self.explanation.text()
        from PySide6.QtGui import QTextDocumentFragment

        self.headline.setAccessibleDescription(QTextDocumentFragment.fromHtml(plain)
                                               .toPlainText())
        self.fix_button.hide()
        self.cert_box.hide()
        self.retype_box.hide()
        self.details.set_text("")
        if self.help_link is not None:
            self.help_link.hide()
            self.help_link.deleteLater()
            self.help_link = None
        self.outcome.show()

    def _name_retype(self, code: str = "") -> None:
        """The box for the password again says which kind: where the provider wants an app
        password (Gmail's 534 5.7.9), a new one is pasted, not the password typed again."""
        provider = self.wiz().provider
        app = code == "app_password_required" or (
            provider is not None and provider.secret_kind == "app_password")
        if app and code == "cleared":  # the same app password, for the other server
            self.retype_label.setText(self.tr("Paste the a&pp password again:"))
        else:
            self.retype_label.setText(self.tr("Paste a new a&pp password:") if app
                                      else self.tr("Type the &password again:"))
        self.retype.setAccessibleName(self.tr("App password") if app else self.tr("Password"))

    def _row_name(self, group: str) -> str:
        """A stage's row as this run does it: without a test message, the last row only
        checks the sender."""
        if group == "test_message" and not self._sends_message:
            return self.tr("Check the sender address (no message is sent)")
        return self.names[group]

    def _mark(self, label: W.QLabel, status: str) -> None:
        label.setText(MARKS.get(status, "?"))
        style_text(label, MEANINGS.get(status), bold=True)
        label.setAccessibleName({"ok": self.tr("passed"), "failed": self.tr("failed"),
                                 "running": self.tr("in progress"),
                                 "cancelled": self.tr("stopped")}.get(status,
                                                                      self.tr("not started")))

    def _update_buttons(self) -> None:
        running = self.busy()
        self.stop_button.setEnabled(running)
        self.test_button.setEnabled(not running)
        self.copy_button.setEnabled(not running and self.result is not None)
        if running:
            target = self.stop_button
        elif self.retype_box.isVisibleTo(self) and not self.outcome.isHidden():
            target = self.retype
        elif self.fix_button.isVisibleTo(self) and not self.outcome.isHidden():
            target = self.fix_button
        elif self.state.validated:
            target = self.wiz().button(W.QWizard.NextButton)
        else:
            target = self.test_button
        QtCore.QTimer.singleShot(0, target.setFocus)

    # -- actions --------------------------------------------------------------------------
    def apply_fix(self) -> None:
        d = self.diagnosis
        if not d or not d.suggestion:
            return
        cleared = apply_fix(self.state, d.suggestion)
        self.wiz().fixed_fields |= set(d.suggestion)  # the account page shows them
        if cleared:  # another server: its own password, typed for it
            self._ask_password_again()
            return
        self.start_check()

    def _ask_password_again(self) -> None:
        """The password was cleared (another server): ask for this server's right here."""
        self.ticker.stop()
        self._show_message(self.tr("The password was cleared because the server changed."),
                           html.escape(self.tr("Type the password for {server} and test "
                                               "again.").format(
                                                   server=self.state.profile.host
                                                   or self.state.profile.ews_url)),
                           ok=None)
        self._name_retype("cleared")
        self.retype.clear()
        self.retype_box.show()
        self.wiz().return_focus = "secret"
        self._update_buttons()
        self.changed()
        a11y.alert(self.headline)

    def trust_certificate(self) -> None:
        d = self.diagnosis
        if not d or not d.certificate:
            return
        self.state.profile = self.state.profile.with_changes(pinned_sha256=d.certificate["sha256"])
        self.state.invalidate()
        self.start_check()

    def retry_with_password(self) -> None:
        """The password typed again on this page: it replaces the one on the account page."""
        if not self.retype.text():
            return
        st = self.state
        type_secret(st, self.retype.text())
        bind_secret(st)  # typed for the server this page tests
        st.use_stored_secret = False
        st.invalidate()
        self.retype.clear()
        self.wiz().return_focus = ""
        self.start_check()

    def copy_details(self) -> None:
        if self.result is not None:
            from mailwizard.core.admin.report import format_report

            wiz = self.wiz()
            QGuiApplication.clipboard().setText(format_report(
                self.result, self.diagnosis, config_path=wiz.config_path, site=wiz.site,
                site_error=wiz.site_error))
            self.copied.setText(self.tr("Copied. Paste it into an email to your IT contact."))
            self.copied.setAccessibleName(self.copied.text())
            a11y.alert(self.copied)

    def _save_untested(self, on: bool) -> None:
        self.state.save_untested = on
        self.changed()

    def _recipient_typed(self, text: str) -> None:
        """A recipient the user typed stays; an emptied box follows the address again."""
        self.state.test_to = text.strip()
        self._settings_changed()

    def _settings_changed(self) -> None:
        if not self.busy() and not self._loading:
            self.state.validated = False
            self.changed()
