"""The QWizard: one page per flow step; which page follows which comes from core.flow."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWizard, QWizardPage

from mailwizard import APP_ID
from mailwizard.core.config import SavedSettings, default_config_path
from mailwizard.core.flow import FlowState, Resume, Step, first_step, missing, next_step
from mailwizard.core.providers import Catalogue, ProviderPreset, load_catalogue
from mailwizard.core.resources import resource_path


class FlowPage(QWizardPage):
    """A page bound to one flow step: completeness and the next page come from the flow."""

    step: Step

    def wiz(self) -> "MailWizard":
        return self.wizard()  # type: ignore[return-value]

    @property
    def state(self) -> FlowState:
        return self.wiz().state

    def busy(self) -> bool:
        return False

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return not self.busy() and not missing(self.step, self.state)

    def nextId(self) -> int:  # noqa: N802 - Qt's name; must have no side effects
        nxt = next_step(self.step, self.state)
        return -1 if nxt is None else int(nxt)

    def changed(self) -> None:
        self.completeChanged.emit()


class MailWizard(QWizard):
    def __init__(self, *, config_path: Path | None = None,
                 saved: SavedSettings | None = None, load_error: str = "",
                 catalogue: Catalogue | None = None, parent=None):
        super().__init__(parent)
        from mailwizard.gui.pages import (AccountPage, DonePage, ProviderPage, ResumePage,
                                          SavePage, ServicePage, ValidatePage)

        self.catalogue = catalogue or load_catalogue()
        self.config_path = Path(config_path) if config_path else default_config_path()
        self.saved = saved
        self.load_error = load_error
        self.pool = QThreadPool(self)
        self.state = FlowState(has_saved_settings=saved is not None)
        self.restore_saved()

        self.setObjectName("mailwizard")
        self.setWindowTitle(self.tr("Email settings for your ERP"))
        self.setWindowIcon(QIcon(str(resource_path(f"{APP_ID}.svg"))))
        # The wizard style is left to Qt: Aero on Windows, Mac style on macOS, Classic/Modern
        # elsewhere — the native look on each platform.
        self.setOption(QWizard.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.HaveHelpButton, False)
        self.setOption(QWizard.NoCancelButtonOnLastPage, True)  # after saving, only Finish
        self.setButtonText(QWizard.CommitButton, self.tr("&Save"))
        self.setMinimumSize(880, 600)

        self.pages = {
            Step.RESUME: ResumePage(), Step.SERVICE: ServicePage(),
            Step.PROVIDER: ProviderPage(), Step.ACCOUNT: AccountPage(),
            Step.VALIDATE: ValidatePage(), Step.SAVE: SavePage(), Step.DONE: DonePage(),
        }
        for step, page in self.pages.items():
            page.step = step
            self.setPage(int(step), page)
        self.setStartId(int(first_step(self.state)))

    # -- helpers for pages ----------------------------------------------------------------
    @property
    def provider(self) -> ProviderPreset | None:
        return self.catalogue.get(self.state.provider_id) if self.state.provider_id else None

    def start_over(self) -> None:
        """Forget the saved profile's values (the saved file itself is untouched)."""
        from mailwizard.core.profile import Profile

        self.state.profile = Profile()
        self.state.provider_id = self.state.preset_applied = ""
        self.state.service = None
        self.state.email = ""
        self.state.invalidate()

    def restore_saved(self) -> None:
        if self.saved is not None:
            self.state.profile = self.saved.profile.with_changes()
            self.state.provider_id = self.saved.profile.provider_id
            self.state.preset_applied = self.saved.profile.provider_id
            self.state.service = self.saved.profile.service
            self.state.email = self.saved.profile.from_address
            self.state.invalidate()

    @property
    def keeps_saved_password(self) -> bool:
        return self.saved is not None and self.state.resume is Resume.CHANGE_SETTINGS

    def done(self, result: int) -> None:  # noqa: D401 - Qt's name
        """Closing or cancelling stops any running check at once."""
        for page in self.pages.values():
            stop = getattr(page, "stop_work", None)
            if stop:
                stop()
        # Every socket of a check is closed by cancel(), so this takes milliseconds; the bound
        # only matters for a keyring call that hangs (those cannot be interrupted).
        self.pool.waitForDone(500)
        super().done(result)
