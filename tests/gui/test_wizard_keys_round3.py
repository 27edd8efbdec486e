"""Issue 22, as people really use it (round 3): keys do what they say, the window fits a small
screen, links are readable and disabled buttons look disabled in high contrast, the
deliverability panel says what Copy did and what is left to do. Keys are real key events;
servers are real (loopback SMTP, dnsmasq, the Secret Service); the window's fit is measured on
a real X server (Xvfb) with a real window manager (openbox)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PASSWORD, USER
from dns_server import DnsServer, Zone
from support.gui import Keyboard, fill_own_server
from support.xserver import window_manager, x_server
from walk import every_page, settle
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAccessible, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (QAbstractItemView, QAbstractSpinBox, QApplication, QComboBox,
                               QPlainTextEdit, QScrollArea, QWidget, QWizard)

from mailwizard.core.flow import Step
from mailwizard.gui import style

HERE = Path(__file__).resolve().parent
DOMAIN = USER.rpartition("@")[2]
GMAIL = "riverside.society@gmail.com"
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints",
                                       "does not support QPlatformServices::openUrl")


# -- 2. Page Up / Page Down scroll the page, whatever has the focus ---------------------------
def value_of(widget):
    if isinstance(widget, QComboBox):
        return widget.currentIndex(), widget.currentText()
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    if isinstance(widget, QAbstractItemView):
        return widget.currentIndex().row()
    return widget.toPlainText()


def test_page_down_in_security_scrolls_instead_of_choosing_ssl(qtbot, wizard, smtp_server,
                                                               ca_file):
    srv = smtp_server("starttls")
    w = wizard()
    w.resize(800, 600)
    fill_own_server(qtbot, w, srv, ca_file)
    account = w.pages[Step.ACCOUNT]
    k = Keyboard(qtbot, w)
    qtbot.waitUntil(lambda: k.focus() is not None and k.focus().window() is w, timeout=3000)
    bar = account.scroll.verticalScrollBar()
    bar.setValue(0)
    assert bar.maximum() > 0  # the page is taller than the window here
    k.alt("s")
    k.wait_focus(account.security)
    assert account.security.currentData() == "starttls"
    before = bar.value()
    k.press(Qt.Key_PageDown)
    assert account.security.currentData() == "starttls", account.security.currentText()
    assert bar.value() > before  # the page scrolled instead
    assert k.focus() is account.security
    k.press(Qt.Key_PageUp)
    assert account.security.currentData() == "starttls" and bar.value() < bar.maximum()
    k.alt("o")
    k.wait_focus(account.port)
    port = account.port.value()
    k.press(Qt.Key_PageUp)
    k.press(Qt.Key_PageDown)
    assert account.port.value() == port


def test_page_keys_change_no_list_combo_or_number_on_any_page(qtbot, wizard, smtp_server,
                                                             ca_file, tmp_path, monkeypatch,
                                                             secret_service):
    changed, tried = [], []

    def check(w, name):
        w.resize(800, 480)  # every page scrolls at this height
        settle(qtbot, w)
        page = w.currentPage()
        kinds = (QComboBox, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit)
        for widget in page.findChildren(QWidget):
            if not isinstance(widget, kinds) or not widget.isVisible() \
                    or not widget.isEnabled() or isinstance(widget.parentWidget(), QComboBox):
                continue
            widget.setFocus()
            qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=2000)
            before = value_of(widget)
            bar = page.scroll.verticalScrollBar()
            for key in (Qt.Key_PageDown, Qt.Key_PageDown, Qt.Key_PageUp):
                at = bar.value()
                qtbot.keyClick(widget, key)
                moved = bar.value() != at or bar.maximum() == 0 or (
                    at == (bar.maximum() if key == Qt.Key_PageDown else 0))
                if not moved:
                    changed.append(f"{name}: {type(widget).__name__} did not scroll the page")
            tried.append(f"{name}: {type(widget).__name__}")
            if value_of(widget) != before:
                changed.append(f"{name}: {type(widget).__name__} {before!r} -> "
                               f"{value_of(widget)!r}")

    every_page(qtbot, wizard, smtp_server, ca_file, tmp_path, monkeypatch, check)
    assert changed == []
    assert {"account: QComboBox", "account: QSpinBox", "provider: QListWidget",
            "exchange: QComboBox"} <= set(tried), tried


# -- 4. the window's first size and place fit the screen, frame included ----------------------
@pytest.mark.parametrize("screen,env,font", [
    ("800x600", {}, 1.0), ("800x600", {}, 1.5),
    ("1280x800", {"QT_SCALE_FACTOR": "1.5"}, 1.0)],
    ids=["800x600", "800x600-text-1.5x", "1280x800-scale-1.5x"])
def test_the_window_opens_inside_a_small_screen_with_a_window_manager(tmp_path, screen, env,
                                                                       font):
    out = tmp_path / "fit.json"
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("QT_", "DISPLAY", "WAYLAND", "XAUTHORITY"))}
    clean.update(env, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path),
                 PYTHONPATH=os.pathsep.join([str(HERE.parent), clean.get("PYTHONPATH", "")]))
    # openbox first, and the probe only once openbox manages windows (tests/support/xserver.py)
    with x_server(tmp_path, screen) as display:
        clean.update(display)
        with window_manager(clean, tmp_path):
            run = subprocess.run(
                [sys.executable, str(HERE / "window_fit_probe.py"), str(out), str(font)],
                env=clean, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0 and out.exists(), run.stderr[-3000:]
    seen = json.loads(out.read_text())
    assert seen["framed"], "openbox did not frame the window"
    ax, ay, aw, ah = seen["available"]
    fx, fy, fw, fh = seen["frame"]
    assert ax <= fx and ay <= fy and fx + fw <= ax + aw and fy + fh <= ay + ah, seen
    assert {"&Next >", "Cancel"} <= set(seen["buttons"])
    for text, (x, y, bw, bh) in seen["buttons"].items():
        assert x >= ax and y >= ay and x + bw <= ax + aw and y + bh <= ay + ah, (text, seen)


# -- 5. Enter on a focused link opens it ------------------------------------------------------
def test_enter_on_a_focused_help_link_opens_it(qtbot, wizard, monkeypatch):
    # No browser here (no xdg-open on the PATH, and the offscreen platform opens none): the
    # link then shows its address with Copy, which is what "opened" looks like.
    monkeypatch.setenv("PATH", "/nonexistent")
    w = wizard()
    k = Keyboard(qtbot, w)
    k.address_to_account("riverside.society@gmail.com")
    account = w.pages[Step.ACCOUNT]
    k.wait_focus(account.secret)
    link = account.guidance.links[0]
    for _ in range(40):  # Tab to the first link of the help
        if k.focus() is link.button:
            break
        k.press(Qt.Key_Tab)
    assert k.focus() is link.button
    assert not link.fallback.isVisible()
    k.press(Qt.Key_Return)
    qtbot.waitUntil(link.fallback.isVisible, timeout=3000)
    k.wait_focus(link.address)  # the address, selected, ready to copy
    assert w.currentId() == Step.ACCOUNT  # Enter did not go to Next
    assert link.address.text() == link.url


# -- 10. Alt+A in Server keeps the focus on Advanced -----------------------------------------
def test_alt_a_in_server_keeps_the_focus_on_advanced(qtbot, wizard, smtp_server, ca_file):
    srv = smtp_server("starttls")
    w = wizard()
    fill_own_server(qtbot, w, srv, ca_file)
    account = w.pages[Step.ACCOUNT]
    k = Keyboard(qtbot, w)
    qtbot.waitUntil(lambda: k.focus() is not None and k.focus().window() is w, timeout=3000)
    k.alt("v")
    k.wait_focus(account.host)
    k.alt("a")  # closes the server settings, where the caret was
    qtbot.waitUntil(lambda: not account.advanced.isVisible(), timeout=2000)
    k.wait_focus(account.advanced_toggle)  # it gets there ...
    settle(qtbot, w)  # ... and stays once the page has done what it does after a change
    assert k.focus() is account.advanced_toggle, k.focus()
    assert k.focus() is not w.button(QWizard.BackButton)
    k.alt("a")  # and opens them again
    qtbot.waitUntil(account.advanced.isVisible, timeout=2000)
    k.alt("v")
    k.wait_focus(account.host)
    assert account.host.text() == srv.host


# -- 11. Tab follows the screen on every page --------------------------------------------------
def tab_problems(qtbot, w, name) -> list[str]:
    """Tab through the page: each next control is below the one before, or in a column to
    its right (the help beside the fields)."""
    page = w.currentPage()
    body = page.body
    reachable = [x for x in body.findChildren(QWidget)
                 if x.isVisible() and x.isEnabled() and x.focusPolicy() & Qt.TabFocus
                 and x.focusProxy() is None]
    # Tab round the whole window: the page's controls in the order Tab reaches them, from
    # the first one after the navigation buttons (where a Tab cycle enters the page).
    order: list[QWidget] = []
    outside = False
    for _ in range(3 * len(reachable) + 12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        f = QApplication.focusWidget()
        if f not in reachable:
            outside = True
            if order:
                break
        elif outside and f not in order:
            order.append(f)
    if not order:
        return []

    def rect(x):
        return x.rect().translated(x.mapTo(body, QPoint(0, 0)))

    problems = []
    if set(order) != set(reachable):
        problems.append(f"{name}: Tab never reaches "
                        f"{[type(x).__name__ for x in set(reachable) - set(order)]}")
    for a, b in zip(order, order[1:]):
        ra, rb = rect(a), rect(b)
        below = rb.top() >= ra.top() - 2 or rb.center().y() >= ra.bottom() - 2
        right = rb.left() >= ra.right() - 2
        if not (below or right):
            problems.append(f"{name}: Tab goes from {label_of(a)!r} up to {label_of(b)!r}")
    return problems


def label_of(x) -> str:
    text = getattr(x, "text", None)
    return (x.accessibleName() or (text() if callable(text) else "") or type(x).__name__)[:40]


def test_tab_follows_the_screen_on_every_page(qtbot, wizard, smtp_server, ca_file, tmp_path,
                                              monkeypatch, secret_service):
    problems: list[str] = []

    def check(w, name):
        settle(qtbot, w)
        problems.extend(tab_problems(qtbot, w, name))

    every_page(qtbot, wizard, smtp_server, ca_file, tmp_path, monkeypatch, check)
    assert problems == []


def test_help_from_your_provider_comes_before_save_without_a_test(qtbot, wizard,
                                                                  smtp_server, ca_file):
    srv = smtp_server("starttls")
    srv.recorder.users[GMAIL] = "abcd efgh ijkl mnop"
    w = wizard()
    k = Keyboard(qtbot, w)
    k.address_to_account(GMAIL)
    account = w.pages[Step.ACCOUNT]
    k.wait_focus(account.secret)
    k.type("my normal google password")  # not an app password: refused
    k.server_settings(account)
    k.server_port_cafile(account, srv.host, srv.port, ca_file)
    k.press(Qt.Key_Return)
    validate = k.test_now()
    assert validate.help_link is not None, validate.diagnosis
    qtbot.waitUntil(validate.help_link.isVisible, timeout=2000)
    k.wait_focus(validate.retype)
    seen = []
    for _ in range(30):
        k.press(Qt.Key_Tab)
        seen.append(k.focus())
        if k.focus() is validate.retype:
            break
    assert validate.help_link.button in seen and validate.save_untested in seen
    # read from the top of the page (the Tab cycle enters it at "Also send a test message")
    top = seen.index(validate.send_test)
    seen = seen[top:] + seen[:top]
    assert seen.index(validate.help_link.button) < seen.index(validate.retype) \
        < seen.index(validate.save_untested)
    # the link sits just above the password box: Shift+Tab from the box reaches it
    k.press(Qt.Key_Tab, Qt.ShiftModifier)
    assert k.focus() is validate.help_link.button


# -- 8. high contrast: readable links, disabled buttons that look disabled ---------------------
def ink(widget) -> QColor:
    """The colour a control is written in, read from its pixels: of the colours drawn, the
    one that stands out most from the most common one (the background)."""
    img = widget.grab().toImage()
    counts: dict[int, int] = {}
    for y in range(img.height()):
        for x in range(img.width()):
            rgb = img.pixel(x, y)
            counts[rgb] = counts.get(rgb, 0) + 1
    background = QColor.fromRgb(max(counts, key=counts.get))
    # (three pixels or more: one stray pixel of an edge is not the text)
    drawn = [QColor.fromRgb(c) for c, n in counts.items() if n >= 3]
    return max(drawn, key=lambda c: style.contrast(c, background))


def background_of(widget) -> QColor:
    img = widget.grab().toImage()
    counts: dict[int, int] = {}
    for y in range(img.height()):
        for x in range(img.width()):
            counts[img.pixel(x, y)] = counts.get(img.pixel(x, y), 0) + 1
    return QColor.fromRgb(max(counts, key=counts.get))


@pytest.fixture
def palette_of(qtbot):
    app = QApplication.instance()
    old = app.palette()

    def use(palette):
        app.setPalette(palette)

    yield use
    app.setPalette(old)


def blue_link_theme() -> QPalette:
    """A dark theme that leaves the link colour at Qt's #0000ff (2.4:1 on black)."""
    p = QPalette(style.high_contrast_dark())
    for group in (QPalette.Active, QPalette.Inactive, QPalette.Disabled):
        p.setColor(group, QPalette.Link, QColor("#0000ff"))
        p.setColor(group, QPalette.LinkVisited, QColor("#0000ff"))
    return p


