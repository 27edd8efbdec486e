"""A system library Qt needs is missing (a fresh or minimal Linux): `mailwizard gui` names the
library and the package to install, with exit code 9, never "unexpected internal error".

The library is really missing for the process: it runs in a private mount namespace (unshare,
as root) where the system's library folder is replaced by links to every file in it but the
library's own. The same in a whole fresh Debian root: tests/packaging/fresh_debian_check.py."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mailwizard.core import exitcodes as ec
from mailwizard.gui.syslibs import PACKAGES, missing_library, packages_to_install

MAILWIZARD = Path(sys.executable).with_name("mailwizard")

HIDE = r"""
set -e
lib=$(dirname "$(readlink -f "$(ldconfig -p | grep -m1 -F "$1 " | sed 's/.*=> //')")")
orig=$2; links=$3
mount --bind "$lib" "$orig"
for f in "$orig"/*; do
  case "${f##*/}" in "$1"*) ;; *) ln -s "$f" "$links/${f##*/}" ;; esac
done
mount --bind "$links" "$lib"
shift 3
exec "$@"  # the mounts end with the namespace, when this process does
"""


def without(tmp_path: Path, library: str, *argv: str) -> subprocess.CompletedProcess:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.fail("this test hides a library in a private mount namespace: it needs root "
                    "and unshare (util-linux), as scripts/test.sh runs it")
    (tmp_path / "orig").mkdir()
    (tmp_path / "links").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", MAILWIZARD_LANG="en")
    return subprocess.run(["unshare", "-m", "sh", "-c", HIDE, "hide", library,
                           str(tmp_path / "orig"), str(tmp_path / "links"), *argv],
                          capture_output=True, text=True, env=env, timeout=120)


def test_without_glib_the_wizard_names_the_library_and_the_package(tmp_path):
    p = without(tmp_path, "libglib-2.0.so.0", str(MAILWIZARD), "gui")
    assert p.returncode == ec.MISSING_LIBRARY, p
    assert "libglib-2.0.so.0" in p.stderr and "libglib2.0-0" in p.stderr, p.stderr
    assert "sudo apt install " + " ".join(PACKAGES) in p.stderr
    assert "mailwizard --help" in p.stderr
    assert "internal error" not in p.stderr and "Traceback" not in p.stderr, p.stderr


def test_without_egl_the_same_names_libegl1_first(tmp_path):
    p = without(tmp_path, "libEGL.so.1", str(MAILWIZARD))  # no command: the wizard too
    assert p.returncode == ec.MISSING_LIBRARY, p
    assert "libEGL.so.1" in p.stderr
    assert "sudo apt install libegl1 libglib2.0-0 libgl1 libfontconfig1" in p.stderr, p.stderr


def test_the_command_line_works_without_the_library(tmp_path):
    p = without(tmp_path, "libglib-2.0.so.0", str(MAILWIZARD), "providers")
    assert p.returncode == 0 and "gmail" in p.stdout, p


def test_a_library_without_a_known_package_is_still_named():
    with pytest.raises(OSError) as caught:  # the loader's own words
        ctypes.CDLL("libmailwizard-not-there.so.3")
    assert missing_library(caught.value) == ("libmailwizard-not-there.so.3", None)
    assert packages_to_install(None) == list(PACKAGES)
    assert missing_library(ImportError("No module named 'PySide6'")) is None
