"""Passwords and tokens live in the operating system's keyring, nowhere else.

Naming convention (documented in README.md and referenced from the config file):
    service  = "mailwizard"
    username = "<profile name>/<kind>"      e.g. "default/password"

On Windows that is a Credential Manager "generic credential" with target "mailwizard" and user
name "<username>" (keyring moves older entries of the same service to the target
"<username>@mailwizard" when a second profile is stored); on macOS a Keychain item with service "mailwizard" and account
"<username>"; on Linux a Secret Service item with attributes service=mailwizard and
username=<username>.

There is no plaintext fallback: if no real keyring is available, `SecretStoreUnavailable`
says what to install or unlock, and nothing is saved.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from mailwizard.core.i18n import _
from mailwizard.core.redact import register_secret

log = logging.getLogger(__name__)

SERVICE_NAME = "mailwizard"

#: Backends that would keep a secret in a readable file or nowhere at all.
_REFUSED_BACKENDS = (
    "keyring.backends.fail",
    "keyring.backends.null",
    "keyrings.alt",  # PlaintextKeyring and friends: a file anyone with the disk can read
)


class SecretStoreUnavailable(RuntimeError):
    """No safe place for a secret on this computer; the message says what to do. `cause`:
    the reason alone, for a line such as `show`'s."""

    def __init__(self, message: str, cause: str = ""):
        super().__init__(message)
        self.cause = cause or message


@dataclass(frozen=True)
class SecretRef:
    """Where a secret is kept; this, never the secret, goes into the config file."""

    profile: str
    kind: str = "password"  # "password" or "refresh_token"
    service: str = SERVICE_NAME

    @property
    def username(self) -> str:
        return f"{self.profile}/{self.kind}"

    def to_dict(self) -> dict[str, str]:
        return {"store": "keyring", "service": self.service, "username": self.username}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> "SecretRef":
        profile, _sep, kind = d["username"].rpartition("/")
        return cls(profile=profile, kind=kind, service=d.get("service", SERVICE_NAME))

    def describe(self) -> str:
        """Where to look for it, in the words of this platform's keyring."""
        if sys.platform.startswith("win"):
            text = _("Windows Credential Manager, generic credential “{service}” (user name "
                     "“{username}”)")
        elif sys.platform == "darwin":
            text = _("macOS Keychain, service “{service}”, account “{username}”")
        else:
            text = _("Secret Service keyring (e.g. GNOME Keyring), service “{service}”, "
                     "username “{username}”")
        return text.format(service=self.service, username=self.username)


def _backend_problem(backend) -> str | None:
    """Why this keyring backend is unusable, or None if it is a real one."""
    names = []
    from keyring.backends import chainer

    if isinstance(backend, chainer.ChainerBackend):
        inner = list(backend.backends)
        if not inner:
            return _no_service()
        backends = inner
    else:
        backends = [backend]
    for b in backends:
        module = type(b).__module__
        names.append(f"{module}.{type(b).__name__}")
        if module.startswith("keyring.backends.fail"):  # keyring found no service at all
            return _no_service()
        if module.startswith("keyring.backends.null"):
            import os

            named = os.environ.get("PYTHON_KEYRING_BACKEND", "")
            if named.startswith("keyring.backends.null"):
                return _("the keyring is switched off in this session by the setting "
                         "PYTHON_KEYRING_BACKEND={named} (remove that setting)").format(
                    named=named)
            return _("the keyring is switched off in this session (keyring's own "
                     "configuration names {backend})").format(backend=names[-1])
        if module.startswith(_REFUSED_BACKENDS):
            return _("only an unsafe keyring is available ({backend}: it keeps passwords in "
                     "a plain file), and mailwizard refuses it").format(backend=names[-1])
    return None


def _no_service() -> str:
    """The cause when keyring finds no keyring service: on Linux, none is running in this
    session (a login without a desktop, ssh, a container, a service account)."""
    import os

    if sys.platform.startswith("linux"):
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return _("no keyring service (Secret Service) is running in this session: it has "
                     "no D-Bus session, as after ssh or in a service")
        return _("no keyring service (Secret Service) is running in this session")
    return _("no keyring service is running")


def _unavailable_message(detail: str, reading: bool = False) -> str:
    """`reading`: the password is only read (check, show, send), not stored (save, apply)."""
    if sys.platform.startswith("linux"):
        if reading:
            hint = _("Run this in the desktop session of the user who saved the settings, where "
                     "the keyring (GNOME Keyring, KeePassXC) starts and unlocks at sign-in, or "
                     "start a keyring in this session (for example `dbus-run-session` with "
                     "`gnome-keyring-daemon --unlock`), then try again.")
        else:
            hint = _("Your computer needs a password store that is running and unlocked: "
                     "sign in to a desktop session, where one (GNOME Keyring, or KeePassXC "
                     "with its Secret Service integration) starts and unlocks, and run this "
                     "there; or ask IT to start one in this session (for example "
                     "`dbus-run-session` with `gnome-keyring-daemon --unlock`), then try again.")
    elif sys.platform == "darwin":
        hint = _("Unlock the macOS Keychain (Keychain Access) and try again.")
    else:
        hint = _("Make sure Windows Credential Manager is available for your user account.")
    if reading:
        return " ".join((_("The saved password cannot be read here: {problem}.").format(
            problem=detail), hint))
    return " ".join((
        _("Your password cannot be stored safely on this computer: {problem}.").format(
            problem=detail),
        hint, _("mailwizard never stores passwords in a plain file.")))