@pytest.mark.parametrize("theme", ["project-high-contrast", "dark-with-blue-links"])
def test_links_are_readable_in_high_contrast(qtbot, wizard, palette_of, theme):
    palette_of(style.high_contrast_dark() if theme == "project-high-contrast"
               else blue_link_theme())
    w = wizard()
    w.next()
    qtbot.keyClicks(w.pages[Step.PROVIDER].email, "riverside.society@gmail.com")
    w.next()
    account = w.pages[Step.ACCOUNT]
    link = account.guidance.links[0].button
    qtbot.waitUntil(link.isVisible)
    window = w.palette().color(QPalette.Window)
    assert style.contrast(w.palette().color(QPalette.Link), window) >= 4.5
    assert style.contrast(w.palette().color(QPalette.Link),
                          w.palette().color(QPalette.Base)) >= 4.5
    drawn = ink(link)
    assert style.contrast(drawn, background_of(link)) >= 4.5, drawn.name()


def test_disabled_buttons_look_disabled_in_the_project_high_contrast(
        qtbot, wizard, smtp_server, ca_file, palette_of):
    palette_of(style.high_contrast_dark())
    p = style.high_contrast_dark()
    for role in (QPalette.ButtonText, QPalette.WindowText, QPalette.Text):
        assert style.contrast(p.color(QPalette.Active, role),
                              p.color(QPalette.Disabled, role)) >= 3.0, role
    srv = smtp_server("starttls")
    w = wizard()
    from mailwizard.core.profile import ServiceType

    service = w.pages[Step.SERVICE]
    connect, web = service.buttons[ServiceType.OAUTH], service.buttons[ServiceType.SMTP]
    qtbot.waitUntil(lambda: not connect.isEnabled(), timeout=3000)  # no client ID here
    assert style.contrast(ink(web), ink(connect)) >= 3.0, (ink(web).name(),
                                                            ink(connect).name())
    fill_own_server(qtbot, w, srv, ca_file)
    w.next()
    validate = w.pages[Step.VALIDATE]
    qtbot.waitUntil(validate.test_button.hasFocus)
    nxt, cancel = w.button(QWizard.NextButton), w.button(QWizard.CancelButton)
    assert not nxt.isEnabled() and not validate.stop_button.isEnabled()
    assert cancel.isEnabled() and validate.copy_button.isEnabled() is False
    enabled = ink(cancel)
    for disabled in (nxt, validate.stop_button):
        drawn = ink(disabled)
        assert style.contrast(enabled, drawn) >= 3.0, (disabled.text(), drawn.name(),
                                                       enabled.name())


