"""The system libraries the wizard's Qt needs and that a desktop normally has (the bundle does
not carry them: packaging/README.md, "What is filtered"), with the Debian/Ubuntu package of
each, so that a missing one is named with the package to install instead of ending as an
internal error. Imports no Qt: it runs when importing Qt has just failed."""

from __future__ import annotations

import re

#: What a fresh Debian 12 (debootstrap minbase) needs for the bundle's wizard to open
#: (tests/packaging/fresh_debian_check.py installs exactly these); packaging/README.md lists them.
PACKAGES = ("libglib2.0-0", "libgl1", "libegl1", "libfontconfig1", "libdbus-1-3")

#: soname -> the Debian/Ubuntu package that ships it (Ubuntu 24.04 renamed some with a "t64"
#: suffix; apt picks the new name when given the old one).
PACKAGE_OF = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgmodule-2.0.so.0": "libglib2.0-0",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libexpat.so.1": "libexpat1",
    "libz.so.1": "zlib1g",
    "libpng16.so.16": "libpng16-16",
    "libharfbuzz.so.0": "libharfbuzz0b",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
    "libstdc++.so.6": "libstdc++6",
}

_SONAME = re.compile(r"([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")


def missing_library(error: BaseException) -> tuple[str, str | None] | None:
    """(soname, Debian package or None) when `error` (an ImportError or OSError from loading
    Qt) says a shared library could not be found; None for any other error."""
    if not isinstance(error, (ImportError, OSError)):
        return None
    found = _SONAME.search(str(error))
    if found is None:
        return None
    soname = found.group(1)
    return soname, PACKAGE_OF.get(soname)


def packages_to_install(package: str | None) -> list[str]:
    """The missing library's package first, then every other one the wizard needs: one
    `apt install` then opens it, rather than one library at a time."""
    first = [package] if package else []
    return first + [p for p in PACKAGES if p not in first]
