"""Where the administrator's site file and the ERP vendor's file are (core/admin/site.py
reads and checks them, and re-exports these names): found with the standard library alone,
so that a run can tell there is no such file, and so no site language to read, without
importing the site file's reader and checker.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mailwizard.core.store.paths import xdg_config_dir

SITE_ENV = "MAILWIZARD_SITE_CONFIG"
#: The ERP vendor's file, baked into its bundle at packaging time (mailwizard/vendor/
#: vendor.toml beside the package; MAILWIZARD_VENDOR_FILE names another): the same format as
#: a site file, read first, so that the administrator's site file overrides it.
VENDOR_ENV = "MAILWIZARD_VENDOR_FILE"
VENDOR_FILENAME = "vendor.toml"
SITE_FILENAMES = ("site.toml", "site.json")


def default_site_dir() -> Path:
    """The platform's folder for the site file (where: core/admin/site.py's docstring)."""
    if sys.platform == "darwin":
        # Fixed, not platformdirs' guess: a Homebrew Python would otherwise look in
        # $(brew --prefix)/share, which no administrator would think of.
        return Path("/Library/Application Support/mailwizard")
    if sys.platform.startswith("linux"):
        return Path(xdg_config_dir(site=True)) / "mailwizard"
    from platformdirs import site_config_dir

    return Path(site_config_dir("mailwizard", appauthor=False))


def site_file_path(path: Path | str | None = None) -> tuple[Path | None, Path]:
    """(the site file to read or None, where it was looked for): `path`, else
    $MAILWIZARD_SITE_CONFIG, else site.toml / site.json in the platform's folder."""
    explicit = path or os.environ.get(SITE_ENV)
    if explicit:
        p = Path(explicit).expanduser()
        return p, p
    folder = default_site_dir()
    for name in SITE_FILENAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate, folder
    return None, folder


def vendor_file_path() -> Path | None:
    """The vendor file: $MAILWIZARD_VENDOR_FILE, else mailwizard/vendor/vendor.toml beside the
    installed package (where the bundle's spec puts it); None when there is none."""
    env = os.environ.get(VENDOR_ENV)
    if env:
        return Path(env).expanduser()
    import mailwizard

    candidate = Path(mailwizard.__file__).resolve().parent / "vendor" / VENDOR_FILENAME
    return candidate if candidate.is_file() else None


def site_files_exist(path: Path | str | None = None) -> bool:
    """Whether there is a site file (`path`, $MAILWIZARD_SITE_CONFIG or the platform's) or a
    vendor file to read."""
    file, _searched = site_file_path(path)
    return file is not None or vendor_file_path() is not None
