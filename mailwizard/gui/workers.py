"""Network and keyring work off the GUI thread. Results come back as Qt signals emitted on
the GUI thread; nothing here spins the event loop.

Workers are plain Python threads (not QThreadPool, whose Python tasks lose a reference to
None in PySide6 6.12.0: see pyside_fix.py), and they never emit Qt signals themselves. A
worker puts what it has to say in a thread-safe queue; a timer on the GUI thread (running
only while work runs) hands it on, on the GUI thread. A closed window takes its timer with
it, and the worker just ends."""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Mapping

from PySide6.QtCore import QObject, QTimer, Signal

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the check machinery is imported when the first check starts
    from mailwizard.core.profile import Profile
    from mailwizard.core.providers import ProviderPreset
    from mailwizard.core.store.secrets import SecretRef
    from mailwizard.core.checks.smtp import SmtpCheck


def emit(signal, *args) -> None:
    """signal.emit(*args) (one place, should a PySide6 fault ever need handling here)."""
    signal.emit(*args)


class _Mailbox(QObject):
    """Worker -> GUI thread: post(fn, *args) from any thread; fn(*args) runs on the GUI
    thread at the next tick of a timer that runs while work is going on."""

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._timer = QTimer(self)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self.deliver)

    def open(self) -> None:  # GUI thread
        self._timer.start()

    def close(self) -> None:  # GUI thread
        self._timer.stop()

    def post(self, fn: Callable[..., None], *args) -> None:  # any thread
        self._queue.put((fn, args))

    def deliver(self) -> None:
        while True:
            try:
                fn, args = self._queue.get_nowait()
            except queue.Empty:
                return
            fn(*args)


class WorkerPool:
    """Background threads for the wizard's work (what QThreadPool offered: start,
    activeThreadCount, waitForDone), as daemon threads so a hung keyring call never keeps the
    program from ending."""

    def __init__(self):
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, fn: Callable[[], None]) -> None:
        thread = threading.Thread(target=fn, name="mailwizard-worker", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def activeThreadCount(self) -> int:  # noqa: N802 - QThreadPool's name
        with self._lock:
            return sum(t.is_alive() for t in self._threads)

    def waitForDone(self, msecs: int = -1) -> bool:  # noqa: N802 - QThreadPool's name
        import time

        deadline = None if msecs < 0 else time.monotonic() + msecs / 1000
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return self.activeThreadCount() == 0


class CheckRunner(QObject):
    """Runs one check (SMTP or Exchange) at a time on a worker thread.

    stage(stage, status, ms) arrives for each stage as it starts and ends;
    finished(result, diagnosis) once, also after cancel()."""

    stage = Signal(str, str, float)
    finished = Signal(object, object)

    def __init__(self, pool: WorkerPool, parent: QObject | None = None):
        super().__init__(parent)
        self._mailbox = _Mailbox(self)
        self._pool = pool
        self._lock = threading.Lock()
        self._check: SmtpCheck | None = None
        self._cancelled = False
        self.running = False

    def start(self, profile: Profile, secret: str | None, *, send_test_to: str | None,
              provider: ProviderPreset | None, stored_secret: SecretRef | None = None,
              greeting_wait: float | None = None, access_token: str | None = None,
              site: Mapping[str, Any] | None = None) -> None:
        """`site`: the site file's settings, where a connected account's client ID may be."""
        if self.running:
            raise RuntimeError("a check is already running")
        self.running = True
        self._cancelled = False
        self._mailbox.open()

        from mailwizard.core.diagnosis.smtp import diagnose
        from mailwizard.core.store.secrets import get_secret
        from mailwizard.core.checks import make_check
        from mailwizard.core.checks.smtp import CheckFailure, CheckResult
        from mailwizard.core.profile import ServiceType

        def work() -> None:
            try:
                use_secret = secret
                if stored_secret is not None:  # a keyring call: never on the GUI thread
                    use_secret = get_secret(stored_secret)
                    if not use_secret:
                        raise LookupError("No saved password was found in the keyring; "
                                          "please type it.")
                kwargs: dict[str, Any] = {"send_test_to": send_test_to,
                                          "progress": self._progress}
                if greeting_wait is not None:
                    kwargs["greeting_wait"] = greeting_wait
                if access_token:
                    kwargs["access_token"] = access_token
                if profile.service is ServiceType.OAUTH:  # for a refresh of its token
                    from mailwizard.core.oauth.account import configured_client

                    kwargs["client"] = configured_client(profile, site)
                import os

                if os.environ.get("MAILWIZARD_DNS_SERVER"):
                    # the servers discovery found through that DNS server are looked up there
                    from mailwizard.core.discovery.dns import resolver_for_checks

                    kwargs["resolve"] = resolver_for_checks()
                check = make_check(profile, use_secret, **kwargs)
                with self._lock:
                    self._check = check
                    if self._cancelled:
                        check.cancel()
                result = check.run()
                if result.rotated_secret and stored_secret is not None:
                    # "Keep the saved sign-in": the refresh gave a new refresh token; the old
                    # one may stop working, so the keyring gets the new one now.
                    from mailwizard.core.store.secrets import set_secret

                    set_secret(stored_secret, result.rotated_secret)
            except Exception as exc:  # e.g. the keyring: reported, never raised into Qt
                from mailwizard.core.store.secrets import SecretStoreUnavailable

                ours = isinstance(exc, (LookupError, SecretStoreUnavailable))
                result = CheckResult(ok=False, profile=profile)
                result.failure = CheckFailure(
                    stage="settings", kind="invalid_settings" if ours else "error",
                    message=str(exc), exception=type(exc).__name__)
            diagnosis = None if result.ok else diagnose(result.failure, profile, provider)
            with self._lock:
                self._check = None
            self._mailbox.post(self._deliver, result, diagnosis)

        self._pool.start(work)

    def _progress(self, stage: str, status: str, ms: float) -> None:  # worker thread
        self._mailbox.post(emit, self.stage, stage, status, ms)

    def _deliver(self, result, diagnosis) -> None:
        # On the GUI thread: "not running" and the result arrive together, so nothing can
        # start a second check in between.
        self.running = False
        self._mailbox.close()
        emit(self.finished, result, diagnosis)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._check is not None:
                self._check.cancel()


class BackgroundCall(QObject):
    """Run one function on the pool; done(value) or failed(exception) comes back."""

    done = Signal(object)
    failed = Signal(object)
    #: what the worker tells along the way (tell(value) from the worker thread)
    note = Signal(object)

    def __init__(self, pool: WorkerPool, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = pool
        self.running = False
        self._mailbox = _Mailbox(self)

    def tell(self, value) -> None:  # worker thread
        self._mailbox.post(emit, self.note, value)

    def start(self, fn: Callable[[], Any]) -> None:
        self.running = True
        self._mailbox.open()

        def work() -> None:
            try:
                value = fn()
            except Exception as exc:
                self._mailbox.post(self._deliver, False, exc)
                return
            self._mailbox.post(self._deliver, True, value)

        self._pool.start(work)

    def _deliver(self, ok: bool, value) -> None:
        self.running = False
        self._mailbox.close()
        emit(self.done if ok else self.failed, value)
