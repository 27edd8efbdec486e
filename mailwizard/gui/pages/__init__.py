"""One module per part of the flow; each page is thin and asks the core."""

from mailwizard.gui.pages.account import AccountPage
from mailwizard.gui.pages.choose import ProviderPage, ResumePage, ServicePage
from mailwizard.gui.pages.save import DonePage, SavePage
from mailwizard.gui.pages.validate import ValidatePage

__all__ = ["AccountPage", "DonePage", "ProviderPage", "ResumePage", "SavePage", "ServicePage",
           "ValidatePage"]
