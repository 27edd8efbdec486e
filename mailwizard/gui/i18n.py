"""Qt's side of mailwizard/core/i18n.py: one translator that answers every `tr()` of the
wizard, and Qt's own words we show (QWizard's buttons, message boxes, the line edits'
context menu), from the same gettext catalogue as the core. The layout follows the language
(right-to-left languages get a mirrored window from Qt; nothing here assumes left-to-right)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QLocale, QTranslator, Qt
from PySide6.QtWidgets import QApplication

from mailwizard.core import i18n

# Qt's own words the wizard shows, so the catalogue holds them too (Qt ships no Hindi).
QT_WORDS = (
    QT_TRANSLATE_NOOP("QWizard", "< &Back"), QT_TRANSLATE_NOOP("QWizard", "&Next >"),
    QT_TRANSLATE_NOOP("QWizard", "&Finish"), QT_TRANSLATE_NOOP("QWizard", "Cancel"),
    QT_TRANSLATE_NOOP("QWizard", "Help"), QT_TRANSLATE_NOOP("QWizard", "Go Back"),
    QT_TRANSLATE_NOOP("QWizard", "Continue"), QT_TRANSLATE_NOOP("QWizard", "Commit"),
    QT_TRANSLATE_NOOP("QWizard", "Done"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "OK"), QT_TRANSLATE_NOOP("QPlatformTheme", "Cancel"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&Yes"), QT_TRANSLATE_NOOP("QPlatformTheme", "&No"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Close"), QT_TRANSLATE_NOOP("QPlatformTheme", "Discard"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Save"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Undo"), QT_TRANSLATE_NOOP("QLineEdit", "&Redo"),
    QT_TRANSLATE_NOOP("QLineEdit", "Cu&t"), QT_TRANSLATE_NOOP("QLineEdit", "&Copy"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Paste"), QT_TRANSLATE_NOOP("QLineEdit", "Delete"),
    QT_TRANSLATE_NOOP("QLineEdit", "Select All"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "&Copy"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "Copy &Link Location"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "Select All"),
    # the For IT dialog's button to its steps (QMessageBox's detailed text)
    QT_TRANSLATE_NOOP("QMessageBox", "Show Details..."),
    QT_TRANSLATE_NOOP("QMessageBox", "Hide Details..."),
)


class CatalogueTranslator(QTranslator):
    """Answers Qt's look-ups from mailwizard's catalogue for the chosen language."""

    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: N802 (Qt's name)
        # None (a null string) when the catalogue has no translation: Qt then keeps its own
        # text. An empty string would be taken as the translation, and Qt's words the
        # catalogue lacks came out empty (QMessageBox even left its Show Details button out).
        if not source:
            return None
        return i18n.translated(source) or None

    def isEmpty(self):  # noqa: N802
        return i18n.language() == i18n.SOURCE


def install(app: QApplication, code: str | None = None) -> CatalogueTranslator:
    """Use language `code` (None: --lang/MAILWIZARD_LANG/site file/system, already chosen by
    the caller through i18n.set_language) for every later tr()."""
    if code is not None:
        i18n.set_language(code)
    translator = CatalogueTranslator(app)
    app.installTranslator(translator)
    lang = i18n.language()
    if lang not in (i18n.SOURCE, i18n.PSEUDO):
        locale = QLocale(lang)
        # Numbers in the digits people type and every sentence shows (600, 587): Marathi's
        # locale would write a number box as "६००" beside "600" in the words under it.
        QLocale.setDefault(locale if locale.zeroDigit() == "0"
                           else QLocale(QLocale.English, locale.territory()))
        app.setLayoutDirection(locale.textDirection())
    else:
        app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    return translator
