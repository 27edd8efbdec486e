"""A wizard page bound to one flow step (its widgets made on first entry, in a scroll area,
with a line that says what Next still needs), and the Page Up / Page Down keys that scroll it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import (QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget, QWizard,
                               QWizardPage)

from mailwizard.core.flow import FlowState, Step, missing, next_step

# Qt's own enums (Qt.PlainText, Qt.Key_PageDown) are named where a page is used, not where it
# is made: naming the first one makes PySide6 build all 97 enum types of the Qt namespace at
# once (≈ 18 ms of processor time), which the first page is shown without (set_by_name).


def set_by_name(widget: QObject, **properties: str) -> None:
    """Set properties of a Qt enum type by their names, as Qt Designer's files do
    (textFormat="PlainText", alignment="AlignTop|AlignLeading")."""
    for name, value in properties.items():
        if not widget.setProperty(name, value):  # no such property, or no such value
            raise ValueError(f"{type(widget).__name__}.{name} = {value!r}")


class PageScroll(QScrollArea):
    """The scroll area a page's body sits in. It says when its viewport changes size (or
    font, or its content's size) and remembers the viewport's width, from the viewport's own
    events: asking Qt for the viewport widget (viewport()) would make PySide6 go through every
    widget class to find the Python type of a widget it has not seen yet (≈ 12 ms of processor
    time, before the first page could be shown)."""

    viewport_changed = Signal()

    def __init__(self):
        super().__init__()
        #: the viewport's width once it has been laid out (0 before the page is first shown)
        self.viewport_width = 0

    def viewportEvent(self, event) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Resize:
            self.viewport_width = event.size().width()
        if kind in (QEvent.Resize, QEvent.LayoutRequest, QEvent.FontChange):
            self.viewport_changed.emit()
        return super().viewportEvent(event)


class FlowPage(QWizardPage):
    """A page bound to one flow step: completeness and the next page come from the flow.

    Its widgets go into `self.body`, inside a scroll area (small screens, large text); under
    it, a line says why Next is not available yet (from the flow's missing())."""

    step: Step

    def __init__(self):
        super().__init__()
        self._built = False
        self._initialized_now = False
        #: the language list (gui/language.py), on the wizard's first page only
        self.language_chooser = None

    def ensure_built(self) -> None:
        """Widgets are made when the page is first entered (the first page's when the wizard
        is made, before it shows), not at start-up: the first page appears sooner, and pages
        never visited cost nothing."""
        if not self._built:
            self._built = True
            outer = QVBoxLayout(self)
            outer.setContentsMargins(0, 0, 0, 0)
            if self.wiz() is not None and self.wiz().startId() == int(self.step):
                from mailwizard.gui.language import LanguageChooser

                self.language_chooser = LanguageChooser(self.wiz())
                outer.addWidget(self.language_chooser)
            self.scroll = PageScroll()
            self.scroll.setWidgetResizable(True)
            self.scroll.setFrameShape(QFrame.NoFrame)
            set_by_name(self.scroll, horizontalScrollBarPolicy="ScrollBarAsNeeded",
                        focusPolicy="NoFocus")
            self._new_body()
            outer.addWidget(self.scroll, 1)
            self.needs = QLabel()
            self.needs.setWordWrap(True)
            set_by_name(self.needs, textFormat="PlainText")
            self.needs.setObjectName("needs")
            self.needs.hide()
            outer.addWidget(self.needs)
            from mailwizard.gui.fit import WidthFit

            self.width_fit = WidthFit(self)
            self.build()
            # Controls added or shown later (a help link after a failed test) take their
            # place in the Tab order too: the wizard tidies the page after layout changes.
            self.body.installEventFilter(self)
            self.width_fit.watch_body(self.body)

    def _new_body(self) -> None:
        self.body = QWidget()
        self.body.setObjectName("body")
        self.scroll.setWidget(self.body)

    def rebuild(self) -> None:
        """Make the page's widgets again (another language: gui/language.py keeps the values
        typed); the old ones go."""
        old = self.scroll.takeWidget()
        old.removeEventFilter(self)
        old.deleteLater()
        self._new_body()
        self.width_fit.rows.clear()
        self.build()
        self.body.installEventFilter(self)
        self.width_fit.watch_body(self.body)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.body and event.type() == QEvent.LayoutRequest and self.wiz() is not None:
            self.wiz().refresh_names()
        return super().eventFilter(obj, event)

    def order_tabs(self) -> None:
        """Tab goes through the page's controls in reading order: down the layouts as they
        are drawn (a column of fields, then the help beside it), whenever they were made."""
        chain = focus_chain(self.body)
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Page Up / Page Down scroll the page from wherever the focus is, so text below the
        fold, such as the help beside the fields, can be read without a mouse. (Lists, combo
        boxes and number boxes would use those keys to change their value: the wizard's
        PageKeys filter sends the keys here first.)"""
        if self.scroll_page(event.key()):
            event.accept()
            return
        super().keyPressEvent(event)

    def scroll_page(self, key) -> bool:
        from PySide6.QtCore import Qt

        if not self._built or key not in (Qt.Key_PageUp, Qt.Key_PageDown):
            return False
        bar = self.scroll.verticalScrollBar()
        step = bar.pageStep() if key == Qt.Key_PageDown else -bar.pageStep()
        bar.setValue(bar.value() + step)
        return True

    def build(self) -> None:
        """Create the page's widgets (once), in self.body."""

    def enter(self) -> None:
        """Fill the page from the flow state, each time it is entered (Next or Back)."""

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.ensure_built()
        self._initialized_now = True
        self.enter()
        self.changed()

    def wiz(self) -> QWizard:
        """The MailWizard (gui/wizard.py, which imports this module: no import back)."""
        return self.wizard()

    @property
    def state(self) -> FlowState:
        return self.wiz().state

    def busy(self) -> bool:
        return False

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return not self.busy() and not missing(self.step, self.state)

    def nextId(self) -> int:  # noqa: N802 - Qt's name; must have no side effects
        nxt = next_step(self.step, self.state)
        return -1 if nxt is None else int(nxt)

    #: a flow field this page shows under another field's name (the Exchange page's email
    #: address is its From address): the "To go on" line names only fields on the page
    field_aliases: dict[str, str] = {}

    def reasons(self) -> list[str]:
        """What the user still has to do before Next, in words (shown under the page), each
        naming a field on this page, each said once."""
        out: list[str] = []
        for reason in missing(self.step, self.state):
            key, sep, rest = reason.partition(": ")
            if sep and key in self.field_aliases:
                reason = self.field_aliases[key] + sep + rest
            text = self.wiz().plain_reason(reason)
            if text not in out:
                out.append(text)
        return out

    def changed(self) -> None:
        from mailwizard.gui.workers import emit

        emit(self.completeChanged)
        if not self._built or self.wiz() is None:
            return
        self.wiz().refresh_names()
        reasons = [] if self.busy() or self.isComplete() else self.reasons()
        # Translators: {reasons} is one or more things still to do, joined by "; ".
        text = (self.tr("To go on: {reasons}.").format(reasons="; ".join(reasons))
                if reasons else "")
        if text != self.needs.text():
            self.needs.setText(text)
        self.needs.setVisible(bool(text))
        next_button = self.wiz().button(QWizard.NextButton)
        next_button.setAccessibleDescription(text)
        next_button.setToolTip(text)
        if self.wiz().currentPage() is self:
            # a choice on this page may change the path (Web mail instead of Exchange)
            self.wiz()._show_steps(self.wiz().currentId())


def focus_chain(widget: QWidget) -> list[QWidget]:
    """The controls Tab can reach under `widget`, in the order of its layouts."""
    from PySide6.QtCore import Qt

    out: list[QWidget] = []

    def visit_widget(w: QWidget) -> None:
        if w.focusPolicy() & Qt.TabFocus and w.focusProxy() is None:
            out.append(w)
        if w.layout() is not None:
            visit_layout(w.layout())

    def visit_layout(layout) -> None:
        for i in range(layout.count()):
            item = layout.itemAt(i)
            if item.widget() is not None:
                visit_widget(item.widget())
            elif item.layout() is not None:
                visit_layout(item.layout())

    visit_widget(widget)
    return out


class PageKeys(QObject):
    """Page Up / Page Down scroll the page, whatever control has the focus: a combo box, a
    number box or a list would otherwise take them to change its value (Page Down in
    *Security* silently chose another security). Installed on each control of the wizard
    when it first gets the focus (an open drop-down list is its own window and keeps them)."""

    def __init__(self, wizard: QWizard):
        super().__init__(wizard)
        self._wizard = wizard

    def watch(self, _old, new) -> None:
        w = self._wizard
        if new is not None and not new.property("mailwizardPageKeys") and w.isAncestorOf(new):
            new.setProperty("mailwizardPageKeys", True)
            new.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.KeyPress:
            return False
        from PySide6.QtCore import Qt

        if (event.key() in (Qt.Key_PageUp, Qt.Key_PageDown)
                and not event.modifiers() & ~Qt.KeypadModifier):
            page = self._wizard.currentPage()  # also from Next or Back: the page scrolls
            if isinstance(page, FlowPage):
                return page.scroll_page(event.key())
        return False