# -- 7. the deliverability panel ---------------------------------------------------------------
@pytest.fixture(scope="module")
def workspace_zone():
    """A Google Workspace domain with SPF and DMARC but no DKIM, and no SPF at a second
    domain (an exact record to add)."""
    server = DnsServer(Zone(
        mx=[(DOMAIN, "aspmx.l.google.com", 1)],
        txt=[(DOMAIN, "v=spf1 include:_spf.google.com ~all"),
             ("_spf.google.com", "v=spf1 ip4:192.0.2.0/24 ~all"),
             (f"_dmarc.{DOMAIN}", "v=DMARC1; p=none")]))
    yield server
    server.stop()


def test_copy_says_copied_and_copies_only_real_values(qtbot, wizard, workspace_zone,
                                                      monkeypatch):
    from PySide6.QtCore import QThreadPool

    from mailwizard.core.profile import Profile
    from mailwizard.gui.deliverability_panel import DeliverabilityPanel

    monkeypatch.setenv("MAILWIZARD_DNS_SERVER", workspace_zone.spec)
    holder = QWidget()
    qtbot.addWidget(holder)
    panel = DeliverabilityPanel(holder)
    # no SPF at all for this address's domain: an exact record to add
    profile = Profile(host="smtp.gmail.com", port=587, from_address="office@nospf.example",
                      username="office@nospf.example", provider_id="google-workspace")
    panel.start(QThreadPool.globalInstance(), profile, 100)
    qtbot.waitUntil(lambda: panel.report is not None, timeout=15000)
    exact = [r for f in panel.report.findings if f.verdict.value != "ok" for r in f.records
             if r.exact]
    assert exact and len(panel.copy_buttons) == len(exact)
    copy = panel.copy_buttons[0]
    copy.click()
    assert QGuiApplication.clipboard().text() == exact[0].value
    assert "(" not in QGuiApplication.clipboard().text()[:1]
    assert copy.text() == "Copied"
    assert panel.copied is not None and not panel.copied.isHidden()
    assert panel.copied.text().startswith("Copied the record for " + exact[0].name)
    spoken = QAccessible.queryAccessibleInterface(panel.copied)
    assert spoken.role() == QAccessible.Role.AlertMessage
    assert spoken.text(QAccessible.Text.Name).startswith("Copied")
    # the non-exact DKIM records have no Copy: their lines say what to do instead
    assert not any(r.exact is False and r.name in b.accessibleName()
                   for f in panel.report.findings for r in f.records
                   for b in panel.copy_buttons)


