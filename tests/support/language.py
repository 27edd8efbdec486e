"""Switching the program's language for a test, and back in `finally`: a test that fails
half-way through leaves the next one in the language it started in."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def in_language(code: str, *, wizard: bool = False):
    """The program in language CODE (asserted: its catalogue is there), the language before
    restored afterwards whatever happens. With wizard=True the translations are installed in
    the Qt application too, the way gui/app.py's install_translations does it."""
    from mailwizard.core import i18n

    before = i18n.language()
    app = None
    try:
        if wizard:
            from mailwizard.gui.app import install_translations, make_application

            app = make_application([])
        assert i18n.set_language(code) == code, f"no compiled catalogue for {code}"
        if app is not None:
            install_translations(app)
        yield code
    finally:
        i18n.set_language(before)
        if app is not None:
            from mailwizard.gui.i18n import CatalogueTranslator

            for t in app.findChildren(CatalogueTranslator):
                app.removeTranslator(t)
                t.deleteLater()
