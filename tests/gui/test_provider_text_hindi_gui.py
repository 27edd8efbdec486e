"""The provider data reaches the wizard in Hindi: the provider list's names and the guidance
panel's summary, steps, notes and secret label (resources/providers.toml through the
catalogue), with the provider's links unchanged."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt

from mailwizard.core.flow import Step
from mailwizard.core.providers import load_catalogue

DEVANAGARI = re.compile("[\u0900-\u097F]")


def test_gmail_guidance_panel_hindi(qtbot, wizard, hindi):
    gmail = load_catalogue()["gmail"]
    w = wizard()
    w.next()
    provider = w.pages[Step.PROVIDER]
    qtbot.keyClicks(provider.email, "riverside.society@gmail.com")
    assert w.state.provider_id == "gmail"
    w.next()
    account = w.pages[Step.ACCOUNT]
    text = account.guidance.plain_text()
    assert gmail.summary in text and DEVANAGARI.search(gmail.summary)
    for step in gmail.steps:
        assert step.text in text
    assert "2-स्टेप वेरिफ़िकेशन (2-Step Verification)" in text
    assert "ऐप पासवर्ड" in text
    assert "https://myaccount.google.com/apppasswords" in [x.url for x in account.guidance.links]


def test_provider_list_shows_the_names_hindi(qtbot, wizard, hindi):
    w = wizard()
    w.next()
    provider = w.pages[Step.PROVIDER]
    names = {provider.list.item(i).data(Qt.UserRole): provider.list.item(i).text()
             for i in range(provider.list.count())}
    assert names["custom"] == "अन्य / मेरा अपना सर्वर"
    assert names["google-workspace"].startswith("Google Workspace (")
    assert DEVANAGARI.search(names["google-workspace"])
    assert names["gmail"] == "Gmail"
    # typing the English name still finds it
    qtbot.keyClicks(provider.search, "other")
    assert provider.list.item(0).data(Qt.UserRole) == "custom"
