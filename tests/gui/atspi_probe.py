"""The wizard as a screen reader sees it, through the real AT-SPI bus (run by
test_wizard_atspi.py inside its own D-Bus session and X server).

Starts the accessibility bus (at-spi-bus-launcher) BEFORE the Qt application, opens the
wizard, walks it through its pages against a loopback SMTP server, and on each page reads
the accessible tree over D-Bus (jeepney, from a helper thread while Qt's event loop answers).
Writes {page: {"unnamed": [...], "links": [...], "alerts": [...], "nodes": N}} as JSON."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from jeepney import DBusAddress, new_method_call  # noqa: E402
from jeepney.io.blocking import open_dbus_connection  # noqa: E402

# AtspiStateType and AtspiRelationType (at-spi2-core atspi-constants.h)
FOCUSABLE, SHOWING = 11, 25
LABELLED_BY = 2
ROLE_ALERT = 2  # AtspiRole: what a screen reader reads out at once when it appears
ACCESSIBLE = "org.a11y.atspi.Accessible"


def has(states: list[int], bit: int) -> bool:
    return bool(states[bit // 32] & (1 << (bit % 32)))


def start_a11y_bus() -> subprocess.Popen:
    launcher = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    session = open_dbus_connection("SESSION")
    dbus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                       interface="org.freedesktop.DBus")
    deadline = time.monotonic() + 60  # a deadline for a loaded machine, not a wait
    while time.monotonic() < deadline:
        reply = session.send_and_get_reply(new_method_call(dbus, "NameHasOwner", "s",
                                                           ("org.a11y.Bus",)))
        if reply.body[0]:
            session.close()
            return launcher
        time.sleep(0.05)
    raise SystemExit("the accessibility bus did not start")


def settle(wizard) -> None:
    """Until the wizard has done what it does just after a page is shown (zero-timers: the
    controls' names and Tab order, the first page's look at whether Connect is set up) and its
    layout stands still from one pass of the event loop to the next: a condition, so a busy
    machine only takes more passes (a fixed 150 ms could end before the second of two chained
    timers had fired). Up to a deadline a loaded machine meets."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QWidget

    from mailwizard.core.profile import ServiceType

    def busy() -> bool:
        page = wizard.currentPage()
        looking = (getattr(page, "connect_ready", True) is None
                   and ServiceType.OAUTH in getattr(page, "buttons", {}))
        return wizard._names_timer.isActive() or looking

    last, deadline = None, time.monotonic() + 60
    while time.monotonic() < deadline:
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)  # one pass of the event loop, and the poll's interval
        loop.exec()
        now = [(id(x), x.isVisible(), x.geometry().getRect())
               for x in wizard.findChildren(QWidget)]
        if not busy() and now == last:
            return
        last = now
    raise RuntimeError("the wizard did not settle within 60 s")


def a11y_connection():
    session = open_dbus_connection("SESSION")
    bus = DBusAddress("/org/a11y/bus", bus_name="org.a11y.Bus", interface="org.a11y.Bus")
    address = session.send_and_get_reply(new_method_call(bus, "GetAddress")).body[0]
    session.close()
    return open_dbus_connection(address)


class Reader:
    """Reads accessibles over the AT-SPI bus (blocking; run off the GUI thread)."""

    def __init__(self, conn):
        self.conn = conn

    def call(self, name, path, method, sig=None, body=(), interface=ACCESSIBLE):
        addr = DBusAddress(path, bus_name=name, interface=interface)
        msg = new_method_call(addr, method, sig, body) if sig else new_method_call(addr, method)
        return self.conn.send_and_get_reply(msg, timeout=30).body

    def prop(self, name, path, prop):
        return self.call(name, path, "Get", "ss", (ACCESSIBLE, prop),
                         interface="org.freedesktop.DBus.Properties")[0][1]

    def apps(self):
        return self.call("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root",
                         "GetChildren")[0]

    def labelled_by(self, name, path) -> list[str]:
        """The names of the labels that label this accessible (a screen reader reads them
        before the value)."""
        names = []
        for kind, targets in self.call(name, path, "GetRelationSet")[0]:
            if kind == LABELLED_BY:
                names += [self.prop(n, p, "Name") for n, p in targets]
        return names

    def node(self, name, path):
        return {"ref": (name, path), "role": self.call(name, path, "GetRoleName")[0],
                "role_id": self.call(name, path, "GetRole")[0],
                "name": self.prop(name, path, "Name"),
                "description": self.prop(name, path, "Description"),
                "states": list(self.call(name, path, "GetState")[0]),
                "children": self.call(name, path, "GetChildren")[0]}

    def walk(self, name, path, out, depth=0):
        n = self.node(name, path)
        if not has(n["states"], SHOWING) and depth > 1:
            return
        out.append(n)
        for child_name, child_path in n["children"]:
            self.walk(child_name, child_path, out, depth + 1)


