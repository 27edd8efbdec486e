"""Steps 5–6: what will be stored where, the commit that stores it (off the GUI thread), and
the success page."""

from __future__ import annotations

import html

from PySide6 import QtCore, QtGui
# Widget classes are reached through the module so that PySide6 sets each type up only
# when build() first uses it, not when the wizard starts.
from PySide6 import QtWidgets as W

from mailwizard.core.flow import Step
from mailwizard.core.store.save import plan_save, save_settings
from mailwizard.core.store.secrets import get_secret
from mailwizard.gui import a11y
from mailwizard.gui.style import colour, style_text
from mailwizard.gui.widgets import Details, wrapped
from mailwizard.gui.wizard import FlowPage
from mailwizard.gui.workers import BackgroundCall


def store_name(plan) -> str:
    """Where the password goes, in words a person knows: plain words first, the program's
    name in brackets."""
    import sys

    from PySide6.QtCore import QCoreApplication

    if sys.platform.startswith("win"):
        name = "Windows Credential Manager"
    elif sys.platform == "darwin":
        name = "macOS Keychain"
    else:
        name = "GNOME Keyring"
    # Translators: where the password is kept; {name} is e.g. "GNOME Keyring".
    return QCoreApplication.translate("SavePage", "your computer's password store ({name})"
                                      ).format(name=name)


def keyring_details(page, plan) -> str:
    """The exact keyring entry, for IT (under Details)."""
    lines = [page.tr("Settings file: {path}").format(path=str(plan.config_path))]
    if plan.secret is not None:
        lines.append(page.tr("Keyring entry: {entry}").format(entry=plan.secret.describe()))
    return "\n".join(lines)


class SavePage(FlowPage):
    call: BackgroundCall | None = None  # read before the page is first built
    saved_plan = None
    def build(self) -> None:
        self.setTitle(self.tr("Save the settings"))
        self.setSubTitle(self.tr("Check what will be stored, then press Save."))
        self.setCommitPage(True)
        layout = W.QVBoxLayout(self.body)
        self.summary = W.QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(QtCore.Qt.RichText)
        self.summary.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.details = Details()
        layout.addWidget(self.details)
        self.status = W.QLabel()
        self.status.setWordWrap(True)
        a11y.set_role(self.status, a11y.ALERT)
        self.status.hide()  # shown with something to say (an empty alert is still read)
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
            (self.tr("Sign-in") if plan.secret and plan.secret.kind == "refresh_token"
             else self.tr("Password"),
             (self.tr("a sign-in token, kept safely in {store}, never in the settings file")
              if plan.secret.kind == "refresh_token" else
              self.tr("kept safely in {store}, never in the settings file"))
             .format(store=store_name(plan)) if plan.secret else self.tr("none needed")),
        ]
        table = "".join(f"<tr><td><b>{e(k)}</b>&nbsp;&nbsp;</td><td>{e(v)}</td></tr>"
                        for k, v in rows)
        warn = ""
        if st.save_untested and not st.validated:
            note = self.tr("these settings did not pass the test. Your ERP may fail to send "
                           "email until they are corrected.")
            untested = self.tr("Not tested:")  # (not inside the f-string: not extracted there)
            warn = (f'<p style="color:{colour("error", self)}"><b>{e(untested)}'
                    f"</b> {e(note)}</p>")
        self.summary.setText(f"<table>{table}</table>{warn}")
        self.details.set_text(keyring_details(self, plan))
        self.status.clear()
        self.status.hide()
        QtCore.QTimer.singleShot(0, self.wiz().button(W.QWizard.CommitButton).setFocus)

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
            from mailwizard.core.admin.report import saved_check_record

            use_secret = get_secret(stored) if stored is not None else secret
            return save_settings(profile, use_secret, validation, config_path=path,
                                 profile_name=name, allow_untested=validation is None,
                                 replace_damaged=replace_damaged,
                                 last_check=saved_check_record(validation, "wizard"))

        self.call = BackgroundCall(wiz.pool, self)
        self.call.done.connect(self._saved)
        self.call.failed.connect(self._failed)
        self.status.setText(self.tr("Saving…"))
        self.status.show()
        self.call.start(work)
        self.changed()
        return False

    def _saved(self, plan) -> None:
        self.saved_plan = plan
        self.state.saved = True
        self.changed()
        self.wiz().next()

    def _failed(self, exc: Exception) -> None:
        self.status.setText(self.tr("Nothing was saved: {error}").format(error=str(exc)))
        style_text(self.status, "error")
        self.status.show()
        self.changed()
        a11y.alert(self.status)


