"""Walk the wizard through every page with realistic content (a real loopback server, a saved
profile in the real Secret Service), calling check(wizard, name) on each page, and
check_dialog(box, name) on the For IT dialog with its steps shown, when given."""

from __future__ import annotations

import uuid

from conftest import PASSWORD, USER
from PySide6.QtWidgets import QMessageBox
from support.gui import wait_result

from mailwizard.core.flow import Resume, Step
from mailwizard.core.profile import Profile, ServiceType
from mailwizard.core.store.save import save_settings
from mailwizard.core.checks.smtp import run_check


def settle(qtbot, w, timeout: int = 5000) -> None:
    """Wait until `w`'s layouts have settled: the posted layout requests handled and every
    visible widget's geometry unchanged from one look to the next (a condition, not a fixed
    wait; on a busy machine it simply takes more rounds)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QWidget

    last: dict[str, object] = {}

    def stable() -> bool:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        now = [(id(x), x.geometry().getRect()) for x in w.findChildren(QWidget)
               if x.isVisible()]
        same = last.get("geometry") == now
        last["geometry"] = now
        return same

    qtbot.waitUntil(stable, timeout=timeout)


def every_page(qtbot, wizard, smtp_server, ca_file, tmp_path, monkeypatch, check,
               check_dialog=None) -> list[str]:
    srv = smtp_server("starttls")
    config = tmp_path / f"{uuid.uuid4().hex}.json"
    profile = Profile(host=srv.host, port=srv.port, security="starttls", username=USER,
                      from_address=USER, display_name="Riverside", cafile=ca_file)
    save_settings(profile, PASSWORD, run_check(profile, PASSWORD), config_path=config)
    seen = []

    def at(w, name):
        settle(qtbot, w)  # queued focus and geometry
        check(w, name)
        seen.append(name)

    w = wizard(config)
    assert w.currentId() == Step.RESUME
    at(w, "resume")
    w.pages[Step.RESUME].buttons[Resume.START_OVER].click()
    w.next()
    at(w, "service")
    w.next()
    provider = w.pages[Step.PROVIDER]
    qtbot.keyClicks(provider.email, USER)
    qtbot.keyClicks(provider.search, "other")
    at(w, "provider")
    w.next()
    account = w.pages[Step.ACCOUNT]
    account.advanced_toggle.setChecked(True)
    qtbot.keyClicks(account.display_name, "Riverside Co-operative Housing Society accounts")
    account.host.clear()
    qtbot.keyClicks(account.host, srv.host)
    account.port.setValue(srv.port)
    account.security.setCurrentIndex(account.security.findData("tls"))
    qtbot.keyClicks(account.cafile, ca_file)
    qtbot.keyClicks(account.secret, PASSWORD)
    at(w, "account")
    w.next()
    validate = w.pages[Step.VALIDATE]
    at(w, "validate-ready")
    validate.test_button.click()
    wait_result(qtbot, validate)
    at(w, "validate-failed")
    validate.fix_button.click()
    qtbot.waitUntil(lambda: validate.result is not None and validate.result.ok, timeout=15000)
    at(w, "validate-ok")
    w.next()
    at(w, "save")
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    at(w, "done")

    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_ID", "vendor-client.apps.example")
    monkeypatch.setenv("MAILWIZARD_GOOGLE_CLIENT_SECRET", "not-a-secret")
    w2 = wizard(tmp_path / f"{uuid.uuid4().hex}.json")
    service = w2.pages[Step.SERVICE]
    service.buttons[ServiceType.EXCHANGE].click()
    w2.next()
    exchange = w2.pages[Step.EXCHANGE]
    qtbot.keyClicks(exchange.email, USER)  # fills the address, user name and "Signs in as"
    assert exchange.login_hint.text()
    at(w2, "exchange")
    w2.back()
    service.buttons[ServiceType.OAUTH].click()
    w2.next()
    at(w2, "connect")
    connect = w2.pages[Step.CONNECT]
    connect.choices["microsoft"].click()
    at(w2, "connect-not-configured")
    if check_dialog is not None:
        # For IT: the steps, behind the dialog's own Show Details button (Qt's, translated)
        connect.for_it.button.click()
        box = connect.for_it_box
        qtbot.waitUntil(box.isVisible)
        [details] = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ActionRole]
        details.click()
        settle(qtbot, box)  # the steps shown and the box grown to them
        check_dialog(box, "connect-for-it")
        seen.append("connect-for-it")
        box.close()
    for x in (w, w2):
        x.done(0)
    return seen
