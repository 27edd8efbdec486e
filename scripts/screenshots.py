"""Render each wizard step to docs/screenshots/*.png, driving a real run: the Gmail guidance,
then a custom server on loopback (a STARTTLS test server from tests/servers.py) with a wrong
security setting, the fix applied, the save into the keyring, and the "password changed" start.

Run through scripts/screenshots.sh (private D-Bus session with gnome-keyring); offscreen by
default, or under Xvfb with QT_QPA_PLATFORM=xcb for the real window decorations.

In another language (``--lang hi``, or MAILWIZARD_LANG=hi): the main steps (service, provider,
the account with the provider's app-password steps, the failed test with its cause and fix, the
passed test, save, done) into docs/screenshots/<language>/."""

from __future__ import annotations

import os
import ssl
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import trustme  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from dns_server import DnsServer, Zone, loopback_address  # noqa: E402
from ews_server import EwsServer, EwsState  # noqa: E402
from servers import Recorder, start_smtp_server  # noqa: E402

from mailwizard.core.flow import Step  # noqa: E402
from mailwizard.gui.app import create_wizard, make_application  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (980, 680)
#: the language of the screens: --lang, else MAILWIZARD_LANG, else English (never the
#: machine's own locale: the documentation's pictures do not depend on who renders them)
LANG = "en"


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for_check(page) -> None:
    if not page.busy() and page.result is None:
        page.test_button.click()  # the test starts when the user asks
    if page.busy():
        loop = QEventLoop()
        page.runner.finished.connect(loop.quit)
        QTimer.singleShot(15000, loop.quit)
        loop.exec()
    wait(50)


def shot(wizard, name: str) -> None:
    # Another script's first sentences load its font (fontconfig) and shape slowly: the help
    # beside the fields settles a little later.
    wait(80 if LANG == "en" else 600)
    wizard.grab().save(str(OUT / f"{name}.png"))
    print(OUT / f"{name}.png")


