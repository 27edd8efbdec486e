"""One way to read the files in resources/, installed as the package mailwizard.resources."""

from __future__ import annotations

from pathlib import Path


def _folder() -> Path | None:
    """The package's folder when its files are plain files (source, wheel, bundle): found
    without importlib.resources, whose import (tempfile, shutil, bz2, lzma …) costs ≈ 5 ms
    of the wizard's start. None otherwise (e.g. from a zip): then importlib.resources."""
    import mailwizard.resources as package

    for entry in getattr(package, "__path__", ()):
        folder = Path(entry)
        if folder.is_dir():
            return folder
    return None


def resource_path(name: str) -> Path:
    """A real file path (for Qt, which wants paths); works from source, wheel and bundle."""
    folder = _folder()
    if folder is not None and (folder / name).is_file():
        return folder / name
    from importlib import resources

    ref = resources.files("mailwizard.resources").joinpath(name)
    return Path(str(ref))


def read_resource_bytes(name: str) -> bytes:
    folder = _folder()
    if folder is not None and (folder / name).is_file():
        return (folder / name).read_bytes()
    from importlib import resources

    return resources.files("mailwizard.resources").joinpath(name).read_bytes()