class DonePage(FlowPage):
    def build(self) -> None:
        self.setTitle(self.tr("All set"))
        layout = W.QVBoxLayout(self.body)
        self.card = W.QFrame()
        self.card.setFrameShape(W.QFrame.StyledPanel)
        self.card.setAutoFillBackground(True)
        self.card.setBackgroundRole(QtGui.QPalette.Base)
        cv = W.QVBoxLayout(self.card)
        self.card_title = wrapped()
        style_text(self.card_title, "ok", bold=True)
        self.card_text = wrapped()
        self.card_text.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse
                                               | QtCore.Qt.TextSelectableByKeyboard)
        cv.addWidget(self.card_title)
        cv.addWidget(self.card_text)
        layout.addWidget(self.card)
        # What the From domain still needs (from the test page's deliverability check).
        self.domain_note = wrapped()
        self.domain_note.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse
                                                 | QtCore.Qt.TextSelectableByKeyboard)
        self.domain_note.hide()
        layout.addWidget(self.domain_note)
        self.text = wrapped()
        layout.addWidget(self.text)
        self.details = Details()
        layout.addWidget(self.details)
        # Installed (or removed) with the computer's scheduler when Finish is pressed.
        # A check box does not wrap its text: the short label, and the rest beside it as a
        # wrapping line (also the box's description for screen readers).
        self.daily = W.QCheckBox(self.tr("&Check these settings every day"))
        self.daily.setChecked(True)
        daily_hint = W.QLabel(self.tr("…and warn me on this computer if they stop working."))
        daily_hint.setWordWrap(True)
        self.daily.setAccessibleDescription(daily_hint.text())
        layout.addWidget(self.daily)
        layout.addWidget(daily_hint)
        # What the daily check will do and when it warns, in plain words (issue 23), and
        # when it will start (issue 22: no scheduler running yet for this account).
        self.daily_plan = wrapped()
        layout.addWidget(self.daily_plan)
        self.daily.toggled.connect(self._show_plan)
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
        from mailwizard.core.admin import schedule

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

    def _show_plan(self) -> None:
        from mailwizard.core.admin import schedule

        if not self.daily.isChecked():
            self.daily_plan.setText(self.tr(
                "No daily check: nobody will be told if these settings stop working. You can "
                "test them at any time by opening this wizard again."))
            return
        lines = [self.tr(
            "Every day at about {time}, mailwizard tests these settings in the background. "
            "It warns you on this computer only when someone needs to act — for example "
            "when the password stopped working — once, with what to do.").format(
                time=schedule.run_time()),
            self.tr("It does not warn when this computer is offline or the email server has "
                    "a short problem: it waits and tries again. If a server problem lasts "
                    "more than a day, it warns then.")]
        self.plan_starts_later = schedule.starts_at_next_sign_in()
        if self.plan_starts_later:
            lines.append(self.tr(
                "This computer has no scheduler running for your account yet (the systemd "
                "user manager), so the daily check will start the next time you sign in to "
                "this computer. Nothing else needs to be done."))
        self.daily_plan.setText("\n\n".join(lines))

    plan_starts_later = False

    def _scheduled(self, sched) -> None:
        self.schedule_done = True
        if sched is not None and sched.note and not self.plan_starts_later:
            # the scheduler said something the page had not said yet: read it, then Finish
            self.schedule_status.setText(self.tr("The daily check is set up. Note: {note}")
                                         .format(note=sched.note_text()))
            return
        self.wiz().button(W.QWizard.FinishButton).click()

    def _schedule_failed(self, exc: Exception) -> None:
        self.schedule_done = True  # the next Finish closes; the settings are saved anyway
        self.schedule_status.setText(self.tr("The daily check could not be set up: {error}")
                                     .format(error=str(exc)))

    def enter(self) -> None:
        wiz, st = self.wiz(), self.state
        plan = wiz.pages[Step.SAVE].saved_plan
        p = st.profile
        sender = f"{p.display_name} <{p.from_address}>" if p.display_name else p.from_address
        via = p.ews_url if p.ews_url else p.host
        self.card_title.setText(self.tr("Your ERP can now send email."))
        sending = (self.tr("Sending as {sender} via {server}, tested just now.")
                   if st.validated else
                   self.tr("Sending as {sender} via {server}, not tested."))
        lines = [sending.format(sender=sender, server=via)]
        if plan is not None and plan.secret is not None:
            lines.append(self.tr("The password is kept safely in {store}.")
                         .format(store=store_name(plan)))
        self.card_text.setText("\n".join(lines))
        self.card.setAccessibleName(self.card_title.text())
        self.card.setAccessibleDescription(self.card_text.text())
        self._show_domain_note()
        self.text.setText(self.tr("If your password changes, open this wizard again and "
                                  "choose \u201cMy password changed\u201d."))
        self.details.set_text(keyring_details(self, plan) if plan is not None else "")
        self._show_plan()
        QtCore.QTimer.singleShot(0, self.wiz().button(W.QWizard.FinishButton).setFocus)

    def _show_domain_note(self) -> None:
        """Sending works, but a record the From domain still needs is said plainly here, with
        the records to forward: "All set" alone hid it."""
        validate = self.wiz().pages[Step.VALIDATE]
        panel = getattr(validate, "deliverability", None)
        report = panel.report if panel is not None else None
        todo = [f for f in (report.findings if report is not None and not report.error
                            else []) if f.verdict.value in ("needs_record", "rejected")]
        self.setTitle(self.tr("Saved: one thing is left to do") if todo
                      else self.tr("All set"))
        if not todo:
            self.domain_note.hide()
            return
        domain = self.state.profile.from_address.rpartition("@")[2]
        lines = [self.tr("Your domain {domain} still needs attention, or some mailboxes "
                         "may put your mail in spam or refuse it:").format(domain=domain)]
        for f in todo:
            # Translators: one check still to do, e.g. "DKIM: needs a record".
            lines.append("• " + self.tr("{check}: {verdict}").format(
                check=f.title, verdict=f.verdict.words))
        lines.append(self.tr("Send these steps to whoever runs your domain:"))
        for f in todo:
            for rec in f.records:
                lines.append(rec.instruction() if rec.exact else self.tr(
                    "Add a {type} record at {name}, with the value {service} shows in its "
                    "settings.").format(type=rec.type, name=rec.name,
                                        service=report.service_name or f.title))
        self.domain_note.setText("\n".join(lines))
        style_text(self.domain_note, "warning")
        self.domain_note.show()
