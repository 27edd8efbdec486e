"""The wizard on a small screen (800x600) and with large text (1.5x): every navigation button
visible, no label cut off, no sideways scrolling; and no two controls on a page sharing an
Alt key. Every page is visited with realistic content (real server, real keyring)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QWizard
from support.language import in_language
from walk import every_page, settle

NAV = (QWizard.BackButton, QWizard.NextButton, QWizard.CommitButton, QWizard.FinishButton,
       QWizard.CancelButton)
ALL_PAGES = ["resume", "service", "provider", "account", "validate-ready", "validate-failed",
             "validate-ok", "save", "done", "exchange", "connect", "connect-not-configured"]


def layout_problems(w, name) -> list[str]:
    problems = []
    for which in NAV:
        b = w.button(which)
        if b.isVisible():
            rect = QRect(b.mapTo(w, QPoint(0, 0)), b.size())
            if not w.rect().contains(rect):
                problems.append(f"{name}: button {b.text()!r} is outside the window")
    page = w.currentPage()
    if page.scroll.horizontalScrollBar().isVisible():
        from PySide6.QtWidgets import QWidget
        widest = sorted(((x.minimumSizeHint().width(), type(x).__name__,
                          x.text()[:30] if callable(getattr(x, "text", None)) else "")
                         for x in page.body.findChildren(QWidget) if x.isVisible()),
                        reverse=True)[:4]
        problems.append(f"{name}: the page scrolls sideways "
                        f"({page.body.minimumSizeHint().width()} > "
                        f"{page.scroll.viewport().width()}; widest: {widest})")
    for label in w.findChildren(QLabel):
        if not label.isVisible() or not label.text() or label.window() is not w:
            continue
        if label.wordWrap():
            need = label.heightForWidth(label.width())
            if need > label.height() + 1:
                problems.append(f"{name}: {label.text()[:40]!r} needs {need} px height, "
                                f"has {label.height()}")
        else:
            hint = label.sizeHint()
            if hint.width() > label.width() + 1 or hint.height() > label.height() + 1:
                problems.append(f"{name}: {label.text()[:40]!r} needs {hint.width()}x"
                                f"{hint.height()}, has {label.width()}x{label.height()}")
    return problems


@pytest.mark.parametrize("lang", ["en", "ta"])  # Tamil runs the longest (issue 26)
@pytest.mark.parametrize("scale", [1.0, 1.5], ids=["800x600", "800x600-text-1.5x"])
def test_every_page_fits_a_small_screen_and_large_text(qtbot, wizard, smtp_server, ca_file,
                                                       tmp_path, monkeypatch, secret_service,
                                                       scale, lang):
    with in_language(lang, wizard=lang != "en"):
        _every_page_fits(qtbot, wizard, smtp_server, ca_file, tmp_path, monkeypatch, scale)


def _every_page_fits(qtbot, wizard, smtp_server, ca_file, tmp_path, monkeypatch, scale):
    app = QApplication.instance()
    font = QFont(app.font())
    if scale != 1.0:
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * scale)
        app.setFont(big)
    problems: list[str] = []

    def check(w, name):
        # The wizard fits the screen by itself; here the screen is an 800x600 one.
        area = w.screen().availableGeometry()
        assert w.width() <= area.width() and w.height() <= area.height(), (w.size(), name)
        w.resize(800, 600)
        settle(qtbot, w)
        problems.extend(layout_problems(w, name))

    try:
        seen = every_page(qtbot, wizard, smtp_server, ca_file, tmp_path, monkeypatch, check)
    finally:
        app.setFont(font)
    assert seen == ALL_PAGES
    assert problems == [], "\n".join(problems)


def mnemonics(w) -> list[tuple[str, str]]:
    """(key, text) of every visible control's Alt shortcut on the current page, the wizard's
    own buttons included."""
    found = []

    def add(text, owner):
        for m in re.finditer(r"&(.)", text.replace("&&", "")):
            found.append((m.group(1).lower(), text))

    page = w.currentPage()
    for b in page.findChildren(QAbstractButton) + [w.button(x) for x in NAV]:
        if b.isVisible():
            add(b.text(), b)
    for label in page.findChildren(QLabel):
        if label.isVisible() and label.buddy() is not None:
            add(label.text(), label)
    for box in page.findChildren(QGroupBox):
        if box.isVisible():
            add(box.title(), box)
    return found


def test_no_two_controls_on_a_page_share_an_alt_key(qtbot, wizard, smtp_server, ca_file,
                                                   tmp_path, monkeypatch, secret_service):
    clashes = []

    def check(w, name):
        keys: dict[str, str] = {}
        for key, text in mnemonics(w):
            if key in keys:
                clashes.append(f"{name}: Alt+{key.upper()} is {keys[key]!r} and {text!r}")
            keys[key] = text
        assert keys, name

    seen = every_page(qtbot, wizard, smtp_server, ca_file, tmp_path, monkeypatch, check)
    assert seen == ALL_PAGES
    assert clashes == []
