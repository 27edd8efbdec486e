"""Run in its own process (tests/gui/test_fonts.py, tests/packaging/fresh_debian_check.py):
start the wizard the way `mailwizard gui` does (language from --lang / MAILWIZARD_LANG / the
site file / the system), show its first page and print, as one JSON line, what Qt's font
database says about the language's script and whether every letter on the page can be drawn.

    python font_probe.py [--lang CODE] [--png FILE] [--config FILE] [--no-bundled]

--no-bundled: the control — the bundled fonts are not offered (what the wizard drew before
they travelled with it), so a probe that passes then proves the system has a font itself.

Keys: language, script, registered (families mailwizard added), supported (the script has a
font), missing (letters of the page no font can draw), letters (how many were checked)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def page_letters(wizard) -> set[str]:
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QWidget

    page = wizard.currentPage()
    texts = [wizard.windowTitle(), page.title(), page.subTitle()]
    for w in page.findChildren(QWidget):
        if w.isVisible() and isinstance(w, (QLabel, QAbstractButton)):
            texts.append(w.text())
        if w.isVisible() and isinstance(w, QComboBox):  # the language list: names in scripts
            texts += [w.itemText(i) for i in range(w.count())]
    return {c for text in texts for c in text if ord(c) > 0x7F and not c.isspace()}


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QFontMetrics

    from mailwizard.core import i18n
    from mailwizard.gui import app as gui_app, fonts

    png = Path(argv[argv.index("--png") + 1]) if "--png" in argv else None
    config = argv[argv.index("--config") + 1] if "--config" in argv else None
    if "--no-bundled" in argv:
        fonts.ensure = lambda language=None: []
    gui_app.start_language(argv)
    app = gui_app.make_application(sys.argv[:1])
    wizard = gui_app.create_wizard(Path(config) if config else None)
    wizard.show()
    result = {}

    def look() -> None:
        lang = i18n.language()
        script = i18n.SCRIPTS.get(lang)
        letters = page_letters(wizard)
        metrics = [QFontMetrics(w.font()) for w in [wizard.currentPage(), wizard]]
        missing = sorted(c for c in letters
                         if not any(m.inFontUcs4(ord(c)) for m in metrics))
        result.update(language=lang, script=script,
                      registered=sorted({f for ids in fonts._registered.values() for f in
                                         _families(ids)}),
                      supported=fonts.supported(script) if script else True,
                      missing=missing, letters=len(letters))
        if png is not None:
            wizard.grab().save(str(png))
        app.quit()

    QTimer.singleShot(300, look)  # once the first page is laid out and painted
    app.exec()
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _families(ids: list[int]) -> list[str]:
    from PySide6.QtGui import QFontDatabase

    return [f for i in ids for f in QFontDatabase.applicationFontFamilies(i)]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
