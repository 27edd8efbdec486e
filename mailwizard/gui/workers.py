"""Network and keyring work off the GUI thread. Results come back as Qt signals (queued to the
GUI thread); nothing here spins the event loop."""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the check machinery is imported when the first check starts
    from mailwizard.core.profile import Profile
    from mailwizard.core.providers import ProviderPreset
    from mailwizard.core.secrets import SecretRef
    from mailwizard.core.smtp_check import SmtpCheck


def quiet_emit(signal, *args) -> bool:
    """Emit from a worker thread; False when the receiving window is already gone (closed
    during a check): the worker then just ends, without a traceback."""
    try:
        signal.emit(*args)
        return True
    except RuntimeError:  # "Signal source has been deleted"
        return False


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], None]):
        super().__init__()
        self._fn = fn

    def run(self) -> None:
        self._fn()


class CheckRunner(QObject):
    """Runs one check (SMTP or Exchange) at a time on a worker thread.

    stage(stage, status, ms) arrives for each stage as it starts and ends;
    finished(result, diagnosis) once, also after cancel()."""

    stage = Signal(str, str, float)
    finished = Signal(object, object)
    _delivered = Signal(object, object)  # worker -> GUI thread (queued)

    def __init__(self, pool: QThreadPool, parent: QObject | None = None):
        super().__init__(parent)
        self._delivered.connect(self._deliver)
        self._pool = pool
        self._lock = threading.Lock()
        self._check: SmtpCheck | None = None
        self._cancelled = False
        self.running = False

    def start(self, profile: Profile, secret: str | None, *, send_test_to: str | None,
              provider: ProviderPreset | None, stored_secret: SecretRef | None = None,
              greeting_wait: float | None = None, access_token: str | None = None) -> None:
        if self.running:
            raise RuntimeError("a check is already running")
        self.running = True
        self._cancelled = False

        from mailwizard.core.diagnosis import diagnose
        from mailwizard.core.secrets import get_secret
        from mailwizard.core.checks import make_check
        from mailwizard.core.smtp_check import CheckFailure, CheckResult

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
                check = make_check(profile, use_secret, **kwargs)
                with self._lock:
                    self._check = check
                    if self._cancelled:
                        check.cancel()
                result = check.run()
            except Exception as exc:  # e.g. the keyring: reported, never raised into Qt
                from mailwizard.core.secrets import SecretStoreUnavailable

                ours = isinstance(exc, (LookupError, SecretStoreUnavailable))
                result = CheckResult(ok=False, profile=profile)
                result.failure = CheckFailure(
                    stage="settings", kind="invalid_settings" if ours else "error",
                    message=str(exc), exception=type(exc).__name__)
            diagnosis = None if result.ok else diagnose(result.failure, profile, provider)
            with self._lock:
                self._check = None
            quiet_emit(self._delivered, result, diagnosis)

        self._pool.start(_Runnable(work))

    def _progress(self, stage: str, status: str, ms: float) -> None:
        if not quiet_emit(self.stage, stage, status, ms):
            self.cancel()  # nobody is watching any more

    def _deliver(self, result, diagnosis) -> None:
        # On the GUI thread: "not running" and the result arrive together, so nothing can
        # start a second check in between.
        self.running = False
        self.finished.emit(result, diagnosis)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._check is not None:
                self._check.cancel()


class BackgroundCall(QObject):
    """Run one function on the pool; done(value) or failed(exception) comes back."""

    done = Signal(object)
    failed = Signal(object)
    _delivered = Signal(bool, object)  # worker -> GUI thread (queued)

    def __init__(self, pool: QThreadPool, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = pool
        self.running = False
        self._delivered.connect(self._deliver)

    def start(self, fn: Callable[[], Any]) -> None:
        self.running = True

        def work() -> None:
            try:
                value = fn()
            except Exception as exc:
                quiet_emit(self._delivered, False, exc)
                return
            quiet_emit(self._delivered, True, value)

        self._pool.start(_Runnable(work))

    def _deliver(self, ok: bool, value) -> None:
        self.running = False
        (self.done if ok else self.failed).emit(value)