def find_app(reader, title):
    deadline = time.monotonic() + 60  # a deadline for a loaded machine, not a wait
    while time.monotonic() < deadline:
        for name, path in reader.apps():
            try:
                if reader.prop(name, path, "Name") == title:
                    return name, path
            except Exception:
                continue
        time.sleep(0.1)
    raise RuntimeError("the wizard did not appear on the accessibility bus")


def main(out_file: str) -> None:
    launcher = start_a11y_bus()
    os.environ["QT_LINUX_ACCESSIBILITY_ALWAYS_ON"] = "1"
    import trustme
    from PySide6.QtCore import QEventLoop, QTimer
    from servers import Recorder, start_smtp_server

    from mailwizard.core.flow import Step
    from mailwizard.core.profile import ServiceType
    from mailwizard.gui.app import create_wizard, make_application

    tmp = Path(os.environ.get("PROBE_TMP", "/tmp"))
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    ca_file = tmp / "probe-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    user, password = "office@society.example.org", "correct horse"
    srv = start_smtp_server(mode="starttls", cert_ctx=ctx,
                            recorder=Recorder(users={user: password}))
    app = make_application([])
    reader = Reader(a11y_connection())
    results: dict = {}

    def run_off_gui(fn):
        """fn() on a helper thread while Qt's event loop runs (Qt answers the queries)."""
        box, loop, timer = {}, QEventLoop(), QTimer()

        def work():
            try:
                box["value"] = fn()
            except Exception as exc:  # reported in the results
                box["error"] = repr(exc)

        thread = threading.Thread(target=work)
        timer.setInterval(20)
        timer.timeout.connect(lambda: None if thread.is_alive() else loop.quit())
        thread.start()
        timer.start()
        loop.exec()
        timer.stop()
        if "error" in box:
            raise RuntimeError(box["error"])
        return box["value"]

    def look(page_name, wizard):
        settle(wizard)
        app_ref = run_off_gui(lambda: find_app(reader, "mailwizard"))

        def read():
            nodes: list = []
            reader.walk(*app_ref, nodes)
            return nodes

        nodes = run_off_gui(read)
        showing = [n for n in nodes if has(n["states"], SHOWING)]
        combos = [n for n in showing if n["role"] == "combo box"]
        labels = run_off_gui(lambda: [(n["name"], reader.labelled_by(*n["ref"]))
                                      for n in combos])
        results[page_name] = {
            "nodes": len(showing),
            "unnamed": [f'{n["role"]} ({n["description"]})' for n in showing
                        if has(n["states"], FOCUSABLE) and not n["name"].strip()],
            "links": [n["name"] for n in showing if n["role"] == "link"],
            "alerts": [n["name"] for n in showing if n["role_id"] == ROLE_ALERT],
            "roles": sorted({n["role"] for n in showing}),
            "combos": labels,
            "described": {n["name"]: n["description"] for n in showing
                          if (n["role"] == "radio button" or n["role_id"] == ROLE_ALERT)
                          and n["description"]},
        }
        if os.environ.get("PROBE_DUMP"):
            results[page_name]["dump"] = [(n["role"], n["name"][:40], n["states"])
                                          for n in nodes]

    try:
        w = create_wizard(tmp / "probe.json")
        w.show()
        look("service", w)
        w.next()
        provider = w.pages[Step.PROVIDER]
        provider.email.setText("riverside.society@gmail.com")
        look("provider", w)
        w.next()
        look("account-gmail", w)
        w.back()
        provider.email.setText(user)
        provider.search.setText("other")
        w.next()
        account = w.pages[Step.ACCOUNT]
        for field, text in ((account.host, srv.host), (account.cafile, str(ca_file)),
                            (account.secret, password)):
            field.setText(text)
            field.textEdited.emit(text)
        account.port.setValue(srv.port)
        account.security.setCurrentIndex(account.security.findData("tls"))
        look("account-own-server", w)
        w.next()
        validate = w.pages[Step.VALIDATE]
        look("validate-ready", w)
        loop = QEventLoop()
        validate.runner.finished.connect(loop.quit)
        validate.test_button.click()
        loop.exec()
        look("validate-failed", w)
        validate.fix_button.click()
        loop2 = QEventLoop()
        validate.runner.finished.connect(loop2.quit)
        loop2.exec()
        look("validate-ok", w)
        w.done(0)

        os.environ["MAILWIZARD_GOOGLE_CLIENT_ID"] = "vendor-client.apps.example"
        os.environ["MAILWIZARD_GOOGLE_CLIENT_SECRET"] = "not-a-secret"
        w2 = create_wizard(tmp / "probe2.json")
        w2.show()
        w2.pages[Step.SERVICE].buttons[ServiceType.EXCHANGE].click()
        w2.next()
        look("exchange", w2)
        w2.back()
        w2.pages[Step.SERVICE].buttons[ServiceType.OAUTH].click()
        w2.next()
        w2.pages[Step.CONNECT].choices["microsoft"].click()
        look("connect", w2)
        w2.done(0)
    finally:
        srv.stop()
        launcher.terminate()
        launcher.wait(5)
    Path(out_file).write_text(json.dumps(results, indent=1))
    del app


if __name__ == "__main__":
    main(sys.argv[1])