def main(argv: list[str]) -> None:
    global OUT, LANG
    from mailwizard.core import i18n

    LANG = i18n.set_language(i18n.option_value(argv, "--lang")
                             or os.environ.get("MAILWIZARD_LANG") or "en")
    if LANG != i18n.SOURCE:
        OUT = OUT / LANG
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="mailwizard-shots-"))
    config = tmp / "mail-settings.json"
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    ca_file = tmp / "office-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    user, password = "accounts@riverside-society.org", "app-password-for-screens"
    srv = start_smtp_server(mode="starttls", cert_ctx=server_ctx,
                            recorder=Recorder(users={user: password}))
    # Every DNS question (discovery, the deliverability panel) goes to a loopback dnsmasq with a
    # made-up zone: nothing here asks a real DNS server or probes a real host.
    dns = DnsServer(Zone(
        a={"mail.riverside-society.org": loopback_address()},
        mx=[("riverside-society.org", "mail.riverside-society.org", 10)],
        txt=[("riverside-society.org", "v=spf1 mx ~all")]))
    os.environ["MAILWIZARD_DNS_SERVER"] = dns.spec
    app = make_application([])
    try:
        w = create_wizard(config)
        w.resize(*SIZE)
        w.show()
        shot(w, "1-service")
        w.next()
        provider = w.pages[Step.PROVIDER]
        provider.email.setText("riverside.society@gmail.com")
        shot(w, "2-provider")
        w.next()
        account = w.pages[Step.ACCOUNT]
        account.display_name.setText("Riverside Society")
        account.recipients.setValue(600)
        shot(w, "3-account-gmail")

        w.back()
        provider.email.setText(user)
        provider.search.setText("other")
        provider.list.setCurrentRow(0)
        w.next()
        account.display_name.setText("Riverside Society accounts")
        account.display_name.textEdited.emit(account.display_name.text())
        account.host.setText("127.0.0.1")
        account.host.textEdited.emit("127.0.0.1")
        account.port.setValue(srv.port)
        account.security.setCurrentIndex(account.security.findData("tls"))
        account.cafile.setText(str(ca_file))
        account.cafile.textEdited.emit(str(ca_file))
        account.secret.setText(password)
        account.secret.textEdited.emit(password)
        shot(w, "4-account-own-server")
        w.next()
        validate = w.pages[Step.VALIDATE]
        wait_for_check(validate)
        shot(w, "5-validate-failed")
        validate.fix_button.click()
        wait_for_check(validate)
        for _ in range(200):  # the deliverability panel's look-ups (loopback DNS, quick)
            if validate.deliverability.report is not None:
                break
            wait(50)
        shot(w, "6-validate-ok")
        w.next()
        shot(w, "7-save")
        w.next()
        for _ in range(100):
            if w.currentId() == int(Step.DONE):
                break
            wait(50)
        shot(w, "8-done")
        w.done(0)
        if LANG != "en":  # another language: the main steps only
            return

        w2 = create_wizard(config)
        w2.resize(*SIZE)
        w2.show()
        shot(w2, "0-resume")
        w2.done(0)

        # Exchange: a loopback EWS endpoint that offers Basic only, while the page starts on
        # Windows (NTLM) sign-in; the test names the fix.
        ews = EwsServer(server_ctx_for_localhost(ca), EwsState(
            users={"RIVERSIDE\\accounts": password}, mailboxes={user}))
        w3 = create_wizard(tmp / "exchange.json")
        w3.resize(*SIZE)
        w3.show()
        from mailwizard.core.profile import ServiceType
        w3.pages[Step.SERVICE].buttons[ServiceType.EXCHANGE].click()
        w3.next()
        ex = w3.pages[Step.EXCHANGE]
        for field, text in ((ex.email, user), (ex.display_name, "Riverside Society accounts")):
            field.setText(text)
            field.textEdited.emit(text)
        shot(w3, "9-exchange")
        for field, text in ((ex.ews_url, ews.url), (ex.username, "accounts"),
                            (ex.domain, "RIVERSIDE"), (ex.cafile, str(ca_file)),
                            (ex.secret, password)):
            field.setText(text)
            field.textEdited.emit(text)
        w3.next()
        validate = w3.pages[Step.VALIDATE]
        wait_for_check(validate)
        shot(w3, "10-exchange-validate-auth-type")
        ex_url = "https://outlook.office365.com/EWS/Exchange.asmx"
        w3.back()
        ex.ews_url.setText(ex_url)
        ex.ews_url.textEdited.emit(ex_url)
        shot(w3, "11-exchange-online-note")
        w3.done(0)
        ews.stop()

        # Connect: first without a client ID (what to register), then "signed in" against a
        # loopback authorization server whose browser step is a plain HTTP client.
        from mailwizard.core.profile import ServiceType as ST
        os.environ["MAILWIZARD_GOOGLE_CLIENT_ID"] = "vendor-client.apps.example"
        os.environ["MAILWIZARD_GOOGLE_CLIENT_SECRET"] = "screens"
        w4 = create_wizard(tmp / "connect.json")
        w4.resize(*SIZE)
        w4.show()
        w4.pages[Step.SERVICE].buttons[ST.OAUTH].click()
        w4.next()
        page = w4.pages[Step.CONNECT]
        page.choices["microsoft"].click()
        shot(w4, "12-connect-not-configured")
        w4.done(0)
        del os.environ["MAILWIZARD_GOOGLE_CLIENT_ID"], os.environ["MAILWIZARD_GOOGLE_CLIENT_SECRET"]

        # Small screen (800x600), large text (1.5x) and a dark high-contrast theme: the same
        # own-server page and the failed test with its fix.
        def own_server_failed(name_account: str, name_failed: str, size) -> None:
            wz = create_wizard(tmp / f"{name_account}.json")
            wz.resize(*size)
            wz.show()
            wz.next()
            pv = wz.pages[Step.PROVIDER]
            pv.email.setText(user)
            pv.search.setText("other")
            pv.list.setCurrentRow(0)
            wz.next()
            ac = wz.pages[Step.ACCOUNT]
            for field, text in ((ac.display_name, "Riverside Society accounts"),
                                (ac.host, "127.0.0.1"), (ac.cafile, str(ca_file)),
                                (ac.secret, password)):
                field.setText(text)
                field.textEdited.emit(text)
            ac.port.setValue(srv.port)
            ac.security.setCurrentIndex(ac.security.findData("tls"))
            shot(wz, name_account)
            wz.next()
            wait_for_check(wz.pages[Step.VALIDATE])
            shot(wz, name_failed)
            wz.done(0)

        own_server_failed("13-small-screen-account", "14-small-screen-failed", (800, 600))
        from PySide6.QtGui import QColor, QFont, QPalette
        from PySide6.QtWidgets import QApplication
        font = QApplication.font()
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * 1.5)
        QApplication.setFont(big)
        own_server_failed("15-large-text-account", "16-large-text-failed", (853, 533))
        QApplication.setFont(font)
        old = QApplication.palette()
        QApplication.setPalette(high_contrast_dark())
        own_server_failed("17-dark-contrast-account", "18-dark-contrast-failed", SIZE)
        QApplication.setPalette(old)
    finally:
        srv.stop()
        dns.stop()


def high_contrast_dark():
    """The project's dark high-contrast palette (mailwizard/gui/style.py)."""
    from mailwizard.gui.style import high_contrast_dark as palette

    return palette()


def server_ctx_for_localhost(ca) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    return ctx


if __name__ == "__main__":
    main(sys.argv[1:])
