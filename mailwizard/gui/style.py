"""Colours for good, bad and warning text, chosen against the window's palette so that they
stay readable on light, dark and high-contrast themes (at least 4.5:1, WCAG AA); otherwise the
palette's own text colour."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

#: candidates per meaning, from the usual (for light backgrounds) to light ones for dark themes
_CANDIDATES = {
    "error": ("#b00020", "#8e0019", "#ff8a80", "#ffb4ab"),
    "ok": ("#1b7f3b", "#145c2b", "#7ee2a0", "#b7f0c8"),
    "warning": ("#8a4b00", "#6b3a00", "#ffb74d", "#ffd699"),
}


def _luminance(c: QColor) -> float:
    def ch(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def colour(meaning: str, widget: QWidget | None = None) -> str:
    """A colour name for `meaning` ("error", "ok", "warning", "muted") readable on the
    window background of `widget`'s palette (or the application's)."""
    palette = widget.palette() if widget is not None else QApplication.palette()
    background = palette.color(QPalette.Window)
    text = palette.color(QPalette.WindowText)
    if meaning == "muted":
        mid = palette.color(QPalette.PlaceholderText)
        return mid.name() if contrast(mid, background) >= 4.5 else text.name()
    for name in _CANDIDATES[meaning]:
        if contrast(QColor(name), background) >= 4.5:
            return name
    return text.name()


def style_text(widget: QWidget, meaning: str | None, bold: bool = False) -> None:
    """Colour a label's text (None: the palette's normal text). Bold goes into the widget's
    font, not the style sheet: a wrapping label's height is then measured in the font it is
    drawn in (a style sheet's font applies only at the next polish, after the layout has
    measured a long sentence in the normal font and cut off its last line)."""
    widget.setStyleSheet(f"color: {colour(meaning, widget)};" if meaning else "")
    font = widget.font()
    if font.bold() != bold:
        font.setBold(bold)
        widget.setFont(font)
