"""The wizard's face of discovery: when the user has typed an email address on a domain no
preset knows, look up its settings on a worker thread (never blocking the window,
cancellable), show progress, pre-choose the provider and server with the reason in words,
and say so plainly when nothing is found. Self-contained: the provider page only adds the
panel and tells it when the address changes."""

from __future__ import annotations

import threading

from PySide6 import QtCore
from PySide6 import QtWidgets as W

from mailwizard.gui.workers import _Mailbox


class DiscoveryRunner(QtCore.QObject):
    """One discovery at a time on the pool. best(candidate) for each improvement of the best
    answer; finished(result or None, error text)."""

    best = QtCore.Signal(object)
    finished = QtCore.Signal(object, str)

    def __init__(self, pool, parent=None):
        super().__init__(parent)
        self._pool = pool  # gui/workers.py's WorkerPool
        self._mailbox = _Mailbox(self)  # worker -> GUI thread, never a signal from a worker
        self._lock = threading.Lock()
        self._current = None
        self._run_id = 0

    @property
    def running(self) -> bool:
        return self._current is not None

    def start(self, email: str, options) -> None:
        self.cancel()
        self._run_id += 1
        run_id = self._run_id
        from mailwizard.core.discovery.run import Discovery, DiscoveryError

        try:
            finder = Discovery(email, options, on_candidate=lambda c, best: self._mailbox.post(
                self._deliver_best, run_id, best))
        except DiscoveryError as exc:
            self.finished.emit(None, str(exc))
            return
        with self._lock:
            self._current = finder

        def work() -> None:
            try:
                result, error = finder.run(), ""
            except Exception as exc:  # reported in words, never raised into Qt
                result, error = None, str(exc)
            self._mailbox.post(self._deliver_finished, run_id, result, error)

        self._mailbox.open()
        self._pool.start(work)

    def cancel(self) -> None:
        with self._lock:
            finder, self._current = self._current, None
        self._run_id += 1  # whatever the old run still says is ignored
        if finder is not None:
            finder.cancel()

    def _deliver_best(self, run_id: int, candidate) -> None:
        if run_id == self._run_id:
            self.best.emit(candidate)

    def _deliver_finished(self, run_id: int, result, error: str) -> None:
        if run_id == self._run_id:
            with self._lock:
                self._current = None
            self._mailbox.close()
            self.finished.emit(result, error)
        elif self._current is None:  # a cancelled run ended and none runs now
            self._mailbox.close()


