"""The language list on the wizard's first page, and the switch it makes: the catalogue
(core/i18n.py), Qt's translators (gui/app.py), the fonts for the script (gui/fonts.py), and
every page made so far rebuilt in the new language with what was typed kept.

How a page is retranslated: its texts are made in build(), so the wizard makes them again.
The page on screen (the first page) builds its body again in place; the other pages made so far
are replaced by new ones (made again when next entered: they fill from the flow state, as on
every entry). Before either, the values of the page's fields are read in the order of the
widget tree and given back to the same fields afterwards, so nothing typed is lost even where
a page keeps a value outside the flow state."""

from __future__ import annotations

from PySide6 import QtWidgets as W
from PySide6.QtCore import QLocale, QTimer, QTranslator

from mailwizard.core import i18n

def _fields():
    """The field types whose values are kept across a rebuild, and how to read and write them
    (made when first needed: naming a PySide6 class sets its type up, ≈ 1 ms each)."""
    return (
        (W.QLineEdit, lambda w: w.text(), lambda w, v: w.text() != v and w.setText(v)),
        (W.QPlainTextEdit, lambda w: w.toPlainText(),
         lambda w, v: w.toPlainText() != v and w.setPlainText(v)),
        (W.QComboBox, lambda w: w.currentIndex(),
         lambda w, v: 0 <= v < w.count() and w.setCurrentIndex(v)),
        (W.QAbstractButton, lambda w: w.isChecked() if w.isCheckable() else None,
         lambda w, v: v is not None and w.isCheckable() and v and w.setChecked(True)),
        (W.QAbstractSpinBox, lambda w: w.value() if hasattr(w, "value") else None,
         lambda w, v: v is not None and hasattr(w, "setValue") and w.setValue(v)),
    )


def install_translations(app: QApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """mailwizard's catalogue for the language chosen (core/i18n.py) answers every tr(), Qt's
    own words included; Qt's qtbase catalogue, where Qt has one for the language (or for
    `locale`, when given), the rest. English is the source text: no translator of ours, so no
    look-up per tr()."""
    lang = i18n.language()
    if locale is None and lang == i18n.SOURCE:
        return []
    loaded = []
    if locale is None and lang != i18n.PSEUDO:
        locale = QLocale(lang)
    if locale is not None:
        from PySide6.QtCore import QLibraryInfo

        qt = QTranslator(app)
        if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.TranslationsPath)):
            app.installTranslator(qt)
            loaded.append(qt)
    if lang != i18n.SOURCE:
        from mailwizard.gui.i18n import install

        loaded.append(install(app))  # installed last: asked first
    return loaded


def listed() -> list[str]:
    """The languages the list offers: those with a compiled catalogue here (English first),
    and the language in use if it is none of them (e.g. the pseudo-language)."""
    codes = [c for c in i18n.available() if c != i18n.PSEUDO]
    if i18n.language() not in codes:
        codes.append(i18n.language())
    return codes


def _kind(w: W.QWidget):
    if isinstance(w, W.QLineEdit) and isinstance(w.parentWidget(), W.QAbstractSpinBox):
        return None  # the spin box's own editor: the spin box's value is kept instead
    if isinstance(w, W.QLineEdit) and isinstance(w.parentWidget(), W.QComboBox):
        return None
    for i, (cls, _get, _set) in enumerate(_fields()):
        if isinstance(w, cls):
            return i
    return None


def snapshot(root: W.QWidget) -> dict[int, list]:
    """The values of the fields under `root`, per kind of field, in widget-tree order."""
    values: dict[int, list] = {}
    for w in root.findChildren(W.QWidget):
        kind = _kind(w)
        if kind is not None:
            values.setdefault(kind, []).append(_fields()[kind][1](w))
    return values


def restore(root: W.QWidget, values: dict[int, list]) -> None:
    """Give the values of snapshot() back to the fields of a rebuilt page (the same build makes
    the same fields in the same order)."""
    fields: dict[int, list] = {}
    for w in root.findChildren(W.QWidget):
        kind = _kind(w)
        if kind is not None:
            fields.setdefault(kind, []).append(w)
    for kind, old in values.items():
        for w, value in zip(fields.get(kind, []), old):
            _fields()[kind][2](w, value)


