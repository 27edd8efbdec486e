"""A page that fits a narrow window in a long language (800x600, large text, Tamil): rows of
controls that stand one above the other when they do not fit side by side, and buttons whose
text breaks into lines instead of widening the page (a check box, radio button or push button
cannot wrap its text by itself). Only when needed: a wide window shows everything as built."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractButton, QBoxLayout, QLabel, QWidget


class WidthFit(QObject):
    """Watches a page's scroll area and fits its body to the width it shows."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        #: rows (QBoxLayout) that may stand one above the other
        self.rows: list[QBoxLayout] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        page.scroll.viewport_changed.connect(self.soon)

    def watch_body(self, body: QWidget) -> None:
        body.installEventFilter(self)
        self.soon()

    def soon(self) -> None:
        self._timer.start()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Resize, QEvent.LayoutRequest, QEvent.FontChange):
            self.soon()
        return False

    def room(self) -> int:
        body = self.page.body
        m = body.layout().contentsMargins() if body.layout() is not None else None
        return self.page.scroll.viewport_width - (m.left() + m.right() if m else 0)

    def fit(self) -> None:
        body = getattr(self.page, "body", None)
        if body is None or not self.page.scroll.viewport_width:
            return
        room = self.room()
        for b in body.findChildren(QAbstractButton):
            self._fit_button(b, room)
        for row in list(self.rows):
            try:
                self._fit_row(row, room)
            except RuntimeError:  # its widget is gone (the page was made again)
                self.rows.remove(row)

    def _fit_row(self, row: QBoxLayout, room: int) -> None:
        items = [row.itemAt(i) for i in range(row.count())]
        widths = [it.minimumSize().width() for it in items
                  if it.widget() is None or it.widget().isVisibleTo(self.page)]
        m = row.contentsMargins()
        need = sum(widths) + row.spacing() * max(0, len(widths) - 1) + m.left() + m.right()
        want = QBoxLayout.LeftToRight if need <= room else QBoxLayout.TopToBottom
        if row.direction() != want:
            row.setDirection(want)

    def _fit_button(self, b: QAbstractButton, room: int) -> None:
        full, ours = b.property("mw_full_text"), b.property("mw_shown_text")
        if full is None or b.text() != ours:  # new, or the page set a new text since
            full = ours = b.text()
        text = full
        if "\n" not in full and b.isVisibleTo(self.page):
            b.setText(full)
            chrome = b.sizeHint().width() - b.fontMetrics().horizontalAdvance(_shown(full))
            limit = room - chrome - 8
            if b.sizeHint().width() > room and limit > 40:
                text = _broken(full, limit, b.fontMetrics())
        if b.text() != text:
            b.setText(text)
        if text != full:
            from mailwizard.gui.a11y import spoken

            b.setAccessibleName(spoken(full))
        b.setProperty("mw_full_text", full)
        b.setProperty("mw_shown_text", text)


def _shown(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _broken(text: str, limit: int, fm) -> str:
    """`text` with line breaks between words so that no line is wider than `limit`."""
    lines, line = [], ""
    for word in text.split(" "):
        trial = f"{line} {word}" if line else word
        if line and fm.horizontalAdvance(_shown(trial)) > limit:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    return "\n".join(lines)


class HeightForWidth(QObject):
    """Keeps a word-wrapped label at least as tall as its text needs at its width (for a
    label inside a layout of Qt's own that does not ask heightForWidth)."""

    def __init__(self, parent):
        super().__init__(parent)

    def watch(self, label: QLabel) -> None:
        if not label.property("mw_height_for_width"):
            label.setProperty("mw_height_for_width", True)
            label.installEventFilter(self)
        self._fit(label)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Resize, QEvent.FontChange) and isinstance(obj, QLabel):
            self._fit(obj)
        return False

    @staticmethod
    def _fit(label: QLabel) -> None:
        need = label.heightForWidth(label.width()) if label.text() else 0
        want = need if need > 0 else 0
        if label.minimumHeight() != want:
            label.setMinimumHeight(want)
