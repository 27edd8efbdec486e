"""Small widgets the pages share: links that are real, focusable controls (with the address
and a Copy button when no browser opens), a guidance panel made of them, a Details section
for technical text, and a word-wrapped label."""

from __future__ import annotations

from PySide6 import QtCore
from PySide6 import QtWidgets as W
from PySide6.QtGui import QDesktopServices, QGuiApplication

from mailwizard.gui import a11y
from mailwizard.gui.style import style_text


def open_url(url: str) -> bool:
    """Open an address in the user's browser; False when none could be opened (tests and
    locked-down desktops replace this)."""
    return QDesktopServices.openUrl(QtCore.QUrl(url))


def wrapped(text: str = "", *, rich: bool = False) -> W.QLabel:
    label = W.QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(QtCore.Qt.RichText if rich else QtCore.Qt.PlainText)
    return label


class _LinkPush(W.QPushButton):
    """A flat button drawn as a link: underlined, in the palette's link colour (readable on
    the theme's background, and following a change of theme); Enter opens it, like Space."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFlat(True)
        self.setAutoDefault(False)
        self.setCursor(QtCore.Qt.PointingHandCursor)
        font = self.font()
        font.setUnderline(True)
        self.setFont(font)
        self._recolour()

    def _recolour(self) -> None:
        from PySide6.QtGui import QPalette

        from mailwizard.gui.style import link_colour

        palette = self.palette()
        changed = False
        for group in (QPalette.Active, QPalette.Inactive):
            want = link_colour(palette, group)
            if palette.color(group, QPalette.ButtonText) != want:
                palette.setColor(group, QPalette.ButtonText, want)
                changed = True
        if changed:
            self.setPalette(palette)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.PaletteChange:
            self._recolour()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Not a default button (Enter would go to the dialog's Next): Enter opens the link.
        if event.key() in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter) \
                and not event.modifiers() & ~QtCore.Qt.KeypadModifier:
            self.animateClick()
            event.accept()
            return
        super().keyPressEvent(event)


class LinkButton(W.QWidget):
    """A link to a web page: a flat, focusable button (Enter or Space opens it, a screen reader
    hears "link"). If the browser cannot be opened, the address is shown with Copy."""

    def __init__(self, text: str, url: str, parent=None):
        super().__init__(parent)
        self.url = url
        v = W.QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        self.button = _LinkPush()
        # The role first: Qt makes a widget's accessible (and keeps it) at its first change.
        a11y.set_role(self.button, a11y.LINK)
        self.button.setText(text)
        self.button.setAccessibleName(a11y.spoken(text))
        self.button.setAccessibleDescription(url)
        self.button.setToolTip(url)
        v.addWidget(self.button, 0, QtCore.Qt.AlignLeading)
        self.fallback = W.QWidget()
        h = W.QHBoxLayout(self.fallback)
        h.setContentsMargins(0, 0, 0, 0)
        self.note = wrapped(self.tr("Your web browser could not be opened. Open this address "
                                    "in it:"))
        self.address = W.QLineEdit(url)
        self.address.setReadOnly(True)
        self.address.setAccessibleName(self.tr("Web address"))
        self.copy = W.QPushButton(self.tr("Copy"))
        self.copy.setAutoDefault(False)
        self.copy.setAccessibleName(self.tr("Copy the web address"))
        h.addWidget(self.address, 1)
        h.addWidget(self.copy)
        v.addWidget(self.note)
        v.addWidget(self.fallback)
        self.note.hide()
        self.fallback.hide()
        self.button.clicked.connect(self.open)
        self.copy.clicked.connect(self._copy)

    def open(self) -> None:
        if not open_url(self.url):
            self.note.show()
            self.fallback.show()
            QtCore.QTimer.singleShot(0, lambda: (self.address.setFocus(),
                                                 self.address.selectAll()))

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.url)
        self.copy.setText(self.tr("Copied"))


class GuidancePanel(W.QWidget):
    """Help beside the fields: headings, paragraphs, lists and LinkButtons, in reading order
    (a screen reader and the Tab key reach every link)."""

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.setAccessibleName(name)
        self.layout_ = W.QVBoxLayout(self)
        self.layout_.setContentsMargins(8, 0, 0, 0)
        self.links: list[LinkButton] = []

    def clear(self) -> None:
        while self.layout_.count():
            item = self.layout_.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        self.links = []

    def heading(self, text: str) -> W.QLabel:
        label = wrapped(text)
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        label.setFont(font)
        self.layout_.addWidget(label)
        return label

    def para(self, text: str, *, bold: bool = False, meaning: str | None = None) -> W.QLabel:
        label = wrapped(text)
        if bold or meaning:
            style_text(label, meaning, bold=bold)
        self.layout_.addWidget(label)
        return label

    def items(self, texts: list[str], *, numbered: bool = False) -> None:
        for i, t in enumerate(texts, 1):
            label = wrapped(("%d. " % i if numbered else "• ") + t)
            label.setIndent(8)
            self.layout_.addWidget(label)

    def link(self, text: str, url: str) -> LinkButton:
        link = LinkButton(text, url)
        self.layout_.addWidget(link)
        self.links.append(link)
        return link

    def finish(self) -> None:
        self.layout_.addStretch(1)

    def plain_text(self) -> str:
        """Everything the panel says, in reading order (links as "text <address>")."""
        out = []
        for i in range(self.layout_.count()):
            w = self.layout_.itemAt(i).widget()
            if isinstance(w, LinkButton):
                out.append(w.button.text() + " <" + w.url + ">")
            elif isinstance(w, W.QLabel):
                out.append(w.text())
        return "\n".join(out)


class Details(W.QWidget):
    """Technical text (server replies, error numbers) behind a "Details" toggle."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        v = W.QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.toggle = W.QToolButton()
        self.toggle.setText(self.tr("&Details"))
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(QtCore.Qt.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(QtCore.Qt.RightArrow)
        self.toggle.setAccessibleName(self.tr("Details"))
        self.text = W.QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("Technical details"))
        self.text.setMaximumHeight(90)
        self.text.setTabChangesFocus(True)
        self.text.hide()
        v.addWidget(self.toggle, 0, QtCore.Qt.AlignLeading)
        v.addWidget(self.text)
        self.toggle.toggled.connect(self._toggled)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        self.text.setPlainText(text)
        self.setVisible(bool(text))
        if not text:
            self.toggle.setChecked(False)

    def _toggled(self, shown: bool) -> None:
        if not shown and self.text.hasFocus():  # the focus stays here, not on "< Back"
            self.toggle.setFocus(QtCore.Qt.ShortcutFocusReason)
        self.text.setVisible(shown)
        self.toggle.setArrowType(QtCore.Qt.DownArrow if shown else QtCore.Qt.RightArrow)
