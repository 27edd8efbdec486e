"""A stand-in for NetworkManager on a private D-Bus bus (tests/notification_service.py's
PrivateBus, given to the program as DBUS_SYSTEM_BUS_ADDRESS): it owns
org.freedesktop.NetworkManager and answers org.freedesktop.DBus.Properties.Get for
Connectivity and State, from a list of answers (the last one repeats), so a test can take the
network away and bring it back. `on_answer(connectivity)` runs before each Connectivity
answer (e.g. to start the DNS server when the network "comes back")."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.NetworkManager"


@dataclass
class NetworkManager:
    address: str
    connectivity: list[int] = field(default_factory=lambda: [4])  # 1 none … 4 full
    state: int = 70
    on_answer: Callable[[int], None] | None = None
    asked: int = 0

    def start(self) -> "NetworkManager":
        self._conn = open_dbus_connection(bus=self.address)
        reply = self._conn.send_and_get_reply(message_bus.RequestName(NAME, 4))
        assert reply.body[0] == 1, f"could not own {NAME}: {reply.body}"
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
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
            if member == "Get" and msg.body[1] == "Connectivity":
                value = self.connectivity[min(self.asked, len(self.connectivity) - 1)]
                self.asked += 1
                if self.on_answer is not None:
                    self.on_answer(value)
                self._conn.send(new_method_return(msg, "v", (("u", value),)))
            elif member == "Get" and msg.body[1] == "State":
                self._conn.send(new_method_return(msg, "v", (("u", self.state),)))
            else:
                self._conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))

    def stop(self) -> None:
        self._stop = True
        self._thread.join(5)
        self._conn.close()
