"""The desktop warning when a scheduled check fails: what to say (plain words naming the
provider and the fix), whether to say it (once per failure: the same failure is not said
again until a check has passed; core/admin/daily.py decides which failures warn), and how
(the freedesktop Notifications service over D-Bus on Linux, with jeepney; Windows and macOS
have a simpler, untested mechanism below).

The notification's action opens the wizard on the right path: "password changed" (a new
password or app password) or "sign in again" (Connect), both the wizard's “My password
changed” start, which for a connected account is the sign-in page.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mailwizard import APP_ID
from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import N_, _

if TYPE_CHECKING:
    from mailwizard.core.diagnosis.smtp import Diagnosis
    from mailwizard.core.profile import Profile

log = logging.getLogger(__name__)

NOTIFIED_SUFFIX = ".notified.json"
TITLE = N_("Your ERP's email stopped working")

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
#: The action key of the button ("default" is a click on the notification itself).
ACTION = "fix"


@dataclass
class Alert:
    """One warning: a title, a body in plain words, the button's label, the wizard path the
    button opens ("password_changed", or "" for the start page), and what makes two warnings
    "the same failure"."""

    summary: str
    body: str
    action_label: str
    resume: str
    key: str

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


def provider_name(profile: Profile) -> str:
    """How the user knows their provider: "Gmail", "Microsoft 365", "Google" (Connect)…"""
    if profile.oauth_provider:
        return {"google": "Google", "microsoft": "Microsoft"}.get(profile.oauth_provider,
                                                                  profile.oauth_provider)
    if profile.provider_id and profile.provider_id != "custom":
        try:
            from mailwizard.core.providers import load_catalogue

            preset = load_catalogue().get(profile.provider_id)
            if preset is not None:
                return preset.name.split(" (")[0]
        except Exception:  # a warning must not fail for want of a name
            pass
    return profile.host or _("Your email server")


def _google(profile: Profile) -> bool:
    return profile.provider_id in ("gmail", "google-workspace") \
        or (profile.host or "").lower() == "smtp.gmail.com"


def alert_for(profile: Profile, code: int, diagnosis: Diagnosis | None = None,
              message: str = "", since: str = "") -> Alert:
    """The warning for a failed check with this exit code (`since`: when a temporary failure
    that has lasted began, said in the warning)."""
    name = provider_name(profile)
    key = f"{code}:{diagnosis.code if diagnosis else ''}"
    if code == ec.SIGN_IN_AGAIN or (diagnosis is not None
                                    and diagnosis.code == "oauth_invalid_grant"):
        return Alert(_(TITLE), _(
            "{provider} no longer accepts mailwizard's sign-in for {username}: it expired or "
            "was withdrawn. Open mailwizard and sign in again.").format(
                provider=name, username=profile.username),
                     _("Sign in again"), "password_changed", f"{ec.SIGN_IN_AGAIN}:")
    if code == ec.AUTH:
        if _google(profile):
            body = _("Gmail refused the app password for {username}. Google cancels app "
                     "passwords when the account's password changes. Open mailwizard to enter "
                     "a new app password.").format(username=profile.username)
        else:
            body = _("{provider} refused the saved password for {username}. Perhaps it was "
                     "changed. Open mailwizard to enter the new password.").format(
                         provider=name, username=profile.username)
        return Alert(_(TITLE), body, _("My password changed"), "password_changed", key)
    if code == ec.SECRET_STORE:
        return Alert(_(TITLE), _("mailwizard could not read the saved password: your "
                                 "computer's password store (keyring) is locked or missing. "
                                 "Sign in to the desktop so that it is unlocked, or ask IT."),
                     _("Open mailwizard"), "", key)
    cause = (diagnosis.cause if diagnosis else message) or \
        _("The check of the email settings failed.")
    first = _first_sentence(cause)
    if name not in first:
        first = f"{name}: {first}"
    if since:
        first += " " + _("This has lasted since {since}.").format(since=_local_time(since))
    return Alert(_(TITLE), first + " " + _("Open mailwizard to see what to do."),
                 _("Open mailwizard"), "", key)


def _local_time(iso: str) -> str:
    """"2027-03-17 09:30" in this computer's time zone, from a record's ISO 8601 time."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return iso


def _first_sentence(text: str) -> str:
    """The first sentence of `text`, with its full stop ("." or the Devanagari "।")."""
    for i, ch in enumerate(text):
        if ch in ".।" and (i + 1 == len(text) or text[i + 1] == " "):
            return text[:i].rstrip(".।") + ch
    return text.rstrip(".") + "."


# -- once per failure ----------------------------------------------------------------------------
def notified_path(config_path: Path) -> Path:
    config_path = Path(config_path)
    return config_path.with_name(config_path.stem + NOTIFIED_SUFFIX)


def already_notified(config_path: Path, alert: Alert, now: float | None = None) -> bool:
    """Whether this failure was already announced (since the last passing check: a passing
    check forgets it; another failure is news). `now` is kept for callers; time does not
    matter any more: a warning repeated every day is soon ignored."""
    try:
        data = json.loads(notified_path(config_path).read_text(encoding="utf-8"))
        return data.get("key") == alert.key
    except (OSError, ValueError, TypeError, AttributeError):
        return False


def remember(config_path: Path, alert: Alert, now: float | None = None) -> None:
    from mailwizard.core.store.config import _atomic_write

    now = now or time.time()
    data = {"key": alert.key, "at_unix": now,
            "at": datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="seconds"),
            "summary": alert.summary, "body": alert.body}
    path = notified_path(config_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())


