"""Steps 5–6: what will be stored where, the commit that stores it (off the GUI thread), and
the success page."""

from __future__ import annotations

import html

from PySide6 import QtCore
# Widget classes are reached through the module so that PySide6 sets each type up only
# when build() first uses it, not when the wizard starts.
from PySide6 import QtWidgets as W

from mailwizard.core.flow import Step
from mailwizard.core.save import plan_save, save_settings
from mailwizard.core.secrets import get_secret
from mailwizard.gui.wizard import FlowPage
from mailwizard.gui.workers import BackgroundCall


class SavePage(FlowPage):
    call: BackgroundCall | None = None  # read before the page is first built
    saved_plan = None
    def build(self) -> None:
        self.setTitle(self.tr("Save the settings"))
        self.setSubTitle(self.tr("Check what will be stored, then press Save."))
        self.setCommitPage(True)
        layout = W.QVBoxLayout(self)
        self.summary = W.QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(QtCore.Qt.RichText)
        self.summary.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.status = W.QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.call: BackgroundCall | None = None
        self.saved_plan = None

    def _profile_name(self) -> str:
        saved = self.wiz().saved
        return saved.profile_name if saved else "default"

    def enter(self) -> None:
        wiz, st = self.wiz(), self.state
        plan = plan_save(st.profile, wiz.config_path, self._profile_name())
        p = st.profile
        e = html.escape
        rows = [
            (self.tr("Server"), p.server_text()),
            (self.tr("Sign in as"), p.username or self.tr("(no sign-in)")),
            (self.tr("Send as"), f"{p.display_name} <{p.from_address}>" if p.display_name
             else p.from_address),
            (self.tr("Settings file"), str(plan.config_path)),
            (self.tr("Password"), plan.secret.describe() + " " +
             self.tr("(kept by your computer's password store, never in the file)")
             if plan.secret else self.tr("none needed")),
        ]
        table = "".join(f"<tr><td><b>{e(k)}</b>&nbsp;&nbsp;</td><td>{e(v)}</td></tr>"
                        for k, v in rows)
        warn = ""
        if st.save_untested and not st.validated:
            note = self.tr("these settings did not pass the test. Your ERP may fail to send "
                           "email until they are corrected.")
            warn = (f'<p style="color:#b00020"><b>{e(self.tr("Not tested:"))}</b> '
                    f"{e(note)}</p>")
        self.summary.setText(f"<table>{table}</table>{warn}")
        self.status.clear()

    def busy(self) -> bool:
        return bool(self.call and self.call.running)

    def isComplete(self) -> bool:  # noqa: N802 - ready to press Save
        return not self.busy() and (self.state.validated or self.state.save_untested)

    def validatePage(self) -> bool:  # noqa: N802
        """Save runs on a worker (keyring and disk are never touched on the GUI thread);
        when it is done the wizard moves on by itself."""
        if self.state.saved:
            return True
        if self.busy():
            return False
        wiz, st = self.wiz(), self.state
        validation = wiz.pages[Step.VALIDATE].result if st.validated else None
        # What is saved is exactly what was tested.
        profile = validation.profile if validation is not None else st.profile.with_changes()
        secret = st.secret
        stored = wiz.stored_secret_ref()
        name, path, replace_damaged = self._profile_name(), wiz.config_path, wiz.replace_damaged

        def work():
            use_secret = get_secret(stored) if stored is not None else secret
            return save_settings(profile, use_secret, validation, config_path=path,
                                 profile_name=name, allow_untested=validation is None,
                                 replace_damaged=replace_damaged, command="wizard")

        self.call = BackgroundCall(wiz.pool, self)
        self.call.done.connect(self._saved)
        self.call.failed.connect(self._failed)
        self.status.setText(self.tr("Saving…"))
        self.call.start(work)
        self.changed()
        return False

    def _saved(self, plan) -> None:
        self.saved_plan = plan
        self.state.saved = True
        self.changed()
        self.wiz().next()

    def _failed(self, exc: Exception) -> None:
        self.status.setText(self.tr("Nothing was saved: %1").replace("%1", str(exc)))
        self.status.setStyleSheet("color: #b00020;")
        self.changed()


class DonePage(FlowPage):
    def build(self) -> None:
        self.setTitle(self.tr("All set"))
        layout = W.QVBoxLayout(self)
        self.text = W.QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(QtCore.Qt.RichText)
        self.text.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        layout.addWidget(self.text)
        # Installed (or removed) with the computer's scheduler when Finish is pressed.
        self.daily = W.QCheckBox(self.tr("&Check these settings every day and warn me if they "
                                         "stop working"))
        self.daily.setChecked(True)
        layout.addWidget(self.daily)
        self.schedule_status = W.QLabel()
        self.schedule_status.setWordWrap(True)
        layout.addWidget(self.schedule_status)
        layout.addStretch(1)
        self.schedule_call: BackgroundCall | None = None
        self.schedule_done = False

    def validatePage(self) -> bool:  # noqa: N802 - Finish: the daily check, off the GUI thread
        if self.schedule_done:
            return True
        if self.schedule_call is not None and self.schedule_call.running:
            return False
        from mailwizard.core import schedule

        wiz = self.wiz()
        wanted, path = self.daily.isChecked(), wiz.config_path
        site = wiz.site.path

        def work():
            if wanted:
                return schedule.install("daily", path, site_config=site)
            schedule.remove()
            return None

        self.schedule_call = BackgroundCall(wiz.pool, self)
        self.schedule_call.done.connect(self._scheduled)
        self.schedule_call.failed.connect(self._schedule_failed)
        self.schedule_status.setText(self.tr("Setting up the daily check…") if wanted
                                     else "")
        self.schedule_call.start(work)
        return False

    def _scheduled(self, _sched) -> None:
        self.schedule_done = True
        self.wiz().button(W.QWizard.FinishButton).click()

    def _schedule_failed(self, exc: Exception) -> None:
        self.schedule_done = True  # the next Finish closes; the settings are saved anyway
        self.schedule_status.setText(self.tr("The daily check could not be set up: %1")
                                     .replace("%1", str(exc)))

    def enter(self) -> None:
        plan = self.wiz().pages[Step.SAVE].saved_plan
        e = html.escape
        lines = [e(self.tr("Your ERP can now send email with these settings.")), ""]
        if plan is not None:
            lines += [e(line) for line in plan.describe()]
        lines += ["", e(self.tr("If your password changes, open this wizard again and choose "
                                "“My password changed”."))]
        self.text.setText("<br>".join(lines))
