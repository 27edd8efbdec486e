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

from mailwizard.core.flow import (apply_fix, bind_secret, fix_allowed, message_recipient,
                                  settle_secret, type_secret)
from mailwizard.core.profile import check_email
from mailwizard.gui import a11y
from mailwizard.gui.pages.validate_outcome import OutcomePanel
from mailwizard.gui.pages.validate_stages import StageList
from mailwizard.gui.widgets import wrapped
from mailwizard.gui.wizard import FlowPage
from mailwizard.gui.workers import CheckRunner

if TYPE_CHECKING:
    from mailwizard.core.diagnosis.smtp import Diagnosis
    from mailwizard.core.checks.smtp import CheckResult

#: failures a new password can fix: the test page asks for it again right there
PASSWORD_REFUSED = {"auth_failed", "app_password_required", "ews_ntlm_failed"}


def _part(panel: str, name: str) -> property:
    """A control of one of the page's panels, under the name tests and probes reach it by."""
    return property(lambda page: getattr(getattr(page, panel), name))


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

    # The panels' controls, under the names tests and AT-SPI probes know them by.
    rows = _part("stages", "rows")
    headline = _part("outcome", "headline")
    explanation = _part("outcome", "explanation")
    help_link = _part("outcome", "help_link")
    details = _part("outcome", "details")
    fix_button = _part("outcome", "fix_button")
    retype_box = _part("outcome", "retype_box")
    retype_label = _part("outcome", "retype_label")
    retype = _part("outcome", "retype")
    retype_button = _part("outcome", "retype_button")
    cert_box = _part("outcome", "cert_box")
    cert_text = _part("outcome", "cert_text")
    fingerprint_label = _part("outcome", "fingerprint_label")
    fingerprint = _part("outcome", "fingerprint")
    trust_button = _part("outcome", "trust_button")

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
        layout = W.QVBoxLayout(self.body)

        self.intro = wrapped(self.tr("Press Test now when you are ready. If the box is ticked, "
                                     "a test message is also sent to the address beside it."))
        layout.addWidget(self.intro)
        layout.addLayout(self._recipient_row())
        self.sent_note = wrapped()
        self.sent_note.hide()
        layout.addWidget(self.sent_note)
        self.stages = StageList(self.busy, sends_message=self._sends_message)
        layout.addWidget(self.stages)
        layout.addLayout(self._test_buttons())

        self.outcome = OutcomePanel()
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
        self._connect_controls()

    def _recipient_row(self) -> W.QHBoxLayout:
        """"Also send a test message to: [address]"."""
        send_row = W.QHBoxLayout()
        self.send_test = W.QCheckBox(self.tr("Also send a test &message to:"))
        self.send_test.setChecked(True)
        self.test_to = W.QLineEdit()
        self.test_to.setAccessibleName(self.tr("Test message recipient"))
        send_row.addWidget(self.send_test)
        send_row.addWidget(self.test_to, 1)
        self.width_fit.rows.append(send_row)
        return send_row

    def _test_buttons(self) -> W.QHBoxLayout:
        """Test now, Stop, Copy details (and "Copied" beside them)."""
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
        return buttons

    def _connect_controls(self) -> None:
        self.test_button.clicked.connect(self.start_check)
        self.stop_button.clicked.connect(self.stop_work)
        self.copy_button.clicked.connect(self.copy_details)
        self.outcome.fix_chosen.connect(self.apply_fix)
        self.outcome.trust_chosen.connect(self.trust_certificate)
        self.outcome.password_typed.connect(self.retry_with_password)
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
        self._note_message_sent(recipient)
        if self.busy():
            # A check cancelled by Back is still winding down: its "stopped" is not news.
            self._discard_stale = True
        if self.state.validated and self.result is not None:
            self._show_result()  # back from the save page: nothing changed, no new login
        else:
            self.result = self.diagnosis = None
            self.stages.clear()
            self.outcome.hide()
            self.save_untested.hide()
        self._update_buttons()

    def _note_message_sent(self, recipient: str) -> None:
        """Back on this page after a test message went to `recipient`: the box is unticked
        and a note says so; for another recipient the box is ticked again."""
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
                self.outcome.show_message(self.tr("Check the test recipient's address."),
                                          html.escape(err.message), ok=False)
                QtCore.QTimer.singleShot(0, self.test_to.setFocus)
                return
        st.validated = False
        self.result = self.diagnosis = None
        self.outcome.hide()
        self.save_untested.hide()
        self.copied.clear()
        self.test_button.setText(self.tr("&Test again"))
        # Without a test message the server is only asked to accept the sender.
        self._sends_message = bool(to)
        self.stages.start(sends_message=self._sends_message)
        stored = self.wiz().stored_secret_ref()
        self.runner.start(st.profile.with_changes(), st.secret or None, send_test_to=to,
                          provider=self.wiz().provider, stored_secret=stored,
                          greeting_wait=self.greeting_wait,
                          access_token=st.access_token or None, site=self.wiz().site.raw)
        self._update_buttons()
        self.changed()

    def _on_stage(self, stage: str, status: str, ms: float) -> None:
        # through the page: the runner outlives the stage list (another language rebuilds it)
        self.stages.on_stage(stage, status, ms)

    def _on_finished(self, result: CheckResult, diagnosis: Diagnosis | None) -> None:
        self.stages.stop()
        if self._restart_when_stopped:
            self.start_check()
            return
        if self._discard_stale:
            self._discard_stale = False
            self.stages.clear(names=False)
            self._update_buttons()
            self.changed()
            return
        self.result, self.diagnosis = result, diagnosis
        self.stages.finish(stopped=diagnosis is not None and diagnosis.code == "cancelled")
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
        a11y.alert(self.outcome.headline)

    def _show_result(self) -> None:
        r, d = self.result, self.diagnosis
        if r is None:
            return
        if r.ok:
            self.outcome.show_passed(r.test_message_to, r.sender_accepted)
            return
        # A fix that would change a field the administrator locked is not offered.
        allowed = not d.suggestion or fix_allowed(self.state, d.suggestion)
        if d.code == "cancelled":
            self.outcome.show_stopped()
        else:
            self.outcome.show_failure(d, fix_allowed=allowed)
        self.outcome.offer_fix(d.suggestion_text if d.suggestion else None,
                               shown=bool(d.suggestion) and allowed)
        if d.code in PASSWORD_REFUSED and self.state.profile.auth.value == "password":
            self.outcome.ask_password(self._password_kind(d.code))
            self.wiz().return_focus = "secret"
        self.outcome.show_certificate(
            d.certificate, shown=bool(d.certificate) and d.code in ("certificate_untrusted",
                                                                    "certificate_changed"),
            can_trust=not self.state.site.is_locked("trust_sha256"))
        self.save_untested.setVisible(d.code != "invalid_settings")

    def _password_kind(self, code: str = "") -> str:
        """Which password the box asks for again (see OutcomePanel.ask_password): where the
        provider wants an app password (Gmail's 534 5.7.9), a new one is pasted, not the
        password typed again."""
        provider = self.wiz().provider
        app = code == "app_password_required" or (
            provider is not None and provider.secret_kind == "app_password")
        if not app:
            return "password"
        return "app_password_again" if code == "cleared" else "app_password"

    def _update_buttons(self) -> None:
        running = self.busy()
        self.stop_button.setEnabled(running)
        self.test_button.setEnabled(not running)
        self.copy_button.setEnabled(not running and self.result is not None)
        outcome = self.outcome
        if running:
            target = self.stop_button
        elif outcome.retype_box.isVisibleTo(self) and not outcome.isHidden():
            target = outcome.retype
        elif outcome.fix_button.isVisibleTo(self) and not outcome.isHidden():
            target = outcome.fix_button
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
        self.stages.stop()
        server = self.state.profile.host or self.state.profile.ews_url
        self.outcome.show_message(
            self.tr("The password was cleared because the server changed."),
            html.escape(self.tr("Type the password for {server} and test again.")
                        .format(server=server)), ok=None)
        self.outcome.ask_password(self._password_kind("cleared"))
        self.wiz().return_focus = "secret"
        self._update_buttons()
        self.changed()
        a11y.alert(self.outcome.headline)

    def trust_certificate(self) -> None:
        d = self.diagnosis
        if not d or not d.certificate:
            return
        self.state.profile = self.state.profile.with_changes(pinned_sha256=d.certificate["sha256"])
        self.state.invalidate()
        self.start_check()

    def retry_with_password(self) -> None:
        """The password typed again on this page: it replaces the one on the account page."""
        retype = self.outcome.retype
        if not retype.text():
            return
        st = self.state
        type_secret(st, retype.text())
        bind_secret(st)  # typed for the server this page tests
        st.use_stored_secret = False
        st.invalidate()
        retype.clear()
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
