"""The test page's stages as rows (a mark, the stage's name, its time) that follow the check
while it runs: the running stage counts its seconds, and a slow one says what it waits for."""

from __future__ import annotations

import time
from typing import Callable

from PySide6 import QtCore
from PySide6 import QtWidgets as W

from mailwizard.core.checks.stages import group_of
from mailwizard.gui.style import style_text
from mailwizard.gui.widgets import wrapped

MARKS = {"idle": "○", "running": "…", "ok": "✔", "failed": "✘", "cancelled": "–",
         "skipped": "–"}
MEANINGS = {"ok": "ok", "failed": "error"}
#: after this long, a stage says what it is waiting for
SLOW_SECONDS = 5


def seconds(ms: float) -> str:
    """A stage's time as a person reads it: "0.2 s", "3 s"."""
    s = ms / 1000
    if s < 0.1:
        number = "< 0.1"
    else:
        number = "%.1f" % s if s < 10 else "%d" % round(s)
    return in_seconds(number)


def in_seconds(number: str) -> str:
    # Translators: a time in seconds, short ({seconds} is e.g. "0.2" or "< 0.1").
    return QtCore.QCoreApplication.translate("ValidatePage", "{seconds} s").format(
        seconds=number)


class StageList(W.QWidget):
    """One row per group of the check's stages (connect, secure, sign in, the test message).
    A group is as good as its worst stage; its time is the sum of its stages.

    `busy` says whether a check is running (the page's runner): the ticker counts only then."""

    def __init__(self, busy: Callable[[], bool], *, sends_message: bool = True,
                 parent: W.QWidget | None = None):
        super().__init__(parent)
        self._busy = busy
        self._running = ""  # the group in progress
        self._group_started = 0.0
        #: the running (or last) check sends a test message; without one, the last row
        #: only checks the sender
        self.sends_message = sends_message
        grid = W.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.rows: dict[str, tuple[W.QLabel, W.QLabel, W.QLabel]] = {}
        self.names = {"connect": self.tr("Connect to the server"),
                      "secure": self.tr("Secure connection"),
                      "sign_in": self.tr("Sign in"),
                      "test_message": self.tr("Send the test message")}
        self.waiting = {"connect": self.tr("waiting for the server to answer"),
                        "secure": self.tr("waiting for the secure connection"),
                        "sign_in": self.tr("waiting for the server to check the password"),
                        "test_message": self.tr("waiting for the server to take the message")}
        for i, (group, text) in enumerate(self.names.items()):
            mark, label, ms = W.QLabel(), wrapped(text), W.QLabel()
            mark.setFixedWidth(mark.fontMetrics().horizontalAdvance("✔") * 2 + 8)
            mark.setAlignment(QtCore.Qt.AlignCenter)
            ms.setAlignment(QtCore.Qt.AlignTrailing | QtCore.Qt.AlignVCenter)
            grid.addWidget(mark, i, 0)
            grid.addWidget(label, i, 1)
            grid.addWidget(ms, i, 2)
            self.rows[group] = (mark, label, ms)
        grid.setColumnStretch(1, 1)
        self.ticker = QtCore.QTimer(self)
        self.ticker.setInterval(500)
        self.ticker.timeout.connect(self._tick)

    # -- driven by the page ---------------------------------------------------------------
    def clear(self, *, names: bool = True) -> None:
        """Every row not started, without a time (and, with `names`, under its own name)."""
        for mark, _, ms in self.rows.values():
            self._mark(mark, "idle")
            ms.clear()
        if names:
            for group, (_, label, _) in self.rows.items():
                label.setText(self.names[group])

    def start(self, *, sends_message: bool) -> None:
        """A check starts: the rows from the beginning, the ticker running."""
        self.sends_message = sends_message
        for group, (mark, label, ms) in self.rows.items():
            self._mark(mark, "idle")
            ms.clear()
            ms.setProperty("ms", 0.0)
            label.setText(self.row_name(group))
        self._running = ""
        self.ticker.start()

    def stop(self) -> None:
        self.ticker.stop()

    def on_stage(self, stage: str, status: str, ms: float) -> None:
        """A stage of the running check started ("running") or ended (its status and time)."""
        group = group_of(stage)
        if group not in self.rows:
            return
        mark, label, ms_label = self.rows[group]
        if status == "running":
            self._mark(mark, "running")
            if self._running != group:
                self._running, self._group_started = group, time.monotonic()
            return
        # A group is as good as its worst stage; its time is the sum of its stages.
        total = (ms_label.property("ms") or 0.0) + ms
        ms_label.setProperty("ms", total)
        ms_label.setText(seconds(total))
        label.setText(self.row_name(group))
        self._mark(mark, status)

    def finish(self, *, stopped: bool) -> None:
        """The check ended: what was still running (or, when stopped, still to come) is
        marked stopped, and each row has its own name again."""
        for group, (mark, label, ms) in self.rows.items():
            ms.setProperty("ms", 0.0)
            label.setText(self.row_name(group))
            if mark.text() == MARKS["running"] or (stopped and mark.text() == MARKS["idle"]):
                self._mark(mark, "cancelled")
        if stopped and self.rows["test_message"][0].text() != MARKS["ok"]:
            # not "Send the test message" beside an empty circle, as if it were still to come
            self.rows["test_message"][1].setText(self.tr("No test message was sent"))

    # -- showing --------------------------------------------------------------------------
    def _tick(self) -> None:
        """A running stage shows its elapsed seconds; a slow one says what it waits for."""
        group = self._running
        if not self._busy() or group not in self.rows:
            return
        mark, label, ms_label = self.rows[group]
        if mark.text() != MARKS["running"]:
            return
        elapsed = time.monotonic() - self._group_started
        ms_label.setText(in_seconds("%d" % int(elapsed)))
        if elapsed >= SLOW_SECONDS:
            # Translators: a test stage and what it waits for: "Sign in — waiting for …"
            label.setText(self.tr("{stage} \u2014 {waiting}\u2026").format(
                stage=self.row_name(group), waiting=self.waiting[group]))

    def row_name(self, group: str) -> str:
        """A stage's row as this run does it: without a test message, the last row only
        checks the sender."""
        if group == "test_message" and not self.sends_message:
            return self.tr("Check the sender address (no message is sent)")
        return self.names[group]

    def _mark(self, label: W.QLabel, status: str) -> None:
        label.setText(MARKS.get(status, "?"))
        style_text(label, MEANINGS.get(status), bold=True)
        label.setAccessibleName({"ok": self.tr("passed"), "failed": self.tr("failed"),
                                 "running": self.tr("in progress"),
                                 "cancelled": self.tr("stopped")}.get(status,
                                                                      self.tr("not started")))
