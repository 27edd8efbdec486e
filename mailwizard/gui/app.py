"""Start the wizard window: one app id for window, desktop file and icon; Qt's own
translations so Back/Next/Finish follow the user's language."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from mailwizard import APP_ID, __version__
from mailwizard.core.redact import install_log_redaction
from mailwizard.core.resources import resource_path
from mailwizard.gui.language import install_translations  # noqa: F401 (its place till now)


def make_application(argv: list[str] | None = None) -> QApplication:
    from mailwizard.gui.pyside_fix import guard

    guard()  # before anything else calls into Qt
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("mailwizard")
    app.setApplicationDisplayName("mailwizard")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(resource_path(f"{APP_ID}.svg"))))
    install_translations(app)
    from mailwizard.gui import fonts

    fonts.ensure()  # the language's script, when the system has no font for it
    return app


def create_wizard(config_path: Path | None = None, site_config: Path | None = None,
                  resume: str | None = None):
    """The wizard for this computer: the administrator's site file (site_config, else
    MAILWIZARD_SITE_CONFIG, else the system-wide one) gives defaults, locks and the settings
    file's place unless config_path says otherwise."""
    from mailwizard.core.admin.site import (SiteConfig, SiteConfigError, load_site_config,
                                      resolve_config_path)
    from mailwizard.gui.wizard import MailWizard

    try:
        site, site_error = load_site_config(site_config), ""
    except SiteConfigError as exc:  # the user cannot fix it: say so, and go on without it
        site, site_error = SiteConfig(), str(exc)
    path = resolve_config_path(config_path, site)
    saved, error, damaged = None, "", False
    if path.exists():
        from mailwizard.core.store.config import ConfigError, read_config

        try:
            saved = read_config(path)
        except ConfigError as exc:
            error, damaged = str(exc), exc.kind == "damaged"
    # A damaged file is kept beside the new one when the user saves; a newer version's file
    # is never replaced (saving then says so).
    wizard = MailWizard(config_path=path, saved=saved, load_error=error,
                        replace_damaged=damaged, site=site, site_error=site_error,
                        resume=resume)
    return wizard


def _no_display() -> bool:
    """On Linux without X11/Wayland, Qt would abort with a fatal error: say it in words."""
    import os

    return (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"))


def start_language(argv: list[str]) -> str:
    """The wizard's language at start: --lang, MAILWIZARD_LANG, the site file's, the one last
    chosen on the first page, the system's (Qt asked only when the environment names none: a
    macOS app started from the Finder)."""
    from mailwizard.core import i18n

    return i18n.setup(argv, system=lambda: QLocale.system().name(), site=_site_language,
                      chosen=i18n.remembered)


def main(argv: list[str] | None = None) -> int:
    import os

    from mailwizard.core import i18n

    start_language(argv or [])
    if _no_display():
        # Translators: follows "mailwizard: " (hence the small first letter).
        print("mailwizard: " + i18n._("no desktop display was found, so the wizard window "
                                      "cannot open.") + "\n"
              + i18n._("Run it on the computer's desktop, or use the command line instead:")
              + "\n  mailwizard --help", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    install_log_redaction()
    app = make_application(sys.argv[:1] + (argv or []))
    def option(name: str) -> Path | None:
        if argv and name in argv and argv.index(name) + 1 < len(argv):
            return Path(argv[argv.index(name) + 1])
        return None

    resume = option("--resume")
    wizard = create_wizard(option("--config"), option("--site-config"),
                           resume=str(resume) if resume else None)
    from PySide6.QtWidgets import QMessageBox

    if wizard.site_error:
        QMessageBox.warning(wizard, wizard.tr("Administrator settings not used"),
                            wizard.site_error + "\n\n" + wizard.tr(
                                "The wizard works without them. Please tell your IT "
                                "contact."))
    if wizard.load_error:
        QMessageBox.warning(wizard, wizard.tr("Saved settings not readable"),
                            wizard.load_error + ("\n\n" + wizard.tr(
                                "You can set up email again; the damaged file is kept beside "
                                "the new one.") if wizard.replace_damaged else ""))
    wizard.show()
    report = os.environ.get("MAILWIZARD_FONT_REPORT")
    if report:  # for IT and the release checks: which letters this computer cannot draw
        from PySide6.QtCore import QTimer

        from mailwizard.gui import fonts

        QTimer.singleShot(300, wizard, lambda: (fonts.write_report(wizard, report),
                                                app.quit()))
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))


def _site_language(path: str | None) -> str | None:
    # read only when neither --lang nor MAILWIZARD_LANG names a language
    from mailwizard.core.admin.site import site_language

    return site_language(path)
