"""What the SMTP and Exchange account pages share: a labelled field with its error line, the
password box with Show/Hide and its notes, the CA file picker, and fields beside the help."""

from __future__ import annotations

from PySide6 import QtCore
from PySide6 import QtWidgets as W

from mailwizard.core.flow import settle_secret, type_secret
from mailwizard.gui import a11y
from mailwizard.gui.style import style_text


def _error_label() -> W.QLabel:
    label = W.QLabel()
    label.setWordWrap(True)
    style_text(label, "error")
    label.hide()
    return label


def _spoken(label: str) -> str:
    """A field label as a screen reader should say it: no '&', no trailing colon."""
    from mailwizard.gui.a11y import spoken

    return spoken(label)  # also without a mnemonic in brackets: "ईमेल पता (&E):"


def side_by_side(page, body: W.QWidget, outer: W.QBoxLayout) -> None:
    """Fields and help side by side on a wide page, one above the other on a narrow one
    (small screens, large text): side by side only when both fit, the help at least about
    30 characters wide."""
    def relayout() -> None:
        left, right = outer.itemAt(0).widget(), outer.itemAt(1).widget()
        need = left.minimumSizeHint().width() + outer.spacing() + max(
            right.minimumSizeHint().width(), 30 * body.fontMetrics().averageCharWidth())
        margins = outer.contentsMargins()
        # The space the scroll area shows, not the body's own width (which grows to fit).
        room = body.parentWidget().width() if body.parentWidget() else body.width()
        wide = room - margins.left() - margins.right() >= need
        outer.setDirection(W.QBoxLayout.LeftToRight if wide else W.QBoxLayout.TopToBottom)

    class _Watcher(QtCore.QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QtCore.QEvent.Resize:
                relayout()
            return False

    page._side_watcher = _Watcher(page)
    body.installEventFilter(page._side_watcher)
    if body.parentWidget() is not None:  # the scroll area's viewport
        body.parentWidget().installEventFilter(page._side_watcher)


class AccountFields:
    """What the SMTP and Exchange account pages share: a labelled row with its error line, the
    password box with Show/Hide, "Keep the saved password", and the CA file picker."""

    errors: dict
    secret: W.QLineEdit

    def _add_row(self, form, label: str, widget, key: str, buddy=None) -> None:
        """A labelled field with its error line in the row underneath; the label is its buddy.
        The field sits beside its label (so a screen reader finds the label through Qt's
        "labelled by" relation, which only looks at siblings) and is also named after it; the
        error line is its description."""
        form.addRow(label, widget)
        err = _error_label()
        form.addRow(err)
        form.setRowVisible(err, False)
        self.errors[key] = err
        row_label = form.labelForField(widget)
        if form.rowWrapPolicy() == W.QFormLayout.WrapAllRows:
            # a label above its field may wrap (a long one in a long language: Tamil, large
            # text), given the height its lines need (QFormLayout gives a wrapped label the
            # height of one line)
            from mailwizard.gui.fit import HeightForWidth

            row_label.setWordWrap(True)
            if not hasattr(self, "_label_fit"):
                self._label_fit = HeightForWidth(self)
            self._label_fit.watch(row_label)
        target = buddy or widget
        row_label.setBuddy(target)
        target.setAccessibleName(_spoken(label))
        if not hasattr(self, "error_fields"):
            self.error_fields = {}
            self.error_forms = {}
        self.error_fields[key] = target
        self.error_forms[key] = form

    def _show_errors(self, errors: dict, shown) -> None:
        """Each field's error under it (and as its description) when `shown(key)`."""
        for key, label in self.errors.items():
            text = errors.get(key, "")
            show = bool(text) and shown(key)
            text = text[:1].upper() + text[1:] if show else ""
            label.setText(text)
            self.error_forms[key].setRowVisible(label, show)
            field = getattr(self, "error_fields", {}).get(key)
            if field is not None:
                saved = self.state.secret_only and getattr(field, "isReadOnly", bool)()
                field.setAccessibleDescription(text or (self.tr("saved") if saved else ""))

    def _add_secret_note(self, form) -> None:
        """The line under the password box that says why it was emptied (a secret belongs
        to the server and user it was typed for); read out when it appears."""
        self.secret_note = W.QLabel()
        self.secret_note.setWordWrap(True)
        a11y.set_role(self.secret_note, a11y.ALERT)
        style_text(self.secret_note, "warning", bold=True)
        form.addRow(self.secret_note)
        form.setRowVisible(self.secret_note, False)
        self.secret_note_form = form

    def _say_secret_cleared(self) -> None:
        """Show (or hide) the note, from the flow's `secret_cleared`."""
        cleared = self.state.secret_cleared
        text = self.tr("The password was cleared because the server changed.") \
            if cleared else ""
        was = self.secret_note.text()
        self.secret_note.setText(text)
        self.secret_note_form.setRowVisible(self.secret_note, cleared)
        description = self.secret.accessibleDescription()
        if cleared and text not in description:
            self.secret.setAccessibleDescription((text + " " + description).strip())
        if cleared and was != text:
            a11y.alert(self.secret_note)

    def _add_saved_note(self, form) -> None:
        """"My password changed": the saved values are shown as values (read-only, not
        greyed like empty fields' hints), under a line that says they are the saved ones."""
        self.saved_note = W.QLabel(self.tr("Saved settings (they stay as they are; only the "
                                           "password is new):"))
        self.saved_note.setWordWrap(True)
        form.addRow(self.saved_note)
        form.setRowVisible(self.saved_note, False)
        self.saved_note_form = form

    def _show_saved(self, fields, others=()) -> None:
        """Saved values read-only on the password-only path; `others` (buttons, lists) are
        turned off there."""
        only = self.state.secret_only
        self.saved_note_form.setRowVisible(self.saved_note, only)
        for w in fields:
            if only:
                w.setReadOnly(True)
        for w in others:
            w.setEnabled(not only)

    def _take_secret(self, secret: str) -> None:
        """The password box → the flow, under the rule that a secret belongs to the server
        and user it was typed for: a changed server or user clears it (and says so)."""
        st = self.state
        type_secret(st, secret)
        if settle_secret(st):
            self.secret.clear()

    def _secret_box(self) -> W.QWidget:
        box = W.QWidget()
        h = W.QHBoxLayout(box)
        h.setContentsMargins(0, 0, 0, 0)
        self.secret = W.QLineEdit()
        self.secret.setEchoMode(W.QLineEdit.Password)
        self.show_secret = W.QToolButton()
        self.show_secret.setText(self.tr("Show"))
        self.show_secret.setCheckable(True)
        self.show_secret.setAccessibleName(self.tr("Show password"))
        self.show_secret.setAutoRaise(False)
        self.show_secret.setToolTip(self.tr("Show or hide what you typed"))
        h.addWidget(self.secret, 1)
        h.addWidget(self.show_secret)
        self.show_secret.toggled.connect(self._toggle_show)
        return box

    def _ca_box(self) -> W.QWidget:
        box = W.QWidget()
        h = W.QHBoxLayout(box)
        h.setContentsMargins(0, 0, 0, 0)
        self.cafile = W.QLineEdit()
        self.cafile.setPlaceholderText(self.tr("Only if IT gave you one"))
        self.browse_ca = W.QPushButton(self.tr("Bro&wse…"))
        h.addWidget(self.cafile, 1)
        h.addWidget(self.browse_ca)
        self.browse_ca.clicked.connect(self._browse_ca)
        return box

    def _keep_secret_toggled(self, keep: bool) -> None:
        self.secret.setEnabled(not keep)
        if keep:
            self.secret.clear()
        self._sync()

    def _toggle_show(self, shown: bool) -> None:
        self.secret.setEchoMode(W.QLineEdit.Normal if shown else W.QLineEdit.Password)
        self.show_secret.setText(self.tr("Hide") if shown else self.tr("Show"))
        self.show_secret.setAccessibleName(self.tr("Hide password") if shown
                                           else self.tr("Show password"))

    def _browse_ca(self) -> None:
        path, _ = W.QFileDialog.getOpenFileName(self, self.tr("CA certificate file"), "",
                                              self.tr("Certificates (*.pem *.crt *.cer);;"
                                                      "All files (*)"))
        if path:
            self.cafile.setText(path)
            self._touched.add("cafile")
            self._sync()
