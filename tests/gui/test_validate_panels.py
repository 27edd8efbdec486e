"""The test page's two panels on their own (issue 25: the page split by what it shows): the
stage rows as a check reports its stages, and the outcome panel with what it offers and the
signals the page listens to."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from mailwizard.core.diagnosis.common import Diagnosis
from mailwizard.gui.pages import validate_stages
from mailwizard.gui.pages.validate_outcome import OutcomePanel
from mailwizard.gui.pages.validate_stages import MARKS, StageList
from mailwizard.gui.flowpage import focus_chain


def _holder(qtbot) -> QWidget:
    """A parent for a panel (kept by the test: qtbot holds it only weakly)."""
    holder = QWidget()
    qtbot.addWidget(holder)
    return holder


def test_a_group_sums_its_stages_and_is_as_good_as_its_worst(qtbot):
    holder = _holder(qtbot)
    stages = StageList(lambda: True, parent=holder)
    stages.start(sends_message=False)
    mark, label, ms = stages.rows["secure"]
    assert mark.text() == MARKS["idle"] and mark.accessibleName() == "not started"
    stages.on_stage("tls", "running", 0.0)
    assert mark.text() == MARKS["running"] and mark.accessibleName() == "in progress"
    stages.on_stage("tls", "ok", 150.0)
    stages.on_stage("ehlo_tls", "failed", 150.0)
    assert (mark.text(), mark.accessibleName(), ms.text()) == (MARKS["failed"], "failed", "0.3 s")
    assert stages.rows["test_message"][1].text() == \
        "Check the sender address (no message is sent)"
    stages.finish(stopped=False)
    assert stages.rows["sign_in"][0].text() == MARKS["idle"]


def test_a_stopped_check_marks_what_was_to_come_and_sends_no_message(qtbot):
    holder = _holder(qtbot)
    stages = StageList(lambda: True, parent=holder)
    stages.start(sends_message=True)
    stages.on_stage("connect", "ok", 20.0)
    stages.on_stage("tls", "running", 0.0)
    stages.finish(stopped=True)
    marks = [m.text() for m, _, _ in stages.rows.values()]
    assert marks == [MARKS["ok"]] + [MARKS["cancelled"]] * 3
    assert stages.rows["secure"][0].accessibleName() == "stopped"
    assert stages.rows["test_message"][1].text() == "No test message was sent"
    stages.clear()
    assert [label.text() for _, label, _ in stages.rows.values()] == list(stages.names.values())


def test_a_slow_stage_ticks_only_while_the_check_runs(qtbot, monkeypatch):
    monkeypatch.setattr(validate_stages, "SLOW_SECONDS", 0)
    running = [True]
    holder = _holder(qtbot)
    stages = StageList(lambda: running[0], parent=holder)
    stages.start(sends_message=True)
    stages.on_stage("auth", "running", 0.0)
    label = stages.rows["sign_in"][1]
    qtbot.waitUntil(lambda: label.text() == "Sign in \u2014 waiting for the server to check "
                                            "the password\u2026", timeout=3000)
    assert re.fullmatch(r"\d+ s", stages.rows["sign_in"][2].text())
    running[0] = False
    stages.rows["sign_in"][1].setText("Sign in")
    with qtbot.waitSignal(stages.ticker.timeout, timeout=3000):
        pass
    assert label.text() == "Sign in"  # not busy: the tick leaves the row alone
    stages.stop()
    assert not stages.ticker.isActive()


def test_a_failure_says_cause_and_fix_and_offers_help_and_details(qtbot):
    holder = _holder(qtbot)
    panel = OutcomePanel(holder)
    d = Diagnosis(stage="auth", code="auth_failed", cause="The server said no <b>.",
                  fix="Type it again.", help_url="https://example.org/help",
                  server_reply="535 5.7.8 no", suggestion={"port": 465},
                  suggestion_text="Use port 465")
    panel.show_failure(d, fix_allowed=False)
    panel.offer_fix(d.suggestion_text, shown=False)
    assert panel.headline.text() == "The test failed."
    assert panel.headline.accessibleDescription() == (
        "The server said no <b>.\n\nWhat to do: Type it again.\n\nThe setting that would fix "
        "this is set by your administrator: please ask your IT contact.")
    assert panel.help_link is not None and panel.help_link.url == "https://example.org/help"
    assert panel.details.text.toPlainText() == "535 5.7.8 no" and not panel.details.isHidden()
    assert panel.fix_button.isHidden()
    assert panel.fix_button.text() == "&Apply this fix and retry: Use port 465"
    old_link = panel.help_link
    panel.show_passed("", True)  # the next outcome takes the old help and details away
    assert panel.help_link is None and old_link.isHidden() and panel.details.isHidden()
    assert panel.explanation.text() == \
        "The server accepted the sender address; no message was sent."


def test_the_panel_reports_the_users_choices(qtbot):
    holder = _holder(qtbot)
    panel = OutcomePanel(holder)
    panel.show_stopped()
    panel.offer_fix("Use STARTTLS", shown=True)
    panel.ask_password("app_password")
    assert panel.retype_label.text() == "Paste a new a&pp password:"
    assert panel.retype.accessibleName() == "App password"
    panel.show_certificate({"sha256": "ab" * 32, "subject": "CN=mail", "issuer": "CN=ca",
                            "not_before": "2026", "not_after": "2027", "names": ["mail"]},
                           shown=True, can_trust=True)
    assert panel.fingerprint.text() == ":".join(["AB"] * 32)
    # Tab order: the password box, the fix, the fingerprint, trusting it
    chain = focus_chain(panel)
    order = [panel.retype, panel.retype_button, panel.fix_button, panel.fingerprint,
             panel.trust_button]
    assert [w for w in chain if w in order] == order
    with qtbot.waitSignal(panel.fix_chosen, timeout=1000):
        panel.fix_button.click()
    with qtbot.waitSignal(panel.trust_chosen, timeout=1000):
        panel.trust_button.click()
    panel.retype.setText("new secret")
    with qtbot.waitSignal(panel.password_typed, timeout=1000):
        qtbot.keyClick(panel.retype, Qt.Key_Return)
    panel.ask_password("password")
    assert panel.retype.text() == "" and panel.retype_label.text() == "Type the &password again:"
    assert panel.retype.accessibleName() == "Password"