def forget(config_path: Path) -> None:
    """A check passed: the next failure is news again."""
    try:
        notified_path(config_path).unlink()
    except OSError:
        pass


# -- showing it -----------------------------------------------------------------------------------
class NotifyError(RuntimeError):
    """No notification could be shown (no desktop session, no notification service)."""


def send_freedesktop(alert: Alert, *, wait: float = 0.0,
                     on_action: Callable[[str], Any] | None = None,
                     bus: str = "SESSION") -> int:
    """Show the alert through org.freedesktop.Notifications on the session bus (or the bus at
    address `bus`). With wait > 0, stay up to `wait` seconds for a click and call
    on_action(alert.resume) when the button or the notification is clicked; closing it ends
    the wait. Returns the notification's id. Raises NotifyError."""
    from jeepney import (DBusAddress, HeaderFields, MatchRule, MessageType, message_bus,
                         new_method_call)
    from jeepney.io.blocking import open_dbus_connection

    try:
        conn = open_dbus_connection(bus=bus)
    except Exception as exc:  # no session bus: a desktop-less session
        raise NotifyError(_("no D-Bus session bus ({problem})").format(problem=exc)) from None
    try:
        rule = MatchRule(type="signal", interface=INTERFACE, path=OBJECT_PATH)
        address = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=INTERFACE)
        hints = {"desktop-entry": ("s", APP_ID), "urgency": ("y", 1),
                 "category": ("s", "network.error")}
        actions = ["default", alert.action_label, ACTION, alert.action_label]
        with conn.filter(rule, bufsize=64) as signals:
            if wait > 0:
                conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
            msg = new_method_call(address, "Notify", "susssasa{sv}i",
                                  ("mailwizard", 0, APP_ID, alert.summary, alert.body,
                                   actions, hints, -1))
            try:
                reply = conn.send_and_get_reply(msg, timeout=10)
            except Exception as exc:
                raise NotifyError(_("the notification service did not answer ({problem})").format(
                    problem=exc)) \
                    from None
            if reply.header.message_type is MessageType.error:
                raise NotifyError(_("the notification service refused: {reply}").format(
                    reply=reply.body))
            nid = int(reply.body[0])
            deadline = time.monotonic() + wait
            while wait > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    sig = conn.recv_until_filtered(signals, timeout=remaining)
                except TimeoutError:
                    break
                if not sig.body or int(sig.body[0]) != nid:
                    continue
                member = sig.header.fields.get(HeaderFields.member)
                if member == "ActionInvoked":
                    if on_action is not None:
                        on_action(alert.resume)
                    break
                if member == "NotificationClosed":
                    break
            return nid
    finally:
        conn.close()


def _send_windows(alert: Alert) -> None:  # pragma: no cover - untested: no Windows here
    """UNTESTED (written without a Windows machine): a toast through PowerShell's WinRT
    bridge. No action button: the text says to open mailwizard."""
    from xml.sax.saxutils import escape

    toast = (f"<toast><visual><binding template='ToastGeneric'><text>{escape(alert.summary)}"
             f"</text><text>{escape(alert.body)}</text></binding></visual></toast>")
    script = (
        "[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, "
        "ContentType = WindowsRuntime] > $null;"
        "$x = New-Object Windows.Data.Xml.Dom.XmlDocument;"
        f"$x.LoadXml('{toast.replace(chr(39), chr(39) * 2)}');"
        "[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier("
        "'mailwizard').Show([Windows.UI.Notifications.ToastNotification]::new($x))")
    subprocess.run(["powershell", "-NoProfile", "-NonInteractive", "-Command", script],
                   capture_output=True, timeout=30, check=True)


def _send_macos(alert: Alert) -> None:  # pragma: no cover - untested: no Mac here
    """UNTESTED (written without a Mac): Notification Center through osascript; no action
    button, the text says to open mailwizard."""
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    subprocess.run(["osascript", "-e", f"display notification {q(alert.body)} with title "
                    f"{q(alert.summary)}"], capture_output=True, timeout=30, check=True)


def wizard_command(resume: str, config_path: Path | None = None) -> list[str]:
    """The command line that opens the wizard on the alert's path."""
    if getattr(sys, "frozen", False):
        cmd = [sys.executable]
    else:
        cmd = [sys.executable, "-m", "mailwizard"]
    cmd += ["gui"]
    if resume:
        cmd += ["--resume", resume]
    if config_path:
        cmd += ["--config", str(config_path)]
    return cmd


def open_wizard(resume: str, config_path: Path | None = None) -> None:
    """Start the wizard on its own (it outlives this check)."""
    subprocess.Popen(wizard_command(resume, config_path), stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


def warn(config_path: Path, alert: Alert, *, wait: float = 0.0,
         on_action: Callable[[str], Any] | None = None, now: float | None = None) -> str:
    """Show the alert unless the same failure was already shown. Returns "shown",
    "repeat" (not shown again) or why it could not be shown."""
    if already_notified(config_path, alert, now):
        return "repeat"
    try:
        if sys.platform.startswith("win"):
            _send_windows(alert)
        elif sys.platform == "darwin":
            _send_macos(alert)
        else:
            send_freedesktop(alert, wait=wait, on_action=on_action)
    except (NotifyError, OSError, subprocess.SubprocessError) as exc:
        log.warning("the desktop notification could not be shown: %s", exc)
        return f"not shown: {exc}"
    try:
        remember(config_path, alert, now)
    except OSError as exc:
        log.warning("could not remember the notification: %s", exc)
    return "shown"
