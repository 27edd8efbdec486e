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
