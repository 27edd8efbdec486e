"""Benchmark of the GUI, each figure against a baseline measured in the same run.

1. Start-up: whole processes (subprocess, alternating, N runs each) from process start to the
   first event-loop turn after the wizard is shown: mailwizard versus a bare PySide6 QWizard
   with 7 plain pages. Wall time around the process, plus the in-child time from the top of
   the script (that one excludes interpreter start-up). Target (issue 25): ratio <= 1.25x, of
   the medians; the ratios of the pairs run back to back are summed up beside it (median and
   range: on a busy machine the two medians drift from one run to the next). The mailwizard
   child also reports which heavy modules are loaded (expected: none).
2. Event-loop stall during a validation: the wizard is walked to the validation page with a
   loopback server that drips its SMTP greeting and EHLO reply (one byte every 40 ms), and a
   5 ms QTimer heartbeat records the gaps while the check runs on the worker thread; the
   baseline is the same heartbeat, for as long, with the wizard idle. Target: worst gap < 50 ms.

Run:  .venv/bin/python benchmarks/bench_gui.py [--runs 15]
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402

from servers import RawServer  # noqa: E402

HEAVY = ("exchangelib", "dns", "oauthlib", "requests_oauthlib", "authlib", "msal", "requests")

_SHOWN = """
def _shown():
    print(f"SHOWN {(time.perf_counter() - T0) * 1000:.2f}", flush=True)
    app.quit()
QTimer.singleShot(0, _shown)
app.exec()
"""
BARE_CHILD = """import time; T0 = time.perf_counter()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard, QWizardPage
app = QApplication([])
w = QWizard()
for i in range(7):
    page = QWizardPage()
    page.setTitle(f"Page {i + 1}")
    w.addPage(page)
