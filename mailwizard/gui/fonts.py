"""The fonts that travel with the program (resources/fonts/): registered with Qt only when a
language shown needs a script (Devanagari for Hindi and Marathi, Tamil for Tamil) and the
system has no font for it, so a desktop without one draws words, not empty boxes. Called once
the QApplication exists and the language is known, again on a language switch, and for each
language the first page's language list names in its own script ("हिन्दी", "தமிழ்")."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase

from mailwizard.core import i18n

#: The bundled files for each writing system (QFontDatabase.WritingSystem's names)
FILES = {
    "Devanagari": ("NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    "Tamil": ("NotoSansTamil-Regular.ttf", "NotoSansTamil-Bold.ttf"),
}
#: script → the font ids registered in this process (never twice)
_registered: dict[str, list[int]] = {}


def supported(script: str) -> bool:
    """Does any font Qt knows (the system's or ours) write `script`?"""
    system = getattr(QFontDatabase.WritingSystem, script)
    return bool(QFontDatabase.families(system))


def ensure(language: str | None = None) -> list[str]:
    """Register the bundled fonts for `language`'s script (default: the language in use) when
    the system has none; returns the family names registered now ([] when none was needed)."""
    from mailwizard.core.resources import resource_path

    script = i18n.SCRIPTS.get((language or i18n.language()).split("_", 1)[0])
    if script is None or script in _registered or supported(script):
        return []
    ids, families = [], []
    for name in FILES[script]:
        font_id = QFontDatabase.addApplicationFont(str(resource_path(f"fonts/{name}")))
        if font_id != -1:
            ids.append(font_id)
            families += QFontDatabase.applicationFontFamilies(font_id)
    _registered[script] = ids
    return sorted(set(families))


# --- for IT and the release checks: can this computer draw the wizard's words? -------------

def report(wizard) -> dict:
    """What Qt's font database says for the language in use and the first page on screen:
    language, script, registered (bundled families added), supported (the script has a
    font), missing (letters of the page's texts no font can draw), letters (how many)."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QWidget, QWizard

    page = wizard.currentPage()
    texts = [wizard.windowTitle(), page.title(), page.subTitle()]
    buttons = [wizard.button(b) for b in (QWizard.BackButton, QWizard.NextButton,
                                          QWizard.FinishButton, QWizard.CancelButton)]
    for w in page.findChildren(QWidget) + buttons:
        if w is None or not w.isVisible():
            continue
        if isinstance(w, (QLabel, QAbstractButton)):
            texts.append(w.text())
        elif isinstance(w, QComboBox):  # the language list: each name in its own script
            texts += [w.itemText(i) for i in range(w.count())]
    letters = {c for text in texts for c in text if ord(c) > 0x7F and not c.isspace()}
    metrics = QFontMetrics(page.font())
    script = i18n.SCRIPTS.get(i18n.language())
    return {"language": i18n.language(), "script": script,
            "registered": sorted({f for ids in _registered.values() for i in ids
                                  for f in QFontDatabase.applicationFontFamilies(i)}),
            "supported": supported(script) if script else True,
            "missing": sorted(c for c in letters if not metrics.inFontUcs4(ord(c))),
            "letters": len(letters)}


def write_report(wizard, path: str) -> None:
    """MAILWIZARD_FONT_REPORT=FILE (gui/app.py): the report as JSON in FILE and the window as
    FILE.png."""
    import json

    with open(path, "w", encoding="utf-8") as f:
        json.dump(report(wizard), f, ensure_ascii=False)
    wizard.grab().save(path + ".png")
