"""The names a screen reader hears, in a language (run by test_wizard_keys_round3.py inside
its own D-Bus session and X server): through the real AT-SPI bus, the wizard walked from the
first page to the Save page against a loopback server.

Writes {page: {"named": [[role, name], ...], "alerts": [...]}} as JSON.
Run as: atspi_names_probe.py OUT.json LANG"""

from __future__ import annotations

import json
import os
import ssl
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from atspi_probe import (ROLE_ALERT, SHOWING, Reader, a11y_connection, find_app,  # noqa: E402
                         has, settle, start_a11y_bus)


def main(out_file: str, lang: str) -> None:
    launcher = start_a11y_bus()
    os.environ["QT_LINUX_ACCESSIBILITY_ALWAYS_ON"] = "1"
    import threading

    import trustme
    from PySide6.QtCore import QEventLoop, QTimer
    from servers import Recorder, start_smtp_server

    from mailwizard.core import i18n
    from mailwizard.core.flow import Step
    from mailwizard.gui.app import create_wizard, make_application

    i18n.set_language(lang)
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

    def look(page_name, title):
        settle(w)
        app_ref = run_off_gui(lambda: find_app(reader, title))

        def read():
            nodes: list = []
            reader.walk(*app_ref, nodes)
            return nodes

        showing = [n for n in run_off_gui(read) if has(n["states"], SHOWING)]
        results[page_name] = {
            "named": [[n["role"], n["name"]] for n in showing if n["name"]],
            "alerts": [n["name"] for n in showing if n["role_id"] == ROLE_ALERT],
        }

    try:
        w = create_wizard(tmp / "probe.json")
        w.show()
        title = app.applicationDisplayName()
        look("service", title)
        w.next()
        provider = w.pages[Step.PROVIDER]
        provider.email.setText(user)
        provider.search.setText("other")
        provider.list.setCurrentRow(0)
        look("provider", title)
        w.next()
        account = w.pages[Step.ACCOUNT]
        for field, text in ((account.host, srv.host), (account.cafile, str(ca_file)),
                            (account.secret, password)):
            field.setText(text)
            field.textEdited.emit(text)
        account.port.setValue(srv.port)
        look("account", title)
        w.next()
        validate = w.pages[Step.VALIDATE]
        validate.send_test.setChecked(False)
        loop = QEventLoop()
        validate.runner.finished.connect(loop.quit)
        validate.test_button.click()
        loop.exec()
        look("validate-ok", title)
        w.next()
        look("save", title)
        w.done(0)
    finally:
        srv.stop()
        launcher.terminate()
        launcher.wait(5)
    Path(out_file).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    del app


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
