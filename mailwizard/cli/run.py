"""This run's state (the command it runs), the failure that ends a command with an exit code
and its words, and the site file read once per run: what every command module shares and
needs before anything else (cli/common.py re-exports them)."""

from __future__ import annotations

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _


class _Run:
    """This run's state: the command it runs (for the --json envelope and --debug)."""

    command: str | None = None


RUN = _Run()


class _Fail(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def _site(args):
    """The site file's settings (read once per run); a bad file is exit code 3."""
    site = getattr(args, "_site", None)
    if site is None:
        from mailwizard.core.admin.site import SiteConfigError, load_site_config

        try:
            site = load_site_config(args.site_config)
        except SiteConfigError as exc:
            raise _Fail(ec.INVALID_SETTINGS, site_file_message(exc)) from None
        args._site = site
    return site


def site_file_message(exc) -> str:
    """A damaged site file, in words (the error names the file, the key and the problem)."""
    # Translators: {problem} is the site file's path, the key and what is wrong with it.
    return _("site file {problem}").format(problem=exc)
