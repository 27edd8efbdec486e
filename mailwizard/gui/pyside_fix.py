"""A guard against a PySide6 fault that aborts the wizard after long use.

PySide6 6.12.0 on Python 3.11 hands None, True and False back to Python without a reference
(from Python 3.12 on those objects are immortal, so it goes unnoticed there): every call that
returns nothing (setText, show, …), every Signal.emit() and every Python task QThreadPool runs
drops one reference, and after some ten thousand calls Python aborts with "Fatal Python
error: none_dealloc" (measured here: 100 calls of QLabel.setText, 100 references gone).
Checked once at start-up; where it happens, the three objects get 2**40 extra references:
immortal in practice, as on Python 3.12."""

from __future__ import annotations

import sys

_checked = False
applied = False


def guard() -> bool:
    """Apply the fix if this PySide6 needs it; True when it was applied (once per process)."""
    global _checked, applied
    if _checked:
        return applied
    _checked = True
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(32):
        probe.setObjectName("probe")
    lost = before - sys.getrefcount(None)
    if lost < 32:
        return False
    import ctypes

    for obj in (None, True, False):  # ob_refcnt is the first field of every object
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40
    applied = True
    return True
