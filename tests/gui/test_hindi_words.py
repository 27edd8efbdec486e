"""Issue 22, item 6, in the wizard: in Hindi a mistyped address is explained in Hindi, and the
"To go on" line names only fields that are on the page."""

from __future__ import annotations

import re

from mailwizard.core.flow import Step
from mailwizard.core.profile import ServiceType

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def test_a_mistyped_address_on_the_exchange_page_in_hindi(qtbot, hindi_wizard, wizard):
    w = wizard()
    w.pages[Step.SERVICE].buttons[ServiceType.EXCHANGE].click()
    w.next()
    page = w.pages[Step.EXCHANGE]
    qtbot.keyClicks(page.email, "pat@@riverside.org")
    needs = page.needs.text()
    assert needs.startswith("आगे बढ़ने के लिए: ")
    assert "From" not in needs  # the page has no From field: its email address is that
    assert needs.count("यह सही ईमेल पता नहीं है") == 1  # said once
    shown = page.errors["email"].text()
    assert shown.startswith("यह सही ईमेल पता नहीं है")
    for text in (needs, shown):
        assert not LATIN_WORD.findall(text.replace("riverside", "")), text


def test_a_mistyped_address_on_the_account_page_in_hindi(qtbot, hindi_wizard, wizard):
    w = wizard()
    w.next()
    provider = w.pages[Step.PROVIDER]
    qtbot.keyClicks(provider.email, "pat@@riverside.org")
    qtbot.keyClicks(provider.search, "other")
    w.next()
    account = w.pages[Step.ACCOUNT]
    shown = account.errors["email"].text()
    assert shown.startswith("यह सही ईमेल पता नहीं है") and "@-sign" not in shown
    assert not LATIN_WORD.findall(shown.replace("riverside", "")), shown
    assert "@-sign" not in account.needs.text()
