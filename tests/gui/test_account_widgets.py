"""The account pages' parts on their own (issue 25): the server settings group under Advanced,
the provider's help beside the fields (with the daily-limit warning it hands to the page) and
Exchange's "What to ask IT"."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from mailwizard.core.providers import load_catalogue
from mailwizard.gui.pages.guidance import EWS_HELP, ExchangeGuidance, ProviderGuidance
from mailwizard.gui.pages.server_settings import ServerSettings


def _holder(qtbot) -> QWidget:
    """A parent for the part under test, kept by the test while it runs."""
    holder = QWidget()  # never shown: no top-level window on the offscreen platform
    qtbot.addWidget(holder)
    return holder


def test_server_settings_hand_each_row_to_the_page_in_reading_order(qtbot):
    rows = []

    def add_row(form, label, widget, key, buddy=None):
        form.addRow(label, widget)
        rows.append((key, label, widget))

    holder = _holder(qtbot)
    group = ServerSettings(add_row, holder)
    assert group.accessibleName() == "Server settings"
    assert [key for key, _, _ in rows] == ["host", "region", "port", "security", "auth"]
    assert [label for _, label, _ in rows] == ["Ser&ver:", "&Region:", "P&ort:", "&Security:",
                                               "Si&gn in:"]
    assert [w for _, _, w in rows] == [group.host, group.region, group.port, group.security,
                                       group.auth]
    assert group.form.rowWrapPolicy() == QFormLayout.WrapAllRows
    assert (group.port.minimum(), group.port.maximum()) == (1, 65535)
    assert [group.security.itemData(i) for i in range(group.security.count())] \
        == ["starttls", "tls", "none"]
    assert [group.auth.itemData(i) for i in range(group.auth.count())] == ["password", "none"]


def test_provider_help_gives_the_page_the_limit_warning_and_starts_afresh(qtbot):
    gmail = load_catalogue().get("gmail")
    holder = _holder(qtbot)
    panel = ProviderGuidance("Help for your provider", holder)
    assert panel.show_provider(gmail, 0) == ""
    text = panel.plain_text()
    assert "2-Step Verification" in text and "Steps" in text
    assert "https://myaccount.google.com/apppasswords" in [x.url for x in panel.links]
    links = len(panel.links)

    warning = panel.show_provider(gmail, 600)
    assert "600" in warning and "500" in warning
    assert "Warning" not in panel.plain_text()  # the page shows it beside the field
    assert len(panel.links) == links  # filled again, not added to

    assert panel.show_provider(None, 600) == ""  # my own server: no help
    assert panel.links == [] and panel.layout_.count() == 0


def test_exchange_help_says_what_to_ask_it_once(qtbot):
    holder = _holder(qtbot)
    panel = ExchangeGuidance("Help for Exchange", holder)
    panel.show_steps()
    panel.show_steps()
    text = panel.plain_text()
    assert text.count("What to ask IT") == 1
    assert [x.url for x in panel.links] == [EWS_HELP]
    assert any(isinstance(panel.layout_.itemAt(i).widget(), QLabel)
               and panel.layout_.itemAt(i).widget().text().startswith("1. ")
               for i in range(panel.layout_.count()))