class DiscoveryPanel(W.QWidget):
    """Progress and the reason, under the provider list. `chosen(provider_id)` when it
    pre-chose a provider."""

    chosen = QtCore.Signal(str)
    DELAY_MS = 600  # wait for the user to stop typing

    def __init__(self, page):
        super().__init__()
        self._page = page
        layout = W.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.progress = W.QProgressBar()
        self.progress.setRange(0, 0)  # busy: we do not know how long
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.setAccessibleName(self.tr("Looking up your settings"))
        self.progress.hide()
        self.message = W.QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(QtCore.Qt.PlainText)
        self.use_button = W.QPushButton(self.tr("&Use these settings"))
        self.use_button.hide()
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.use_button, 0, QtCore.Qt.AlignLeading)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start)
        self.use_button.clicked.connect(self._use_confirmed)
        self._email = ""
        self._waiting: object | None = None  # a candidate that needs the user's yes
        self._runner: DiscoveryRunner | None = None
        self._auto_id = ""  # the provider this panel chose (a user's own choice wins)
        self._match_id = ""  # the preset the address selected by its domain
        self._watching = False

    # -- hooks the page calls -------------------------------------------------------------
    def address_changed(self, email: str, recognised: str) -> None:
        """`recognised`: the preset the address itself selects ("" for none)."""
        self._timer.stop()
        self.stop()
        state = self._page.state
        if state.provider_id and state.provider_id in (self._auto_id, self._match_id) \
                and state.provider_id != recognised:
            state.provider_id = ""  # chosen for the address as it was: choose again
        self._auto_id, self._match_id = "", recognised
        self._email = email.strip()
        self.use_button.hide()
        self._waiting = None
        if recognised or self._email.count("@") != 1 or "." not in self._email.split("@")[1]:
            self.message.clear()
            return
        self._timer.start(self.DELAY_MS)

    def stop(self) -> None:
        self._timer.stop()
        if self._runner is not None and self._runner.running:
            self._runner.cancel()
            self.message.clear()
        self.progress.hide()

    # -- the run --------------------------------------------------------------------------
    def _options(self):
        from mailwizard.core.discovery.run import DiscoveryOptions
        from mailwizard.core.admin.discovery_site import site_discovery

        state = self._page.state
        online, ispdb = site_discovery(state.site)
        return DiscoveryOptions(cafile=state.profile.cafile, online=online,
                                ispdb_url=ispdb or None)

    def _start(self) -> None:
        wiz = self._page.wiz()
        if wiz is None or wiz.currentPage() is not self._page:
            return  # the user has moved on
        if not self._watching:  # leaving the page ends the search
            self._watching = True
            wiz.currentIdChanged.connect(
                lambda _id: wiz.currentPage() is not self._page and self.stop())
        if self._runner is None:
            self._runner = DiscoveryRunner(wiz.pool, self)
            self._runner.best.connect(self._best)
            self._runner.finished.connect(self._finished)
        domain = self._email.rpartition("@")[2]
        self.message.setText(self.tr("Looking up the settings for {domain}…").format(
            domain=domain))
        self.progress.show()
        self._runner.start(self._email, self._options())

    def _best(self, candidate) -> None:
        from mailwizard.core.discovery.choice import sign_in_note

        note = sign_in_note(candidate, self._page.wiz().catalogue)
        if note:  # OAuth only, or no encryption: never to a password box
            self._waiting = None
            self.use_button.hide()
            self.message.setText(note)  # the core's words, already translated
            return
        if candidate.needs_confirmation:
            self._waiting = candidate
            # Translators: {reason} says where the settings were found (one sentence, no
            # full stop).
            self.message.setText(self.tr(
                "{reason}. These settings send your password to {host}, which is not part of "
                "your address's domain. Use them only if your email provider or IT company "
                "confirms this server.").format(reason=candidate.reason, host=candidate.host))
            self.use_button.show()
            return
        self._apply(candidate)

    def _apply(self, candidate) -> None:
        from mailwizard.core.discovery.choice import apply_candidate

        wiz = self._page.wiz()
        if self._page.state.provider_id not in ("", self._auto_id):
            return  # the user picked a provider meanwhile: leave it
        provider_id = apply_candidate(self._page.state, candidate, wiz.catalogue)
        self._auto_id = provider_id
        self.use_button.hide()
        # Translators: {reason} says where the settings were found (one sentence, no full
        # stop); {server} is e.g. "smtp.example.org:587 (STARTTLS)".
        self.message.setText(self.tr(
            "{reason}. We filled in {server}. You can still choose differently.")
            .format(reason=candidate.reason, server=candidate.server_text()))
        self.chosen.emit(provider_id)

    def _use_confirmed(self) -> None:
        if self._waiting is not None:
            candidate, self._waiting = self._waiting, None
            self._apply(candidate)

    def _finished(self, result, error: str) -> None:
        self.progress.hide()
        self._page.changed()
        if result is not None and result.candidates:
            if result.exchange_hint:
                self.message.setText(self.message.text() + "\n" + result.exchange_hint)
            return
        if result is not None and result.cancelled:
            self.message.clear()
            return
        domain = self._email.rpartition("@")[2]
        self.message.setText(self.tr(
            "We could not find the settings for {domain} by ourselves. Pick your provider "
            "from the list, or choose “Other / my own server” and type the server details "
            "your email provider or IT company gave you.").format(domain=domain))