def test_the_panel_does_not_scroll_inside_the_page_and_done_names_dkim(
        qtbot, wizard, smtp_server, ca_file, workspace_zone, monkeypatch, secret_service):
    monkeypatch.setenv("MAILWIZARD_DNS_SERVER", workspace_zone.spec)
    srv = smtp_server("starttls")
    w = wizard()
    k = Keyboard(qtbot, w)
    k.wait_focus(w.pages[Step.SERVICE].group.checkedButton())
    k.press(Qt.Key_Return)
    k.at(Step.PROVIDER)
    provider = w.pages[Step.PROVIDER]
    k.wait_focus(provider.email)
    k.type(USER)
    k.alt("f")
    k.type("your own domain on gmail")
    assert provider.list.currentItem().data(Qt.UserRole) == "google-workspace"
    k.press(Qt.Key_Return)
    k.at(Step.ACCOUNT)
    account = w.pages[Step.ACCOUNT]
    k.wait_focus(account.secret)
    k.type(PASSWORD)
    k.server_settings(account)
    k.server_port_cafile(account, srv.host, srv.port, ca_file)
    k.press(Qt.Key_Return)
    validate = k.test_now()
    assert validate.result.ok, validate.diagnosis
    panel = validate.deliverability
    qtbot.waitUntil(lambda: panel.report is not None, timeout=15000)
    assert {f.id: f.verdict.value for f in panel.report.findings}["dkim"] == "needs_record"
    assert panel.findChildren(QScrollArea) == []  # the page scrolls, not the panel
    k.wait_focus(w.button(QWizard.NextButton))
    k.press(Qt.Key_Return)
    k.at(Step.SAVE)
    k.wait_focus(w.button(QWizard.CommitButton))
    k.press(Qt.Key_Return)
    k.at(Step.DONE)
    done = w.pages[Step.DONE]
    assert done.title() != "All set"
    note = done.domain_note
    assert note.isVisible() and "DKIM" in note.text() and DOMAIN in note.text()
    assert f"google._domainkey.{DOMAIN}" in note.text()


