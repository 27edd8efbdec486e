"""A real X server (Xvfb) of the test's own, and a real window manager (openbox) on it, for
the GUI tests that run a probe as a person's desktop would (window fit, screen reader).

Why not `xvfb-run -a`: it picks the first display number without a lock file, so two runs at
once (the suite's, another checkout's) can choose the same number; and its Xvfb resets when
its last client leaves, closing every connection still being set up at that moment (a window
manager starting while a probe's `xprop` disconnects was refused: "Failed to open the display",
seen under load). Here Xvfb picks a free number itself and says which once it accepts
connections (-displayfd), never resets (-noreset), and admits only clients holding this run's
cookie, so a client can never talk to someone else's server unnoticed."""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

#: how long a loaded machine may take to start Xvfb or openbox (a deadline, not a wait)
STARTUP_DEADLINE = 90.0


def _write_cookie(path: Path) -> None:
    """An Xauthority file whose one MIT-MAGIC-COOKIE-1 entry matches any display number and
    address (FamilyWild, no number): the server loads it with -auth, clients find it through
    XAUTHORITY, whatever display number Xvfb chooses."""
    def counted(data: bytes) -> bytes:
        return struct.pack(">H", len(data)) + data

    entry = (struct.pack(">H", 0xFFFF) + counted(b"") + counted(b"")
             + counted(b"MIT-MAGIC-COOKIE-1") + counted(secrets.token_bytes(16)))
    path.write_bytes(entry)
    path.chmod(0o600)


def _read_display(xvfb: subprocess.Popen, fd: int, log: Path) -> str:
    """The display number Xvfb writes to `fd` once it accepts connections."""
    deadline, got = time.monotonic() + STARTUP_DEADLINE, b""
    while not got.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        chunk = os.read(fd, 64) if ready else b""
        if not chunk:  # Xvfb ended without a number, or the deadline passed
            xvfb.kill()
            xvfb.wait()
            raise RuntimeError(f"Xvfb did not start within {STARTUP_DEADLINE:.0f} s:\n"
                               + log.read_text(errors="replace")[-3000:])
        got += chunk
    return ":" + got.decode().strip()


@contextlib.contextmanager
def x_server(tmp: Path, screen: str = "1280x800") -> Iterator[dict[str, str]]:
    """Xvfb with one screen of `screen` pixels (24-bit colour); yields the DISPLAY and
    XAUTHORITY a client needs. Stopped, and waited for, on leaving."""
    if not shutil.which("Xvfb"):
        raise RuntimeError("Xvfb is missing: scripts/test.sh installs it (xvfb)")
    auth, log = tmp / "Xauthority", tmp / "xvfb.log"
    _write_cookie(auth)
    read_end, write_end = os.pipe()
    with open(log, "wb") as err:
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{screen}x24",
             "-nolisten", "tcp", "-noreset", "-auth", str(auth)],
            pass_fds=[write_end], stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    os.close(write_end)
    try:
        display = _read_display(xvfb, read_end, log)
        yield {"DISPLAY": display, "XAUTHORITY": str(auth)}
    finally:
        os.close(read_end)
        _stop(xvfb)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STARTUP_DEADLINE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _managing(env: dict[str, str]) -> bool:
    """A window manager has said on the root window that it runs (it has taken the screen's
    WM selection and redirects new windows to itself before it sets this property)."""
    seen = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env,
                          capture_output=True, text=True)
    return "window id" in seen.stdout


@contextlib.contextmanager
def window_manager(env: dict[str, str], tmp: Path) -> Iterator[None]:
    """openbox on the X server of `env` (x_server's, plus the rest of the environment), once
    it manages windows; stopped on leaving. Fails at once, with openbox's words, if openbox
    ends first."""
    for tool in ("openbox", "xprop"):
        if not shutil.which(tool):
            raise RuntimeError(f"{tool} is missing: scripts/test.sh installs it "
                               f"(openbox, x11-utils)")
    log = tmp / "openbox.log"
    with open(log, "wb") as out:
        wm = subprocess.Popen(["openbox", "--sm-disable"], env=env, stdin=subprocess.DEVNULL,
                              stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while not _managing(env):
            if wm.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("openbox did not start: "
                                   + log.read_text(errors="replace")[-3000:])
            time.sleep(0.05)  # the poll's interval: the condition above is what is waited on
        yield
    finally:
        _stop(wm)
