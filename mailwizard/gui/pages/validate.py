"""Step 4: really connect, stage by stage, on a worker thread; explain any failure and offer
the fix."""

from __future__ import annotations

import html

from PySide6 import QtCore
from PySide6.QtGui import QGuiApplication
# Widget classes are reached through the module so that PySide6 sets each type up only
# when build() first uses it, not when the wizard starts.
from PySide6 import QtWidgets as W

from typing import TYPE_CHECKING

from mailwizard.core.flow import fix_allowed
from mailwizard.core.profile import check_email
from mailwizard.core.stages import group_of
from mailwizard.gui.wizard import FlowPage
from mailwizard.gui.workers import CheckRunner

if TYPE_CHECKING:
    from mailwizard.core.diagnosis import Diagnosis
    from mailwizard.core.smtp_check import CheckResult

MARKS = {"idle": "○", "running": "…", "ok": "✔", "failed": "✘", "cancelled": "–",
         "skipped": "–"}
COLOURS = {"ok": "#1b7f3b", "failed": "#b00020", "running": "#555555"}


class ValidatePage(FlowPage):
    #: Tests may shorten the wait before the "is this port SSL/TLS?" probe.
    greeting_wait: float | None = None
    # Read before the page is first built (e.g. when the wizard closes early).
    runner: CheckRunner | None = None
    result: CheckResult | None = None
    diagnosis: Diagnosis | None = None
    deliverability = None  # the "Will your mail reach inboxes?" panel, made in build()
    _restart_when_stopped = False

    def build(self) -> None:
        self.setTitle(self.tr("Test the settings"))
        self.setSubTitle(self.tr("mailwizard now really connects to your mail server, signs in "
                                 "and, if you wish, sends you a test message."))
        self.runner: CheckRunner | None = None
        self._restart_when_stopped = False
        self.result: CheckResult | None = None
        self.diagnosis: Diagnosis | None = None
        layout = W.QVBoxLayout(self)

        send_row = W.QHBoxLayout()
        self.send_test = W.QCheckBox(self.tr("Send a test &message to:"))
        self.send_test.setChecked(True)
        self.test_to = W.QLineEdit()
        self.test_to.setAccessibleName(self.tr("Test message recipient"))
        send_row.addWidget(self.send_test)
        send_row.addWidget(self.test_to, 1)
        layout.addLayout(send_row)

        grid = W.QGridLayout()
        self.rows: dict[str, tuple[W.QLabel, W.QLabel, W.QLabel]] = {}
        names = {"connect": self.tr("Connect to the server"),
                 "secure": self.tr("Secure connection"),
                 "sign_in": self.tr("Sign in"),
                 "test_message": self.tr("Send the test message")}
        for i, (group, text) in enumerate(names.items()):
            mark, label, ms = W.QLabel(), W.QLabel(text), W.QLabel()
            mark.setFixedWidth(24)
            mark.setAlignment(QtCore.Qt.AlignCenter)
            ms.setAlignment(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
            grid.addWidget(mark, i, 0)
            grid.addWidget(label, i, 1)
            grid.addWidget(ms, i, 2)
            self.rows[group] = (mark, label, ms)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)

        buttons = W.QHBoxLayout()
        self.test_button = W.QPushButton(self.tr("&Test again"))
        self.stop_button = W.QPushButton(self.tr("&Stop"))
        self.copy_button = W.QPushButton(self.tr("Cop&y details"))
        self.copy_button.setToolTip(self.tr("Copies a report for IT support. Your password is "
                                            "never included."))
        for b in (self.test_button, self.stop_button, self.copy_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.outcome = W.QFrame()
        self.outcome.setFrameShape(W.QFrame.StyledPanel)
        ov = W.QVBoxLayout(self.outcome)
        self.headline = W.QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(QtCore.Qt.RichText)
        self.explanation = W.QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(QtCore.Qt.RichText)
        self.explanation.setOpenExternalLinks(True)
        self.explanation.setTextInteractionFlags(QtCore.Qt.TextBrowserInteraction)
        ov.addWidget(self.headline)
        ov.addWidget(self.explanation)
        self.fix_button = W.QPushButton(self.tr("&Apply this fix and retry"))
        ov.addWidget(self.fix_button, 0, QtCore.Qt.AlignLeft)
        self.cert_box = W.QWidget()
        cv = W.QVBoxLayout(self.cert_box)
        cv.setContentsMargins(0, 0, 0, 0)
        self.cert_text = W.QLabel()
        self.cert_text.setWordWrap(True)
        self.cert_text.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.trust_button = W.QPushButton(self.tr("T&rust this certificate and test again"))
        cv.addWidget(self.cert_text)
        cv.addWidget(self.trust_button, 0, QtCore.Qt.AlignLeft)
        ov.addWidget(self.cert_box)
        layout.addWidget(self.outcome)
        from mailwizard.gui.deliverability_panel import DeliverabilityPanel

        self.deliverability = DeliverabilityPanel(self)  # informs only; never blocks saving
        layout.addWidget(self.deliverability)

        self.save_untested = W.QCheckBox(self.tr("Save these settings &without a successful test "
                                               "(not recommended)"))
        layout.addWidget(self.save_untested)
        layout.addStretch(1)

        self.test_button.clicked.connect(self.start_check)
        self.stop_button.clicked.connect(self.stop_work)
        self.copy_button.clicked.connect(self.copy_details)
        self.fix_button.clicked.connect(self.apply_fix)
        self.trust_button.clicked.connect(self.trust_certificate)
        self.save_untested.toggled.connect(self._save_untested)
        self.send_test.toggled.connect(self.test_to.setEnabled)
        self.send_test.toggled.connect(lambda _: self._settings_changed())
        self.test_to.textEdited.connect(lambda _: self._settings_changed())

    # -- page life ------------------------------------------------------------------------
    def enter(self) -> None:
        if self.runner is None:
            self.runner = CheckRunner(self.wiz().pool, self)
            self.runner.stage.connect(self._on_stage)
            self.runner.finished.connect(self._on_finished)
        if not self.test_to.text():
            self.test_to.setText(self.state.profile.from_address or self.state.email)
        self.state.save_untested = False
        self.save_untested.setChecked(False)
        if self.state.validated and self.result is not None:
            self._show_result()  # back from the save page: nothing changed, no new login
        else:
            self.start_check()

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
        self._restart_when_stopped = False
        st = self.state
        to = None
        if self.send_test.isChecked():
            to, err = check_email(self.test_to.text(), "test recipient")
            if err:
                self._show_message(self.tr("Check the test recipient's address."),
                                   html.escape(err.message), ok=False)
                return
        st.validated = False
        self.result = self.diagnosis = None
        for mark, _, ms in self.rows.values():
            self._mark(mark, "idle")
            ms.clear()
        self.outcome.hide()
        self.save_untested.hide()
        # Without a test message the server is only asked to accept the sender.
        self.rows["test_message"][1].setText(
            self.tr("Send the test message") if to else
            self.tr("Check the sender address (no message is sent)"))
        stored = self.wiz().stored_secret_ref()
        self.runner.start(st.profile.with_changes(), st.secret or None, send_test_to=to,
                          provider=self.wiz().provider, stored_secret=stored,
                          greeting_wait=self.greeting_wait,
                          access_token=st.access_token or None)
        self._update_buttons()
        self.changed()

    def _on_stage(self, stage: str, status: str, ms: float) -> None:
        group = group_of(stage)
        if group not in self.rows:
            return
        mark, _, ms_label = self.rows[group]
        if status == "running":
            self._mark(mark, "running")
            return
        # A group is as good as its worst stage; its time is the sum of its stages.
        prev = ms_label.property("ms") or 0.0
        total = prev + ms
        ms_label.setProperty("ms", total)
        ms_label.setText(self.tr("%1 ms").replace("%1", f"{total:.0f}"))
        self._mark(mark, status)

    def _on_finished(self, result: CheckResult, diagnosis: Diagnosis | None) -> None:
        if self._restart_when_stopped:
            self.start_check()
            return
        self.result, self.diagnosis = result, diagnosis
        for _, _, ms in self.rows.values():
            ms.setProperty("ms", 0.0)
        # Only these exact settings count as tested.
        self.state.validated = result.ok and result.profile == self.state.profile
        self._show_result()
        if self.state.validated:
            self.deliverability.start(self.wiz().pool, self.state.profile,
                                      self.state.recipients_per_day)
        else:
            self.deliverability.reset()
        self.changed()  # first: W.QWizard enables Next, then it can take the focus
        self._update_buttons()

    def _show_result(self) -> None:
        r, d = self.result, self.diagnosis
        if r is None:
            return
        if r.ok:
            sent = (self.tr("A test message was sent to %1: check that it arrived.")
                    .replace("%1", html.escape(r.test_message_to))
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
            body = f"{html.escape(d.cause)}<br><br><b>{html.escape(self.tr('What to do:'))}</b> "
            body += html.escape(d.fix)
            if d.help_url:
                body += (f'<br><a href="{html.escape(d.help_url)}">'
                         f"{html.escape(self.tr('Help from your provider'))}</a>")
            if d.server_reply:
                body += (f"<br><small>{html.escape(self.tr('The server said:'))} "
                         f"{html.escape(d.server_reply)}</small>")
            if not allowed:
                body += "<br><br>" + html.escape(self.tr(
                    "The setting that would fix this is set by your administrator: please "
                    "ask your IT contact."))
            self._show_message(self.tr("The test failed."), body, ok=False)
        self.fix_button.setVisible(bool(d.suggestion) and allowed)
        if d.suggestion:
            self.fix_button.setText(self.tr("&Apply this fix and retry: %1")
                                    .replace("%1", d.suggestion_text))
        cert = d.certificate
        self.cert_box.setVisible(bool(cert) and d.code in ("certificate_untrusted",
                                                           "certificate_changed"))
        self.trust_button.setVisible(not self.state.site.is_locked("trust_sha256"))
        if cert:
            fp = ":".join(cert["sha256"][i:i + 2] for i in range(0, 64, 2)).upper()
            self.cert_text.setText(
                self.tr("Issued to: %1\nIssued by: %2\nValid: %3 to %4\nNames: %5\n"
                        "SHA-256 fingerprint: %6\n\nTrust it only if your IT contact confirms "
                        "this fingerprint.")
                .replace("%1", cert["subject"]).replace("%2", cert["issuer"])
                .replace("%3", cert["not_before"]).replace("%4", cert["not_after"])
                .replace("%5", ", ".join(cert["names"])).replace("%6", fp))
        self.save_untested.setVisible(d.code != "invalid_settings")

    def _show_message(self, headline: str, body: str, *, ok: bool | None) -> None:
        colour = {True: COLOURS["ok"], False: COLOURS["failed"], None: "#555555"}[ok]
        self.headline.setText(f'<b style="color:{colour}">{html.escape(headline)}</b>')
        self.explanation.setText(body)
        self.fix_button.hide()
        self.cert_box.hide()
        self.outcome.show()

    def _mark(self, label: W.QLabel, status: str) -> None:
        label.setText(MARKS.get(status, "?"))
        label.setStyleSheet(f"color: {COLOURS.get(status, '#777777')}; font-weight: bold;")
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
        elif self.fix_button.isVisible():
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
        self.state.profile = self.state.profile.with_changes(**d.suggestion)
        self.state.invalidate()
        self.start_check()

    def trust_certificate(self) -> None:
        d = self.diagnosis
        if not d or not d.certificate:
            return
        self.state.profile = self.state.profile.with_changes(pinned_sha256=d.certificate["sha256"])
        self.state.invalidate()
        self.start_check()

    def copy_details(self) -> None:
        if self.result is not None:
            from mailwizard.core.report import format_report

            wiz = self.wiz()
            QGuiApplication.clipboard().setText(format_report(
                self.result, self.diagnosis, config_path=wiz.config_path, site=wiz.site,
                site_error=wiz.site_error))

    def _save_untested(self, on: bool) -> None:
        self.state.save_untested = on
        self.changed()

    def _settings_changed(self) -> None:
        if not self.busy():
            self.state.validated = False
            self.changed()