w.show()
""" + _SHOWN
MW_CHILD = """import time; T0 = time.perf_counter()
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from mailwizard.gui.app import make_application, create_wizard
app = make_application([])
w = create_wizard(Path(sys.argv[1]))
w.show()
HEAVY = %r
print("LOADED", ",".join(m for m in HEAVY if m in sys.modules) or "none", flush=True)
""" % (HEAVY,) + _SHOWN


#: The children's interpreter: a plain install of this tree (benchmarks/installed.py), or with
#: --editable the development venv (whose import finder both children then pay).
PYTHON, CWD = sys.executable, str(ROOT)


def run_child(code: str, *args: str) -> tuple[float, float, str]:
    """(wall ms of the whole process, in-child ms from the script's top, stdout)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    t0 = time.perf_counter()
    p = subprocess.run([PYTHON, "-c", code, *args], capture_output=True, text=True,
                       env=env, cwd=CWD, timeout=60)
    wall = (time.perf_counter() - t0) * 1000
    if p.returncode != 0 or "SHOWN" not in p.stdout:
        sys.exit(f"child failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    shown = float(p.stdout.split("SHOWN ")[1].split()[0])
    return wall, shown, p.stdout


def bench_startup(runs: int, tmp: Path) -> dict:
    missing = str(tmp / "no-such-dir" / "config.toml")
    bare, mw = lambda: run_child(BARE_CHILD), lambda: run_child(MW_CHILD, missing)
    bare(), mw()  # warm the disk cache; not counted
    res = {"bare": ([], []), "mw": ([], [])}
    loaded = set()
    for i in range(runs):
        order = (("bare", bare), ("mw", mw)) if i % 2 == 0 else (("mw", mw), ("bare", bare))
        for name, fn in order:
            wall, shown, out = fn()
            res[name][0].append(wall)
            res[name][1].append(shown)
            if name == "mw":
                loaded.add(out.split("LOADED ")[1].split()[0])
    med = {k: (statistics.median(w), statistics.median(s)) for k, (w, s) in res.items()}
    pairs = sorted(m / b for b, m in zip(res["bare"][0], res["mw"][0]))  # wall, per pair
    return {"med": med, "loaded": ", ".join(sorted(loaded)), "pairs": pairs}


def slow_smtp(conn, stop: threading.Event) -> None:
    """Greets and answers EHLO one byte every 40 ms, then hangs up."""
    def drip(data: bytes) -> bool:
        for i in range(len(data)):
            if stop.wait(0.04):
                return False
            conn.sendall(data[i:i + 1])
        return True

    if not drip(b"220 slow.test ESMTP\r\n"):
        return
    conn.settimeout(10)
    buf = b""
    while b"\r\n" not in buf:
        chunk = conn.recv(1024)
        if not chunk:
            return
        buf += chunk
    drip(b"250-slow.test\r\n250 8BITMIME\r\n")
    conn.close()


class Heartbeat:
    """A 5 ms precise QTimer; gaps between its timeouts in ms."""

    def __init__(self):
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.stamps.append(time.perf_counter()))
        self.stamps: list[float] = []

    def start(self) -> None:
        self.stamps = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return [(b - a) * 1000 for a, b in zip(self.stamps, self.stamps[1:])]


def bench_stall(tmp: Path) -> dict:
    from mailwizard.core.flow import Step, missing
    from mailwizard.gui.app import create_wizard, make_application

    app = make_application([])
    w = create_wizard(tmp / "no-such-dir" / "config.toml")
    server = RawServer(slow_smtp)
    hb = Heartbeat()
    try:
        w.show()
        assert w.currentId() == Step.SERVICE, w.currentId()
        w.next()  # SMTP is preselected
        prov = w.pages[Step.PROVIDER]
        prov.email.setText("bench@example.org")
        item = next(prov.list.item(i) for i in range(prov.list.count())
                    if prov.list.item(i).data(Qt.UserRole) == "custom")
        prov.list.setCurrentItem(item)
        w.next()
        acc = w.pages[Step.ACCOUNT]
        acc.host.setText("127.0.0.1")
        acc.host.textEdited.emit("127.0.0.1")
        acc.port.setValue(server.port)
        acc.security.setCurrentIndex(acc.security.findData("none"))
        acc.auth.setCurrentIndex(acc.auth.findData("none"))
        assert not missing(Step.ACCOUNT, w.state), missing(Step.ACCOUNT, w.state)
        page = w.pages[Step.VALIDATE]
        page.ensure_built()  # pages build their widgets on first entry; we need one early
        page.send_test.setChecked(False)

        w.next()  # the test page opens; the check starts when asked
        assert w.currentId() == Step.VALIDATE and not page.busy()
        t0 = time.perf_counter()
        page.test_button.click()  # starts the check on a worker thread
        next_ms = (time.perf_counter() - t0) * 1000
        assert page.busy()
        loop = QEventLoop()
        page.runner.finished.connect(loop.quit)  # handed over on the GUI thread
        QTimer.singleShot(30_000, loop.quit)  # safety net
        t0 = time.perf_counter()
        hb.start()
        loop.exec()
        busy = hb.stop()
        duration = time.perf_counter() - t0
        assert page.result is not None, "the check did not finish within 30 s"

        hb.start()  # baseline: same heartbeat, same duration, wizard idle
        QTimer.singleShot(round(duration * 1000), loop.quit)
        loop.exec()
        idle = hb.stop()
        outcome = "passed" if page.result.ok else f"failed ({page.result.failure.kind})"
        return {"busy": busy, "idle": idle, "next_ms": next_ms, "duration": duration,
                "outcome": outcome, "check_ms": page.result.elapsed_ms}
    finally:
        w.done(0)  # close without the "close without saving?" question
        w.pool.waitForDone(5000)
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="start-up runs of each (default 15)")
    ap.add_argument("--editable", action="store_true",
                    help="start the children from the development venv's editable install")
    args = ap.parse_args()
    global PYTHON, CWD
    if not args.editable:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from installed import CWD as place, installed_python

        PYTHON, CWD = installed_python(), place
    import compileall

    import mailwizard

    # byte-compiled as pip leaves an installed package, even where PYTHONDONTWRITEBYTECODE is set
    compileall.compile_dir(str(Path(mailwizard.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"start-up: {args.runs} runs of each, alternating ...", flush=True)
        st = bench_startup(args.runs, tmp)
        print("event-loop stall: validation against a slow loopback server ...", flush=True)
        sl = bench_stall(tmp)

    (bw, bs), (mw, ms) = st["med"]["bare"], st["med"]["mw"]
    busy, idle = sl["busy"], sl["idle"]
    print()
    print(f"1. start-up to first wizard page shown (median of {args.runs} runs)")
    print(f"   {'':28} {'process wall':>12} {'in-child':>10}")
    print(f"   {'bare QWizard, 7 pages':28} {bw:9.1f} ms {bs:7.1f} ms")
    print(f"   {'mailwizard':28} {mw:9.1f} ms {ms:7.1f} ms")
    pairs = st["pairs"]
    print(f"   {'ratio mailwizard/bare':28} {mw / bw:10.2f}x {ms / bs:8.2f}x"
          f"   (target <= 1.25x: {'ok' if mw / bw <= 1.25 else 'MISSED'})")
    print(f"   wall ratio of each pair: median {statistics.median(pairs):.2f}x, "
          f"range {pairs[0]:.2f}-{pairs[-1]:.2f}x")
    print("   (in-child = top of the -c script to first loop turn; excludes interpreter start)")
    print(f"   heavy modules loaded in the mailwizard child: {st['loaded']}")
    print()
    print(f"2. 5 ms heartbeat during a validation ({sl['duration']:.2f} s; check "
          f"{sl['check_ms']:.0f} ms, {sl['outcome']})")
    print(f"   {'':28} {'beats':>6} {'worst gap':>10} {'median gap':>11}")
    for name, gaps in (("check running", busy), ("idle baseline", idle)):
        print(f"   {name:28} {len(gaps):6d} {max(gaps):7.1f} ms {statistics.median(gaps):8.2f} ms")
    print(f"   worst gap under 50 ms: {'yes' if max(busy) < 50 else 'NO'}")
    print(f"   Next -> validation page (synchronous, before the heartbeat): "
          f"{sl['next_ms']:.1f} ms")


if __name__ == "__main__":
    main()
