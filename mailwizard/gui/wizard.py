"""The QWizard: one page per flow step; which page follows which comes from core.flow."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWizard, QWizardPage

from mailwizard import APP_ID
from mailwizard.core.config import SavedSettings, default_config_path
from mailwizard.core.flow import (FlowState, Resume, Step, apply_site, first_step, missing,
                                  next_step)
from mailwizard.core.site import SiteConfig
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailwizard.core.providers import Catalogue, ProviderPreset
from mailwizard.core.resources import resource_path


#: Which module and class make each step's page (imported when the page is first needed).
PAGE_CLASSES = {
    Step.RESUME: ("choose", "ResumePage"), Step.SERVICE: ("choose", "ServicePage"),
    Step.PROVIDER: ("choose", "ProviderPage"), Step.ACCOUNT: ("account", "AccountPage"),
    Step.VALIDATE: ("validate", "ValidatePage"), Step.SAVE: ("save", "SavePage"),
    Step.DONE: ("save", "DonePage"), Step.EXCHANGE: ("exchange", "ExchangePage"),
    Step.CONNECT: ("connect", "ConnectPage"),
}


class FlowPage(QWizardPage):
    """A page bound to one flow step: completeness and the next page come from the flow."""

    step: Step

    def __init__(self):
        super().__init__()
        self._built = False

    def ensure_built(self) -> None:
        """Widgets are made when the page is first entered, not at start-up: the first page
        appears sooner, and pages never visited cost nothing."""
        if not self._built:
            self._built = True
            self.build()

    def build(self) -> None:
        """Create the page's widgets (once)."""

    def enter(self) -> None:
        """Fill the page from the flow state, each time it is entered."""

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.ensure_built()
        self.enter()

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

        self._catalogue = catalogue
        self.config_path = Path(config_path) if config_path else default_config_path()
        self.saved = saved
        self.load_error = load_error
        self.replace_damaged = replace_damaged
        #: The administrator's site file (defaults, locks, hidden services) and, when it
        #: could not be used, why.
        self.site = site or SiteConfig()
        self.site_error = site_error
        self.pool = QThreadPool(self)
        self.state = FlowState(has_saved_settings=saved is not None)
        apply_site(self.state, self.site)
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

        self.pages = _Pages(self)
        if resume and saved is not None:  # e.g. from the warning of a failed scheduled check
            self.state.resume = Resume(resume)
        start = first_step(self.state)
        self.pages[start]  # only the first page is made now; the others when first needed
        self.setStartId(int(start))

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
            self.state.invalidate()

    def stored_secret_ref(self):
        """The keyring entry to use instead of a typed password ("Keep the saved password"),
        or None."""
        return self.saved.secret if self.saved and self.state.use_stored_secret else None

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
        self.pool.waitForDone(500)
        super().done(result)
