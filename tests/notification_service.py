"""A small freedesktop Notifications service of our own for the tests: a private D-Bus
session bus (a real dbus-daemon) or the test session's bus, a thread owning
org.freedesktop.Notifications on it that records every Notify call and can answer with the
ActionInvoked / NotificationClosed signals a desktop sends when the user clicks."""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass, field

from jeepney import (DBusAddress, HeaderFields, MessageType, new_error, new_method_return,
                     new_signal)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class PrivateBus:
    """A dbus-daemon of its own (session configuration), stopped with stop()."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.proc.stdout.readline().strip()
        assert self.address, "dbus-daemon gave no address"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)
        self.proc.stdout.close()


@dataclass
class Received:
    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: list
    hints: dict
    expire_timeout: int
    id: int = 0


@dataclass
class NotificationService:
    """Owns org.freedesktop.Notifications on the bus at `address` while running.

    click: the action key to "click" right after a Notify (None: no click; "close": the
    notification is closed instead)."""

    address: str
    click: str | None = None
    received: list[Received] = field(default_factory=list)

    def start(self) -> "NotificationService":
        self._conn = open_dbus_connection(bus=self.address)
        reply = self._conn.send_and_get_reply(message_bus.RequestName(NAME, 4))  # do not queue
        assert reply.body[0] == 1, f"could not own {NAME}: {reply.body}"
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        emitter = DBusAddress(PATH, interface=NAME)
        while not self._stop:
            try:
                msg = self._conn.receive(timeout=0.2)
            except TimeoutError:
                continue
            except (OSError, ValueError):
                return
            if msg.header.message_type is not MessageType.method_call:
                continue
            member = msg.header.fields.get(HeaderFields.member)
            if member == "Notify":
                n = Received(*msg.body)
                n.id = len(self.received) + 1
                self.received.append(n)
                self._conn.send(new_method_return(msg, "u", (n.id,)))
                if self.click == "close":
                    self._conn.send(new_signal(emitter, "NotificationClosed", "uu", (n.id, 2)))
                elif self.click:
                    self._conn.send(new_signal(emitter, "ActionInvoked", "us",
                                               (n.id, self.click)))
            elif member == "GetCapabilities":
                self._conn.send(new_method_return(msg, "as", (["actions", "body"],)))
            elif member == "GetServerInformation":
                self._conn.send(new_method_return(msg, "ssss",
                                                  ("test", "mailwizard-tests", "1", "1.2")))
            else:
                self._conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))

    def stop(self) -> None:
        self._stop = True
        self._thread.join(5)
        try:
            self._conn.send_and_get_reply(message_bus.ReleaseName(NAME), timeout=2)
        except Exception:
            pass
        self._conn.close()


def session_bus_address() -> str | None:
    return os.environ.get("DBUS_SESSION_BUS_ADDRESS")
