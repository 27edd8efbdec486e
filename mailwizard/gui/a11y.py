"""What a screen reader needs beyond Qt's defaults: a link role for link buttons, an alert role
for a check's outcome (Qt gives neither to plain widgets), and a way to announce a change."""

from __future__ import annotations

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
    from PySide6.QtGui import QTextDocumentFragment

    if "<" in text:
        text = QTextDocumentFragment.fromHtml(text).toPlainText()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


class _RoleAccessible(QAccessibleWidget):
    def __init__(self, widget: QWidget, role):
        super().__init__(widget, role)
        self._widget = widget

    def text(self, kind):  # noqa: D401 - Qt's name
        w = self._widget
        if kind == QAccessible.Text.Name:
            return w.accessibleName() or _plain(getattr(w, "text", lambda: "")())
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
