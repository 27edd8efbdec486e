"""One way to read the files in resources/, installed as the package mailwizard.resources."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_path(name: str) -> Path:
    """A real file path (for Qt, which wants paths); works from source, wheel and bundle."""
    ref = resources.files("mailwizard.resources").joinpath(name)
    return Path(str(ref))


def read_resource_bytes(name: str) -> bytes:
    return resources.files("mailwizard.resources").joinpath(name).read_bytes()
