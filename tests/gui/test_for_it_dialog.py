"""Issue 22, item 3: the For IT dialog's steps are reachable in every language, and its
sentence names the button as it really appears (QMessageBox's own "Show Details..." button,
which is Qt's word, translated through our catalogue)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QTextEdit

from mailwizard.core.flow import Step

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def test_the_it_steps_are_reachable_by_the_button_the_sentence_names(
        qtbot, wizard_language, wizard, monkeypatch):
    monkeypatch.delenv("MAILWIZARD_GOOGLE_CLIENT_ID", raising=False)
    monkeypatch.delenv("MAILWIZARD_MICROSOFT_CLIENT_ID", raising=False)
    w = wizard()
    service = w.pages[Step.SERVICE]
    qtbot.waitUntil(lambda: service.for_it is not None)
    service.for_it.button.setFocus()
    qtbot.keyClick(service.for_it.button, Qt.Key_Space)
    qtbot.waitUntil(lambda: getattr(service, "for_it_box", None) is not None
                    and service.for_it_box.isVisible())
    box = service.for_it_box
    [details] = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ActionRole]
    name = details.text().replace("&", "").rstrip(".…")
    assert name, "the Show Details button has no words"
    if wizard_language == "hi":
        assert name == "विवरण दिखाएँ"
    else:
        assert name == "Show Details"
    assert f"“{name}”" in box.informativeText()
    steps = box.findChild(QTextEdit)
    assert not steps.isVisible()
    # by keyboard: Tab to the button, Space opens the steps
    details.setFocus()
    qtbot.keyClick(details, Qt.Key_Space)
    qtbot.waitUntil(steps.isVisible)
    assert "MAILWIZARD_GOOGLE_CLIENT_ID" in steps.toPlainText()
    assert details.text().replace("&", "").rstrip(".…") != name  # now "Hide Details"
    box.close()
