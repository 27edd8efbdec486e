"""What a screen reader needs beyond Qt's defaults: a link role for link buttons, an alert role
for a check's outcome (Qt gives neither to plain widgets), and a way to announce a change."""

from __future__ import annotations

import re

from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QAccessibleWidget, QWidget

#: the property a widget sets to get one of these roles
ROLE_PROPERTY = "mailwizardRole"
LINK = "link"
ALERT = "alert"
_ROLES = {LINK: QAccessible.Role.Link, ALERT: QAccessible.Role.AlertMessage}
_installed = False


def _plain(text: str) -> str:
    """A button or label text as spoken: no mnemonic '&', no markup."""
    from PySide6.QtGui import Qt, QTextDocumentFragment

    if "<" in text and Qt.mightBeRichText(text):  # not "< Back"
        text = QTextDocumentFragment.fromHtml(text).toPlainText()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


#: a mnemonic added after a label in a script without the key's letter: "आगे (&N) >"
_BRACKETED_MNEMONIC = re.compile(r"\s*[(\uff08]&([^&\s])[)\uff09]")
#: where a control's name was made here from its text (it is made again when the text changes)
_AUTO_NAME = "mailwizardAutoName"


def spoken(text: str) -> str:
    """A control's text as a screen reader should say it: without the mnemonic ("&Next >" ->
    "Next >", "आगे (&N) >" -> "आगे >"), without markup and without a trailing colon."""
    text = _BRACKETED_MNEMONIC.sub("", text)
    return _plain(text).strip().rstrip(":\uff1a").rstrip()


def name_controls(roots, extra=()) -> None:
    """Name the buttons and labels under `roots` (and the widgets in `extra`) whose text
    carries a mnemonic in brackets, after their text without it. Qt itself only drops the
    '&', so "(W)" was read as part of every name in Hindi. Controls named on purpose keep
    their name."""
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel

    widgets = list(extra)
    for root in roots:
        widgets += root.findChildren(QAbstractButton) + root.findChildren(QLabel) \
            + root.findChildren(QGroupBox)
    for w in widgets:
        if w is None:
            continue
        text = w.title() if isinstance(w, QGroupBox) else w.text()
        auto = bool(w.property(_AUTO_NAME))
        if not auto and (w.accessibleName() or not _BRACKETED_MNEMONIC.search(text)):
            continue
        if isinstance(w, QLabel) and "<" in text:
            continue
        name = spoken(text)
        if w.accessibleName() != name:
            w.setAccessibleName(name)
        if not auto:
            w.setProperty(_AUTO_NAME, True)
        # A field without a name of its own is named after its label (its buddy) by Qt,
        # "(E)" and colon included: name it here, the same way.
        buddy = w.buddy() if isinstance(w, QLabel) else None
        if buddy is not None and (not buddy.accessibleName() or buddy.property(_AUTO_NAME)):
            if buddy.accessibleName() != name:
                buddy.setAccessibleName(name)
            buddy.setProperty(_AUTO_NAME, True)


class _RoleAccessible(QAccessibleWidget):
    def __init__(self, widget: QWidget, role):
        super().__init__(widget, role)
        self._widget = widget

    def text(self, kind):  # noqa: D401 - Qt's name
        w = self._widget
        if kind == QAccessible.Text.Name:
            return w.accessibleName() or spoken(getattr(w, "text", lambda: "")())
        if kind == QAccessible.Text.Description:
            return w.accessibleDescription() or w.toolTip()
        return super().text(kind)


def _factory(_key: str, obj):
    if isinstance(obj, QWidget):
        role = obj.property(ROLE_PROPERTY)
        if role in _ROLES:
            return _RoleAccessible(obj, _ROLES[role])
    return None


def install() -> None:
    """Once per application, before any window is shown."""
    global _installed
    if not _installed:
        QAccessible.installFactory(_factory)
        _installed = True


def set_role(widget: QWidget, role: str) -> None:
    """Give `widget` a role; call it before the widget's text is first set (Qt makes and
    keeps a widget's accessible at its first change)."""
    install()  # the first role given installs the factory (nothing to do at start-up)
    widget.setProperty(ROLE_PROPERTY, role)


def alert(widget: QWidget) -> None:
    """Tell assistive technology that `widget` (an alert) has new content to read out."""
    if QAccessible.isActive():
        QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.Alert))