# -- 9. what a screen reader hears: no empty alert, no "(W)" in names ------------------------
@pytest.fixture(scope="module")
def heard(tmp_path_factory):
    """{lang: {page: {"named": [[role, name]], "alerts": [...]}}} read through the real
    AT-SPI bus (tests/gui/atspi_names_probe.py)."""
    for tool in ("dbus-run-session", "/usr/libexec/at-spi-bus-launcher"):
        if not shutil.which(tool) and not os.path.exists(tool):
            pytest.fail(f"{tool} is missing: scripts/test.sh installs it")
    seen = {}
    for lang in ("en", "hi"):
        tmp = tmp_path_factory.mktemp(f"heard-{lang}")
        out = tmp / "heard.json"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DBUS_", "QT_", "AT_SPI", "DISPLAY", "WAYLAND",
                                    "XAUTHORITY"))}
        env.update(QT_QPA_PLATFORM="xcb", PROBE_TMP=str(tmp), HOME=str(tmp),
                   MAILWIZARD_LANG=lang,
                   PYTHONPATH=os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")]))
        with x_server(tmp) as display:
            run = subprocess.run(
                ["dbus-run-session", "--", sys.executable, str(HERE / "atspi_names_probe.py"),
                 str(out), lang],
                env={**env, **display}, capture_output=True, text=True, timeout=180)
        assert run.returncode == 0 and out.exists(), run.stderr[-3000:]
        seen[lang] = json.loads(out.read_text())
    return seen


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_the_save_page_has_no_empty_alert(heard, lang):
    assert list(heard[lang]) == ["service", "provider", "account", "validate-ok", "save"]
    assert heard[lang]["save"]["alerts"] == []
    assert [a for page in heard[lang].values() for a in page["alerts"] if not a.strip()] == []


def test_hindi_names_are_read_without_the_mnemonic_letter(heard):
    import re

    bracketed = re.compile(r"[(（][A-Za-z][)）]")
    spoken = [(page, role, name) for page, seen in heard["hi"].items()
              for role, name in seen["named"] if bracketed.search(name)]
    assert spoken == [], spoken
    names = {name for seen in heard["hi"].values() for _, name in seen["named"]}
    assert "वेब मेल / SMTP सर्वर" in names
    assert "आगे >" in names
