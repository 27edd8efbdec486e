"""Runs the release artifact on a fresh, minimal Debian 12 (no Python, no Qt), with exactly the
system packages packaging/README.md documents.

Run by scripts/test-packaging.sh after bundle_check.py, as root (debootstrap, chroot, mount).
Not collected by pytest. The root is made once per machine with debootstrap --variant=minbase
from Debian's mirror and kept as a tarball in the cache folder (MAILWIZARD_CI_CACHE, default
~/.cache/mailwizard-ci); every run unpacks a fresh copy of it, works inside with chroot, and
removes it. The wizard's window goes to an Xvfb started here on the host, whose socket is
bind-mounted into the root (so the root gets no X server, only what users install). The
first page is grabbed from that display into packaging/build/fresh-debian-first-page.png.

Checks, in order: the root has no Python and no Qt; `tar --zstd` cannot unpack the artifact
there until `zstd` is installed; with it, `--version` and `providers` work; the wizard, before
Qt's libraries are installed, ends with exit code 9 naming libglib-2.0.so.0 and its package;
then, with exactly mailwizard.gui.syslibs.PACKAGES (the list packaging/README.md shows) and
--no-install-recommends, the wizard opens its first page on the X display; the root has no
Devanagari or Tamil font, and the wizard started with LANG=hi_IN.UTF-8 and with --lang ta
draws every letter of its first page with the fonts the bundle carries (the probe: the
wizard's own MAILWIZARD_FONT_REPORT, gui/fonts.py — Qt's font database says the script has a
font, QFontMetrics.inFontUcs4 holds for every letter shown; its screenshots go to
packaging/build/fresh-debian-first-page-<language>.png). Ends with
"fresh Debian: N passed, N failed"."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from mailwizard.core.i18n import SCRIPTS  # noqa: E402
from mailwizard.gui.syslibs import PACKAGES  # noqa: E402

SUITE = "bookworm"
MIRROR = os.environ.get("MAILWIZARD_DEBIAN_MIRROR", "http://deb.debian.org/debian")
CACHE = Path(os.environ.get("MAILWIZARD_CI_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
             / "mailwizard-ci")
#: What unpacks the artifact (packaging/README.md says to install it).
UNPACK = ("zstd",)
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

results: list[tuple[str, bool, str]] = []


def check(name):
    def run(fn):
        try:
            detail = fn() or ""
            results.append((name, True, detail))
            print(f"  ok    {name}{': ' + detail if detail else ''}", flush=True)
        except Exception as exc:
            msg = str(exc) if isinstance(exc, AssertionError) else traceback.format_exc()
            results.append((name, False, msg))
            print(f"  FAIL  {name}: {msg}", flush=True)
        return fn
    return run


def sh(*argv, timeout=600, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          timeout=timeout, **kw)


def root_tarball() -> tuple[Path, str]:
    """The cached minimal root, made with debootstrap the first time on this machine."""
    arch = sh("dpkg", "--print-architecture").stdout.strip() or platform.machine()
    tarball = CACHE / f"debian-{SUITE}-minbase-{arch}.tar"
    if tarball.is_file():
        return tarball, f"cached {tarball}"
    if shutil.which("debootstrap") is None:
        raise SystemExit("debootstrap is not installed (scripts/test-packaging.sh installs it)")
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="debootstrap-", dir=CACHE))
    try:
        started = time.monotonic()
        p = sh("debootstrap", "--variant=minbase", SUITE, work / "root", MIRROR, timeout=1800)
        if p.returncode != 0:
            raise SystemExit(f"debootstrap failed ({p.returncode}):\n{p.stdout[-3000:]}"
                             f"{p.stderr[-3000:]}")
        made = time.monotonic() - started
        partial = tarball.with_name(f"{tarball.name}.{os.getpid()}.partial")  # two runs at once
        sh("tar", "--numeric-owner", "-C", work / "root", "-cf", partial, ".", timeout=600)
        partial.rename(tarball)
        return tarball, (f"made with debootstrap in {made:.0f} s, kept as {tarball} "
                         f"({tarball.stat().st_size / 1e6:.0f} MB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--artifact", type=Path, default=None,
                    help="default: dist/mailwizard-*-linux-*.tar.zst")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("fresh_debian_check.py needs root (debootstrap, chroot, mount)")
    for tool in ("chroot", "Xvfb", "xwininfo", "mount"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (scripts/test-packaging.sh installs it)")
    found = [args.artifact] if args.artifact else sorted((ROOT / "dist").glob(
        "mailwizard-*-linux-*.tar.zst"))
    if len(found) != 1:
        raise SystemExit(f"expected one release artifact in dist/: {found}")
    artifact = found[0]
    started = time.monotonic()
    print(f"Checking {artifact.name} on a fresh Debian {SUITE} root")

    tarball, how = root_tarball()
    print(f"  root: {how}")
    root = Path(tempfile.mkdtemp(prefix="fresh-debian-"))
    mounts: list[Path] = []
    xvfb = wizard = None
    display = ""
    try:
        t = time.monotonic()
        sh("tar", "--numeric-owner", "-C", root, "-xf", tarball, timeout=600).check_returncode()
        print(f"  root unpacked in {time.monotonic() - t:.1f} s")
        shutil.copy("/etc/resolv.conf", root / "etc" / "resolv.conf")
        (root / "tmp" / ".X11-unix").mkdir(parents=True, exist_ok=True)
        for what, where, opts in (("proc", "proc", ["-t", "proc"]),
                                  ("/dev", "dev", ["--bind"]),
                                  ("/tmp/.X11-unix", "tmp/.X11-unix", ["--bind"])):
            if what.startswith("/tmp"):
                os.makedirs(what, mode=0o1777, exist_ok=True)
            sh("mount", *opts, what, root / where).check_returncode()
            mounts.append(root / where)
        shutil.copy(artifact, root / "opt" / artifact.name)
        exe = "/opt/mailwizard/mailwizard"

        def inside(script: str, *, env=None, timeout=600) -> subprocess.CompletedProcess:
            base = {"PATH": PATH, "HOME": "/root", "LANG": "C.UTF-8",
                    "DEBIAN_FRONTEND": "noninteractive"}
            envs = [f"{k}={v}" for k, v in {**base, **(env or {})}.items()]
            return sh("chroot", root, "/usr/bin/env", "-i", *envs, "/bin/sh", "-c", script,
                      timeout=timeout)

        def apt_install(*packages: str) -> str:
            t = time.monotonic()
            p = inside("apt-get install -y -qq --no-install-recommends "
                       + " ".join(packages))
            assert p.returncode == 0, f"apt-get install failed: {p.stdout[-2000:]}{p.stderr}"
            return f"{time.monotonic() - t:.0f} s"

        @check("the fresh root has no Python and no Qt libraries")
        def _():
            p = inside("command -v python3; ls /usr/lib/*/libglib-2.0.so.0 /usr/lib/*/libEGL.so.1"
                       " 2>/dev/null; true")
            assert p.stdout.strip() == "", f"found: {p.stdout}"

        @check("tar --zstd cannot unpack the artifact before zstd is installed")
        def _():
            p = inside(f"cd /opt && tar --zstd -xf {artifact.name}")
            assert p.returncode != 0, "it unpacked: packaging/README.md's zstd step is moot"
            return p.stderr.strip().splitlines()[0] if p.stderr.strip() else ""

        @check("apt-get update in the root")
        def _():
            t = time.monotonic()
            p = inside("apt-get update -qq")
            assert p.returncode == 0, p.stderr
            return f"{time.monotonic() - t:.0f} s"

        @check(f"with {' '.join(UNPACK)}: the artifact unpacks, --version and providers work")
        def _():
            took = apt_install(*UNPACK)
            p = inside(f"cd /opt && tar --zstd -xf {artifact.name} && {exe} --version && "
                       f"{exe} providers")
            assert p.returncode == 0, p
            assert p.stdout.startswith("mailwizard ") and "gmail" in p.stdout, p.stdout
            return f"installed in {took}; {p.stdout.splitlines()[0]}"

        @check("without Qt's system libraries, the wizard names the missing one (exit 9)")
        def _():
            p = inside(f"{exe} gui", env={"DISPLAY": ":0"}, timeout=120)
            assert p.returncode == 9, p
            assert "libglib-2.0.so.0" in p.stderr and "sudo apt install libglib2.0-0" \
                in p.stderr, p.stderr
            assert "internal error" not in p.stderr and "Failed to execute" not in p.stderr, \
                p.stderr
            return p.stderr.strip().splitlines()[0]

        @check("packaging/README.md lists exactly the packages installed next")
        def _():
            text = (ROOT / "packaging" / "README.md").read_text(encoding="utf-8")
            line = "apt install " + " ".join(UNPACK + PACKAGES)
            assert line in text, f"packaging/README.md should show `{line}`"

        @check(f"with exactly {' '.join(PACKAGES)}: the wizard's first page opens under Xvfb")
        def _():
            nonlocal xvfb, wizard, display
            took = apt_install(*PACKAGES)
            read, write = os.pipe()
            xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0",
                                     "1024x768x24", "-nolisten", "tcp"], pass_fds=(write,),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(write)
            with os.fdopen(read) as f:
                display = ":" + f.readline().strip()
            log = root / "root" / "wizard.log"
            wizard = subprocess.Popen(
                ["chroot", str(root), "/usr/bin/env", "-i", f"PATH={PATH}", "HOME=/root",
                 "LANG=C.UTF-8", f"DISPLAY={display}", "/bin/sh", "-c",
                 f"exec {exe} gui >/root/wizard.log 2>&1"])
            host = {**os.environ, "DISPLAY": display}
            window, deadline = "", time.monotonic() + 90
            while time.monotonic() < deadline and wizard.poll() is None:
                tree = sh("xwininfo", "-root", "-tree", env=host, timeout=30).stdout
                window = next((w for w in tree.splitlines()
                               if '("mailwizard" "mailwizard")' in w and " 1x1+" not in w), "")
                if window:
                    break
                time.sleep(0.5)  # polling the display for the window (a condition)
            assert wizard.poll() is None, f"the wizard ended ({wizard.returncode}): " \
                                          f"{log.read_text(errors='replace')}"
            assert window, f"no wizard window: {log.read_text(errors='replace')}"
            shot = ROOT / "packaging" / "build" / "fresh-debian-first-page.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            grab = sh(ROOT / ".venv" / "bin" / "python", "-c",
                      "import sys; from PySide6.QtGui import QGuiApplication as A; a = A([]); "
                      "sys.exit(0 if a.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)",
                      shot, env={**host, "QT_QPA_PLATFORM": "xcb"}, timeout=60)
            errors = [w for w in log.read_text(errors="replace").splitlines()
                      if "Traceback" in w or "Error" in w or "Could not load" in w]
            assert not errors, errors
            title = window.split('"')[1] if '"' in window else window.strip()
            return (f"installed in {took}; window \"{title}\"; "
                    + (f"screenshot {shot.relative_to(ROOT)}" if grab.returncode == 0
                       else "screenshot failed: " + grab.stderr[-300:]))

        @check("the root has no Devanagari or Tamil font of its own")
        def _():
            p = inside("find / -xdev \\( -iname '*devanagari*' -o -iname '*tamil*' \\) "
                       "-not -path '/opt/*' 2>/dev/null; true")
            assert p.stdout.strip() == "", f"found: {p.stdout}"

        family = {"Devanagari": "Noto Sans Devanagari", "Tamil": "Noto Sans Tamil"}
        for how, env, args, code in (("LANG=hi_IN.UTF-8", {"LANG": "hi_IN.UTF-8"}, "", "hi"),
                                     ("--lang ta", {}, " --lang ta", "ta")):
            @check(f"with {how}: the bundle's {SCRIPTS[code]} font draws the first page")
            def _(env=env, args=args, code=code):
                assert display, "no X display: the first-page check did not get that far"
                report = f"/root/fonts-{code}.json"
                p = inside(f"{exe} gui{args}", env={"DISPLAY": display,
                                                    "MAILWIZARD_FONT_REPORT": report, **env},
                           timeout=120)
                assert p.returncode == 0, p
                out = json.loads((root / report[1:]).read_text(encoding="utf-8"))
                assert out["language"] == code, \
                    f"the wizard is in {out['language']}: is there a {code} catalogue? {p.stderr}"
                assert out["supported"] and out["missing"] == [] and out["letters"] > 20, out
                assert family[SCRIPTS[code]] in out["registered"], out
                shot = ROOT / "packaging" / "build" / f"fresh-debian-first-page-{code}.png"
                shutil.copy(root / (report[1:] + ".png"), shot)
                return (f"registered {', '.join(out['registered'])}; {out['letters']} letters, "
                        f"none missing; screenshot {shot.relative_to(ROOT)}")
    finally:
        for proc in (wizard, xvfb):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for m in reversed(mounts):
            if sh("umount", m).returncode != 0:
                sh("umount", "-l", m)
        if any(sh("mountpoint", "-q", m).returncode == 0 for m in mounts):
            print(f"  left {root} in place: something is still mounted in it")
        else:
            shutil.rmtree(root, ignore_errors=True)

    print(f"fresh Debian checks took {time.monotonic() - started:.0f} s")
    passed = sum(ok for _, ok, _ in results)
    print(f"fresh Debian: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