def _unavailable(detail: str, reading: bool = False) -> SecretStoreUnavailable:
    return SecretStoreUnavailable(_unavailable_message(detail, reading), detail)


def _bad_setting_message(exc: BaseException) -> str:
    """keyring could not load the backend a setting names (PYTHON_KEYRING_BACKEND or
    keyringrc.cfg): say which setting, in words."""
    import os

    named = os.environ.get("PYTHON_KEYRING_BACKEND")
    if named is not None:
        text = _("Your password cannot be stored or read: the setting "
                 "PYTHON_KEYRING_BACKEND=“{named}” names a keyring that does not exist on this "
                 "computer ({error}). Remove that setting, or correct it (for example "
                 "keyring.backends.SecretService.Keyring), then try again.")
    else:
        text = _("Your password cannot be stored or read: the keyring configuration file "
                 "(keyringrc.cfg) names a keyring that does not exist on this computer "
                 "({error}). Remove that setting, or correct it (for example "
                 "keyring.backends.SecretService.Keyring), then try again.")
    return text.format(named=named, error=f"{type(exc).__name__}: {exc}") + " " + _(
        "mailwizard never stores passwords in a plain file.")


def _keyring(reading: bool = False):
    import keyring
    from keyring.errors import KeyringError

    try:
        backend = keyring.get_keyring()
    except KeyringError as exc:  # pragma: no cover - depends on the platform
        raise _unavailable(str(exc), reading) from None
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        raise SecretStoreUnavailable(_bad_setting_message(exc)) from None
    problem = _backend_problem(backend)
    if problem:
        raise _unavailable(problem, reading)
    return keyring


def backend_name() -> str:
    """For reports: which keyring backend is in use (or why none)."""
    try:
        import keyring

        b = keyring.get_keyring()
        return f"{type(b).__module__}.{type(b).__name__}"
    except Exception as exc:  # a report must not fail because of this
        return f"unavailable ({exc})"


def check_available() -> None:
    """Raise SecretStoreUnavailable now, before a user types a password for nothing."""
    _keyring()


def _call(fn, *args, reading: bool = False):
    from keyring.errors import KeyringError, KeyringLocked, NoKeyringError, PasswordDeleteError

    try:
        return fn(*args)
    except PasswordDeleteError:
        raise  # "no such entry": the caller decides
    except (NoKeyringError,) as exc:
        raise _unavailable(str(exc) or _("no keyring"), reading) from None
    except KeyringLocked:
        raise _unavailable(_("the keyring is locked"), reading) from None
    except KeyringError as exc:
        detail = str(exc) or type(exc).__name__
        if "prompt dismissed" in detail.lower():
            detail = _("the keyring is locked and the unlock prompt was dismissed")
        raise _unavailable(detail, reading) from None


def get_secret(ref: SecretRef) -> str | None:
    kr = _keyring(reading=True)
    value = _call(kr.get_password, ref.service, ref.username, reading=True)
    register_secret(value)
    return value


def set_secret(ref: SecretRef, value: str) -> None:
    register_secret(value)
    kr = _keyring()
    _call(kr.set_password, ref.service, ref.username, value)
    log.info("stored secret %s/%s in %s", ref.service, ref.username, backend_name())


def delete_secret(ref: SecretRef) -> bool:
    from keyring.errors import PasswordDeleteError

    kr = _keyring()
    try:
        _call(kr.delete_password, ref.service, ref.username)
        return True
    except PasswordDeleteError:
        return False


class SecretReplacement:
    """Replace a secret so that a failure later in the save (the config write) puts the old
    one back: the keyring and the config never disagree after a failed save."""

    def __init__(self, ref: SecretRef, new_value: str):
        self.ref, self.new_value = ref, new_value
        self._old: str | None = None
        self._done = False

    def __enter__(self) -> "SecretReplacement":
        self._old = get_secret(self.ref)
        set_secret(self.ref, self.new_value)
        self._done = True
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and self._done:
            try:
                if self._old is None:
                    delete_secret(self.ref)
                else:
                    set_secret(self.ref, self._old)
            except SecretStoreUnavailable:
                log.error("could not restore the previous secret for %s", self.ref.username)
