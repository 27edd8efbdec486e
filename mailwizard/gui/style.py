"""Colours for good, bad and warning text, chosen against the window's palette so that they
stay readable on light, dark and high-contrast themes (at least 4.5:1, WCAG AA); otherwise the
palette's own text colour."""

from __future__ import annotations

from copy import copy

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

#: candidates per meaning, from the usual (for light backgrounds) to light ones for dark themes
_CANDIDATES = {
    "error": ("#b00020", "#8e0019", "#ff8a80", "#ffb4ab"),
    "ok": ("#1b7f3b", "#145c2b", "#7ee2a0", "#b7f0c8"),
    "warning": ("#8a4b00", "#6b3a00", "#ffb74d", "#ffd699"),
    "link": ("#0645ad", "#0b3d91", "#8ab4f8", "#ffff00"),
}
#: how far a disabled control's text must stand from the enabled text (contrast ratio) to be
#: seen as disabled
DISABLED_APART = 2.5


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


def _readable_on(colour_: QColor, *backgrounds: QColor) -> bool:
    return all(contrast(colour_, b) >= 4.5 for b in backgrounds)


def link_colour(palette: QPalette, group=QPalette.Active) -> QColor:
    """The palette's link colour when it is readable on the window and on the fields (4.5:1),
    else the first readable one of ours, else the text colour."""
    window, base = palette.color(group, QPalette.Window), palette.color(group, QPalette.Base)
    own = palette.color(group, QPalette.Link)
    if _readable_on(own, window, base):
        return own
    return next((QColor(c) for c in _CANDIDATES["link"] if _readable_on(QColor(c), window, base)),
                palette.color(group, QPalette.WindowText))


def readable_palette(palette: QPalette) -> QPalette | None:
    """`palette` with links readable (4.5:1 on the window and on the fields) and disabled
    text that looks disabled; None when it already is. The palette's own link colour is kept
    when it is readable (a high-contrast theme's yellow, say)."""
    # a copy (QPalette(palette) would first try QPalette(Qt.GlobalColor), which builds the
    # Qt namespace's enums: ≈ 18 ms of the start)
    fixed, changed = copy(palette), False
    for group in (QPalette.Active, QPalette.Inactive):
        window, base = palette.color(group, QPalette.Window), palette.color(group, QPalette.Base)
        for role in (QPalette.Link, QPalette.LinkVisited):
            if not _readable_on(palette.color(group, role), window, base):
                fixed.setColor(group, role, link_colour(palette, group))
                changed = True
    background = palette.color(QPalette.Active, QPalette.Window)
    for role in (QPalette.WindowText, QPalette.ButtonText, QPalette.Text):
        enabled, disabled = (palette.color(QPalette.Active, role),
                             palette.color(QPalette.Disabled, role))
        if contrast(enabled, disabled) < DISABLED_APART:
            fixed.setColor(QPalette.Disabled, role, _dimmed(enabled, background))
            changed = True
    return fixed if changed else None


def _dimmed(text: QColor, background: QColor) -> QColor:
    """`text` blended towards `background` until it stands DISABLED_APART from `text`."""
    for step in range(1, 21):
        t = step / 20
        mix = QColor.fromRgbF(*(a + (b - a) * t for a, b in (
            (text.redF(), background.redF()), (text.greenF(), background.greenF()),
            (text.blueF(), background.blueF()))))
        if contrast(text, mix) >= DISABLED_APART:
            return mix
    return background


def make_readable(widget: QWidget) -> None:
    """Give a window readable links and visibly disabled controls on any theme (children
    inherit its palette). Called again when the theme changes."""
    inherited = QApplication.palette(widget)
    fixed = readable_palette(inherited)
    if fixed is not None:
        widget.setPalette(fixed)
    else:
        from PySide6.QtCore import Qt  # only here: the Qt namespace costs the start ≈ 18 ms

        if widget.testAttribute(Qt.WA_SetPalette):
            widget.setPalette(QPalette())  # follow the theme again


def high_contrast_dark() -> QPalette:
    """A dark high-contrast palette like the desktops' "High Contrast Inverse" themes, as the
    screenshots and tests use it: white on black, yellow links, grey disabled text."""
    p = QPalette()
    black, white = QColor("#000000"), QColor("#ffffff")
    for role, colour_ in ((QPalette.Window, black), (QPalette.WindowText, white),
                          (QPalette.Base, QColor("#0a0a0a")), (QPalette.Text, white),
                          (QPalette.AlternateBase, QColor("#1a1a1a")),
                          (QPalette.Button, QColor("#101010")), (QPalette.ButtonText, white),
                          (QPalette.Highlight, QColor("#1aebff")),
                          (QPalette.HighlightedText, black), (QPalette.Link, QColor("#ffff00")),
                          (QPalette.LinkVisited, QColor("#ffc0ff")),
                          (QPalette.PlaceholderText, QColor("#c0c0c0")),
                          (QPalette.ToolTipBase, black), (QPalette.ToolTipText, white),
                          (QPalette.Light, white), (QPalette.Midlight, QColor("#d0d0d0")),
                          (QPalette.Mid, QColor("#a0a0a0")), (QPalette.Dark, QColor("#c0c0c0")),
                          (QPalette.Shadow, white)):
        p.setColor(role, colour_)
    # Disabled: dimmer text (#6e6e6e: 3.9:1 on black, 5.4:1 apart from white) on the window's
    # own black, with a dim border, so a disabled Next or Stop does not look pressable.
    grey = QColor("#6e6e6e")
    for role, colour_ in ((QPalette.WindowText, grey), (QPalette.Text, grey),
                          (QPalette.ButtonText, grey), (QPalette.Button, black),
                          (QPalette.Light, QColor("#505050")), (QPalette.Mid, QColor("#404040")),
                          (QPalette.Dark, QColor("#505050")), (QPalette.Shadow, QColor("#505050")),
                          (QPalette.Base, black)):
        p.setColor(QPalette.Disabled, role, colour_)
    return p
