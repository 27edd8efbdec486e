"""The QWizard: one page per flow step; which page follows which comes from core.flow."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QLabel, QStyle, QWizard

from mailwizard import APP_ID
from mailwizard.core.flow import (FlowState, Resume, Step, apply_site, first_step, moved,
                                  next_step, secret_owner, stored_secret_allowed)
from mailwizard.core.admin.site import SiteConfig
from mailwizard.core.resources import resource_path
from mailwizard.gui.flowpage import FlowPage, PageKeys, set_by_name  # pages: FlowPage here
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from mailwizard.core.providers import Catalogue, ProviderPreset
    from mailwizard.core.store.config import SavedSettings


#: Which module and class make each step's page (imported when the page is first needed).
PAGE_CLASSES = {
    Step.RESUME: ("choose", "ResumePage"), Step.SERVICE: ("choose", "ServicePage"),
    Step.PROVIDER: ("choose", "ProviderPage"), Step.ACCOUNT: ("account", "AccountPage"),
    Step.VALIDATE: ("validate", "ValidatePage"), Step.SAVE: ("save", "SavePage"),
    Step.DONE: ("save", "DonePage"), Step.EXCHANGE: ("exchange", "ExchangePage"),
    Step.CONNECT: ("connect", "ConnectPage"),
}


class _Pages(Mapping):
    """wizard.pages[step]: the page of a step, made on first access."""

    def __init__(self, wizard: "MailWizard"):
        self._wizard = wizard

    def __getitem__(self, step: Step) -> FlowPage:
        return self._wizard.page_for(Step(step))

    def __iter__(self):
        return iter(Step)

    def __len__(self) -> int:
        return len(Step)


class MailWizard(QWizard):
    def __init__(self, *, config_path: Path | None = None,
                 saved: SavedSettings | None = None, load_error: str = "",
                 replace_damaged: bool = False, site: SiteConfig | None = None,
                 site_error: str = "", catalogue: Catalogue | None = None,
                 resume: str | None = None, parent=None):
        super().__init__(parent)
        from mailwizard.gui.pyside_fix import guard

        guard()  # also when the host program made the QApplication itself
        self._catalogue = catalogue
        if not config_path:
            from mailwizard.core.store.config import default_config_path

            config_path = default_config_path()
        self.config_path = Path(config_path)
        self.saved = saved
        self.load_error = load_error
        self.replace_damaged = replace_damaged
        #: The administrator's site file (defaults, locks, hidden services) and, when it
        #: could not be used, why.
        self.site = site or SiteConfig()
        self.site_error = site_error
        self._pool = None
        self.state = FlowState(has_saved_settings=saved is not None)
        apply_site(self.state, self.site)
        self.restore_saved()

        self.setObjectName("mailwizard")
        self.setWindowIcon(QIcon(str(resource_path(f"{APP_ID}.svg"))))
        # The wizard style is left to Qt: Aero on Windows, Mac style on macOS, Classic/Modern
        # elsewhere — the native look on each platform.
        # No Back on the first page, no Help button, no Cancel after saving (only Finish). One
        # setOptions: each setOption lays the buttons out again (≈ 5 ms each, measured).
        self.setOptions((self.options() | QWizard.NoBackButtonOnStartPage
                         | QWizard.NoCancelButtonOnLastPage) & ~QWizard.HaveHelpButton)
        # No minimum size: pages scroll, so the window fits an 800x600 screen and large text.
        self._fit_screen()
        self.steps_panel = QLabel()
        self.steps_panel.setObjectName("steps")
        set_by_name(self.steps_panel, textFormat="RichText", alignment="AlignTop|AlignLeading")
        self.steps_panel.setMargin(8)
        self.setSideWidget(self.steps_panel)
        self.show_own_texts()
        #: a field the next entered page should focus (e.g. the password after a refused
        #: sign-in)
        self.return_focus = ""
        #: settings a fix on the test page changed (the account page shows them opened)
        self.fixed_fields: set[str] = set()
        self._confirm: QMessageBox | None = None
        self._last_step: Step | None = None

        self._page_keys = keys = PageKeys(self)
        app = QApplication.instance()
        connection = app.focusChanged.connect(keys.watch)
        self.destroyed.connect(lambda *_: QObject.disconnect(connection))
        self._names_timer = QTimer(self)
        self._names_timer.setSingleShot(True)
        self._names_timer.setInterval(0)
        self._names_timer.timeout.connect(self._name_controls)
        #: what waits until the window is first painted (after_first_paint); None since then
        self._after_paint: list | None = []
        from mailwizard.gui.style import make_readable

        make_readable(self)

        self.pages = _Pages(self)
        if resume and saved is not None:  # e.g. from the warning of a failed scheduled check
            self.state.resume = Resume(resume)
        start = first_step(self.state)
        # Only the first page is made now, the others when first needed. Its widgets too, before
        # the window shows: a title set on the page on screen lays the wizard out again.
        self.pages[start]
        self.setStartId(int(start))
        self.pages[start].ensure_built()
        self.currentIdChanged.connect(self._entered)

    def show_own_texts(self) -> None:
        """The wizard's own words in the language in use (again after a language switch; Qt's
        Back/Next/Finish/Cancel are made again when a button text is set)."""
        self.setWindowTitle(self.tr("Email settings for your ERP"))
        self.setButtonText(QWizard.CommitButton, self.tr("&Save"))
        self.steps_panel.setAccessibleName(self.tr("Steps"))

    def _fit_screen(self) -> None:
        """The first size and place: inside the screen's available area, window frame
        (title bar, borders) included. The frame is not known before the window is shown:
        an estimate now, corrected by _keep_on_screen once the window manager has framed it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen else None
        width, height = 940, 660
        top = self.style().pixelMetric(QStyle.PM_TitleBarHeight) + 8
        side = 4
        if area is not None:
            width = min(width, area.width() - 2 * side)
            height = min(height, area.height() - top - side)
        # A fixed, small minimum: pages scroll instead of growing the window (and QWizard
        # then leaves the minimum alone instead of changing it on every page).
        self.setMinimumSize(min(560, width), min(420, height))
        self.resize(width, height)
        if area is not None:
            self.move(area.x() + max(0, (area.width() - width - 2 * side) // 2),
                      area.y() + max(0, (area.height() - height - top - side) // 2))
        self._placing = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if getattr(self, "_placing", False):
            QTimer.singleShot(0, self, self._keep_on_screen)
            # The window manager frames the window a moment after it is shown (later on a
            # busy machine): look again whenever it moves or resizes it, until a little while
            # after the frame is known.
            QTimer.singleShot(10000, self, self._placed)

    def _placed(self) -> None:
        self._placing = False

    def moveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().moveEvent(event)
        if getattr(self, "_placing", False) and self.isVisible():
            QTimer.singleShot(0, self, self._keep_on_screen)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._fit_header)
        if getattr(self, "_placing", False) and self.isVisible():
            QTimer.singleShot(0, self, self._keep_on_screen)

    def _keep_on_screen(self) -> None:
        """Shrink and move the framed window into the screen's available area (Back, Next
        and Cancel stay on screen on 800x600 and with large text)."""
        screen = self.screen()
        if screen is None or not self.isVisible():
            return
        area, frame = screen.availableGeometry(), self.frameGeometry()
        if frame != self.geometry() and not getattr(self, "_framed", False):
            self._framed = True
            QTimer.singleShot(1500, self, self._placed)
        if area.contains(frame):
            return
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        width = min(self.width(), area.width() - extra_w)
        height = min(self.height(), area.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.setMinimumSize(min(self.minimumWidth(), width), min(self.minimumHeight(), height))
            self.resize(width, height)
        x = min(max(frame.x(), area.x()), area.right() + 1 - width - extra_w)
        y = min(max(frame.y(), area.y()), area.bottom() + 1 - height - extra_h)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def after_first_paint(self, job, context: QObject | None = None) -> None:
        """Run `job` once the window has been painted for the first time (at the next turn
        of the event loop; at once that turn when it has been): what the first page does not
        need in order to be seen waits until it is on screen. `context`: the object the job
        belongs to (the job is dropped if it is deleted first); the wizard by default."""
        if self._after_paint is None:
            QTimer.singleShot(0, context or self, job)
        else:
            self._after_paint.append((context or self, job))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if self._after_paint is not None:
            jobs, self._after_paint = self._after_paint, None
            for context, job in jobs:
                QTimer.singleShot(0, context, job)

    # -- what a screen reader says -----------------------------------------------------------
    def refresh_names(self) -> None:
        """Soon (once for many changes in one go): the current page's Tab order follows its
        layout, and its controls are named after their text without the mnemonic. The first
        time once the window is on screen: naming costs the start a few milliseconds."""
        self.after_first_paint(self._names_timer.start)  # starting it again is harmless

    def _name_controls(self) -> None:
        from mailwizard.gui import a11y

        page = self.currentPage()
        if isinstance(page, FlowPage) and page._built:
            page.order_tabs()
        roots = [page] if page is not None else []
        a11y.name_controls(roots, [self.button(b) for b in (
            QWizard.BackButton, QWizard.NextButton, QWizard.CommitButton,
            QWizard.FinishButton, QWizard.CancelButton)])

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange and not getattr(self, "_repainting", False):
            from mailwizard.gui.style import make_readable

            self._repainting = True
            try:
                make_readable(self)
            finally:
                self._repainting = False

    def _entered(self, page_id: int) -> None:
        """Every page shows the current settings whenever it is entered: Next calls
        initializePage, Back does not, so Back fills the page here."""
        page = self.page(page_id)
        # A secret typed on the page just left belongs to the account as it is now; one that
        # no longer matches its account is cleared (core.flow's rule).
        left, self._last_step = self._last_step, Step(page_id) if page_id >= 0 else None
        if self._last_step is not None:
            moved(self.state, left, self._last_step)
        if isinstance(page, FlowPage):
            if page._initialized_now:
                page._initialized_now = False
            else:
                page.ensure_built()
                page.enter()
                page.changed()
        self._show_steps(page_id)
        self.refresh_names()
        QTimer.singleShot(0, self, self._fit_header)

    def _fit_header(self) -> None:
        """QWizard's header sizes the page's subtitle for fewer lines than a long subtitle in
        a tall script needs once it wraps (Tamil: 36 px given 34, its second line cut): the
        subtitle's label is watched and given the height its text needs at its width."""
        page = self.currentPage()
        text = page.subTitle() if page is not None else ""
        for label in self.findChildren(QLabel):
            if label.wordWrap() and text and label.text() == text and \
                    not page.isAncestorOf(label):
                if not hasattr(self, "_subtitle_fit"):
                    from mailwizard.gui.fit import HeightForWidth

                    self._subtitle_fit = HeightForWidth(self)
                self._subtitle_fit.watch(label)

    def _show_steps(self, current: int) -> None:
        """The side panel: every step on this path, where you are and what is done."""
        names = {Step.RESUME: self.tr("Start"), Step.SERVICE: self.tr("Kind of service"),
                 Step.PROVIDER: self.tr("Provider"), Step.ACCOUNT: self.tr("Account"),
                 Step.EXCHANGE: self.tr("Exchange account"),
                 Step.CONNECT: self.tr("Connect"), Step.VALIDATE: self.tr("Test"),
                 Step.SAVE: self.tr("Save"), Step.DONE: self.tr("Done")}
        # From the page the wizard started on: the start page (e.g. the choice of what to do
        # with saved settings) is on the path even once a choice has been made there.
        start = self.startId()
        step = Step(start) if start >= 0 else first_step(self.state)
        path, seen = [], set()
        while step is not None and step not in seen:
            seen.add(step)
            path.append(step)
            step = next_step(step, self.state)
        import html

        rows, spoken, reached = [], [], False
        for s in path:
            name = html.escape(names[s])
            if int(s) == current:
                reached = True
                rows.append("<b>\u25b8 " + name + "</b>")
                spoken.append(self.tr("{step} (you are here)").format(step=names[s]))
            elif not reached:
                rows.append("\u2714 " + name)
                spoken.append(self.tr("{step} (done)").format(step=names[s]))
            else:
                rows.append("\u2003 " + name)
                spoken.append(names[s])
        self.steps_panel.setText("<br>".join(rows))
        self.steps_panel.setAccessibleDescription(", ".join(spoken))

    def plain_reason(self, reason: str) -> str:
        """A flow reason ("host: enter the server name") in the words of the page's labels."""
        fields = {"host": self.tr("Server"), "port": self.tr("Port"),
                  "username": self.tr("User name"), "from_address": self.tr("From address"),
                  "email": self.tr("Email address"), "password": self.tr("Password"),
                  "display_name": self.tr("Your name"), "security": self.tr("Security"),
                  "ews_url": self.tr("Exchange address"), "domain": self.tr("Domain"),
                  "cafile": self.tr("CA certificate file"), "auth": self.tr("Sign in"),
                  "test recipient": self.tr("Test message recipient")}
        key, sep, rest = reason.partition(": ")
        if sep and key in fields:
            # Translators: {field} is a field's label (e.g. "Server"), {problem} what is wrong
            # with it (e.g. "enter the server name").
            return self.tr("{field}: {problem}").format(field=fields[key], problem=rest)
        return reason

    # -- closing -----------------------------------------------------------------------------
    def has_unsaved_work(self) -> bool:
        st = self.state
        if st.saved:
            return False
        return bool(st.secret or st.validated or st.access_token
                    or (st.email and st.email != (self.saved.profile.from_address
                                                  if self.saved else st.site.defaults.get(
                                                      "from_address", ""))))

    def reject(self) -> None:  # noqa: D401 - Qt's name: Cancel, Escape and the close box
        """Ask before throwing away typed or tested settings; the question does not block
        (a running test goes on until the user decides)."""
        if not self.has_unsaved_work():
            super().reject()
            return
        if self._confirm is not None and self._confirm.isVisible():
            return
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Question, self.tr("Close without saving?"),
                          self.tr("The settings you typed have not been saved. If you close "
                                  "now, your ERP keeps its old email settings."), parent=self)
        discard = box.addButton(self.tr("&Close without saving"), QMessageBox.DestructiveRole)
        keep = box.addButton(self.tr("&Keep working"), QMessageBox.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        from PySide6.QtCore import Qt

        box.setWindowModality(Qt.WindowModal)
        before = QApplication.focusWidget()

        def answered(_result=None) -> None:
            if box.clickedButton() is discard:
                QTimer.singleShot(0, lambda: QWizard.reject(self))
            elif before is not None:  # back where the user was
                self.activateWindow()
                QTimer.singleShot(0, before.setFocus)
        box.finished.connect(answered)
        self._confirm = box
        box.open()

    def page_for(self, step: Step) -> FlowPage:
        """The page of a step, made (module imported, object created) on first use."""
        page = self.page(int(step))
        if page is None:
            module_name, class_name = PAGE_CLASSES[step]
            module = importlib.import_module(f"mailwizard.gui.pages.{module_name}")
            page = getattr(module, class_name)()
            page.step = step
            self.setPage(int(step), page)
        return page

    def validateCurrentPage(self) -> bool:  # noqa: N802 - Qt's name
        """Called by Next before QWizard switches: make sure the next page exists."""
        if not super().validateCurrentPage():
            return False
        nxt = self.currentPage().nextId()
        if nxt != -1:
            self.page_for(Step(nxt))
        return True

    # -- helpers for pages ----------------------------------------------------------------
    @property
    def pool(self):
        """The worker threads (made when the first background job starts)."""
        if self._pool is None:
            from mailwizard.gui.workers import WorkerPool

            self._pool = WorkerPool()
        return self._pool

    @property
    def catalogue(self) -> Catalogue:
        """The provider presets, parsed when a page first needs them (not at start-up)."""
        if self._catalogue is None:
            from mailwizard.core.providers import load_catalogue

            self._catalogue = load_catalogue()
        return self._catalogue

    @property
    def provider(self) -> ProviderPreset | None:
        return self.catalogue.get(self.state.provider_id) if self.state.provider_id else None

    def start_over(self) -> None:
        """Forget the saved profile's values (the saved file itself is untouched); the site
        file's start values apply again."""
        apply_site(self.state, self.site)
        self.state.invalidate()

    def restore_saved(self) -> None:
        if self.saved is not None:
            self.state.profile = self.saved.profile.with_changes()
            self.state.provider_id = self.saved.profile.provider_id
            self.state.preset_applied = self.saved.profile.provider_id
            self.state.service = self.saved.profile.service
            self.state.email = self.saved.profile.from_address
            # the stored password belongs to this account only
            self.state.saved_owner = secret_owner(self.saved.profile)
            self.state.invalidate()

    def stored_secret_ref(self):
        """The keyring entry to use instead of a typed password ("Keep the saved password"),
        or None."""
        return self.saved.secret if self.saved and self.state.use_stored_secret \
            and stored_secret_allowed(self.state) else None

    @property
    def keeps_saved_password(self) -> bool:
        return self.saved is not None and self.state.resume is Resume.CHANGE_SETTINGS

    def done(self, result: int) -> None:  # noqa: D401 - Qt's name
        """Closing or cancelling stops any running check at once."""
        for page_id in self.pageIds():  # only pages that were made
            stop = getattr(self.page(page_id), "stop_work", None)
            if stop:
                stop()
        # Every socket of a check is closed by cancel(), so this takes milliseconds; the bound
        # only matters for a keyring call that hangs (those cannot be interrupted).
        if self._pool is not None:
            self._pool.waitForDone(500)
        super().done(result)

