"""Issue 22, item 14, in the wizard: plain words first on the main path (the security choice,
where the password is kept, the kind of service), the technical term in brackets."""

from __future__ import annotations

import html

from conftest import PASSWORD  # noqa: F401 - (the shared test account)
from support.gui import fill_own_server, wait_check

from mailwizard.core.flow import Step
from mailwizard.core.profile import ServiceType


def test_security_choices_start_with_plain_words(qtbot, wizard, smtp_server, ca_file):
    srv = smtp_server("starttls")
    w = wizard()
    account = fill_own_server(qtbot, w, srv, ca_file)
    texts = [account.security.itemText(i) for i in range(account.security.count())]
    assert texts[0].startswith("Secured after connecting") and "(STARTTLS" in texts[0]
    assert texts[1].startswith("Secure from the start") and "(SSL/TLS" in texts[1]
    assert not any(t.startswith(("STARTTLS", "SSL/TLS")) for t in texts)


def test_the_password_store_in_plain_words(qtbot, wizard, smtp_server, ca_file,
                                           secret_service):
    srv = smtp_server("starttls")
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    assert wait_check(qtbot, w).result.ok
    w.next()
    summary = html.unescape(w.pages[Step.SAVE].summary.text())
    assert "your computer's password store (GNOME Keyring)" in summary
    assert "Secret Service" not in summary
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    card = w.pages[Step.DONE].card_text.text()
    assert "your computer's password store" in card and "Secret Service" not in card


def test_the_exchange_choice_without_ews_as_a_word(qtbot, wizard):
    w = wizard()
    hint = w.pages[Step.SERVICE].buttons[ServiceType.EXCHANGE].accessibleDescription()
    assert "switched that off" in hint and "switched EWS" not in hint