class LanguageChooser(W.QWidget):
    """"Language: [हिन्दी ▾]" — each language named in its own script."""

    def __init__(self, wizard):
        super().__init__()
        self._wizard = wizard
        self.setObjectName("language")
        row = W.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 4)
        row.addStretch(1)
        self.label = W.QLabel()
        self.combo = W.QComboBox()
        self.combo.setObjectName("languages")
        self.combo.setSizeAdjustPolicy(W.QComboBox.AdjustToContents)
        self.label.setBuddy(self.combo)
        self.why = W.QLabel()
        row.addWidget(self.label)
        row.addWidget(self.combo)
        row.addWidget(self.why)
        codes = listed()
        for code in codes:
            self.combo.addItem(i18n.native_name(code), code)
        # Each name is written in its own script: the fonts for the others' names are looked
        # for once the page has been painted (the closed list shows only the language in use,
        # whose font gui/app.py made sure of; the font look-up costs ≈ 9 ms of the start
        # otherwise). The screen reader's name too (gui/a11y.py is imported then anyway).
        wizard.after_first_paint(lambda: (self._fonts_for(codes), self._name()), self)
        self.combo.setCurrentIndex(codes.index(i18n.language()))
        # The administrator's site file names the language: it wins at every start, so a
        # choice here could not be kept. Shown, not changeable, with the reason beside it.
        self.locked = bool(wizard.site.language)
        self.combo.setEnabled(not self.locked)
        self.why.setVisible(self.locked)
        self.retranslate(named=False)
        self.combo.activated.connect(self._chosen)

    @staticmethod
    def _fonts_for(codes: list[str]) -> None:
        from mailwizard.gui import fonts

        for code in codes:
            fonts.ensure(code)

    def retranslate(self, named: bool = True) -> None:
        self.label.setText(self.tr("&Language:"))
        why = self.tr("Set by your administrator") if self.locked else ""
        self.why.setText(why)
        self.combo.setToolTip(why)
        self.combo.setAccessibleDescription(why)
        if named:
            self._name()

    def _name(self) -> None:
        from mailwizard.gui.a11y import spoken

        self.combo.setAccessibleName(spoken(self.label.text()))

    def _chosen(self, index: int) -> None:
        code = self.combo.itemData(index)
        if code == i18n.language():
            return
        i18n.remember(code)
        switch(self._wizard, code)


def switch(wizard, code: str) -> str:
    """Show the whole wizard in `code` from now on; returns the language in use."""
    from mailwizard.gui import fonts

    app = W.QApplication.instance()
    focus = app.focusWidget()
    lang = i18n.set_language(code)
    fonts.ensure(lang)
    for old in app.findChildren(QTranslator):  # ours and Qt's own (gui/app.py made both)
        app.removeTranslator(old)
        old.deleteLater()
    install_translations(app)
    if lang in (i18n.SOURCE, i18n.PSEUDO):  # as at a start in English
        from PySide6.QtCore import Qt

        QLocale.setDefault(QLocale.system())
        app.setLayoutDirection(Qt.LeftToRight)
    retranslate(wizard)
    if focus is not None:
        QTimer.singleShot(0, wizard, lambda: _refocus(wizard, focus))
    return lang


def _refocus(wizard, focus) -> None:
    try:
        focus.setFocus()
    except RuntimeError:  # a control of a rebuilt page: its page's own first field instead
        pass


def retranslate(wizard) -> None:
    """Every text of the wizard in the language now in use, nothing typed lost."""
    wizard.show_own_texts()
    current, start = wizard.currentId(), wizard.startId()
    visited = set(wizard.visitedIds())
    for page_id in list(wizard.pageIds()):
        page = wizard.page(page_id)
        if not getattr(page, "_built", False):
            continue
        values = snapshot(page.body)
        if page_id in visited:  # on screen, or Back leads to it: rebuilt in place
            page.rebuild()
            restore(page.body, values)
            if page.language_chooser is not None:
                page.language_chooser.retranslate()
        else:  # a page further on: a new one, made in the new language
            stop = getattr(page, "stop_work", None)
            if stop is not None:  # e.g. a look-up of the address: the new page starts it
                stop()
            wizard.removePage(page_id)
            page.deleteLater()
            page = wizard.page_for(page.step)
            page.ensure_built()
            restore(page.body, values)
    if wizard.startId() != start:  # removing the start page moves it
        wizard.setStartId(start)
    page = wizard.currentPage()
    if page is not None and page._built:  # last: the page on screen says what Next needs
        page.enter()
        page.changed()
    wizard._show_steps(current)
    wizard.refresh_names()
