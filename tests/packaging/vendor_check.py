"""Checks a bundle built with the ERP vendor's file (scripts/test-packaging.sh builds it with
MAILWIZARD_VENDOR_FILE=tests/packaging/vendor/vendor.toml): the wizard from the bundle, on Qt's
offscreen platform, opens Connect with the vendor's client ID and Sign in enabled; an
administrator's site file still overrides it; `report` names the vendor file inside the bundle.

Run with the test environment's Python (it writes the saved settings with mailwizard's core).
Not collected by pytest. Ends with "vendor bundle: N passed, N failed"."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "tests" / "packaging" / "vendor" / "vendor.toml"
VENDOR_GOOGLE = "123456789012-vendortest.apps.googleusercontent.com"
SITE_GOOGLE = "999999999999-sitefile.apps.googleusercontent.com"

results: list[tuple[str, bool]] = []


def check(name):
    def run(fn):
        try:
            detail = fn() or ""
            results.append((name, True))
            print(f"  ok    {name}{': ' + detail if detail else ''}", flush=True)
        except Exception as exc:
            msg = str(exc) if isinstance(exc, AssertionError) else traceback.format_exc()
            results.append((name, False))
            print(f"  FAIL  {name}: {msg}", flush=True)
        return fn
    return run


def connect_log(exe: Path, config: Path, env: dict[str, str], timeout: float = 30) -> str:
    """Start the bundled wizard on "sign in again" for a saved Google connection and return
    the Connect page's log line (which client ID, and whether Sign in is enabled)."""
    proc = subprocess.Popen([str(exe), "--debug", "gui", "--resume", "password_changed",
                             "--config", str(config)], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    found = ""
    while time.monotonic() < deadline and proc.poll() is None and not found:
        found = next((ln.strip() for ln in list(lines) if "Connect with google" in ln), "")
        time.sleep(0.1)
    alive = proc.poll() is None
    proc.terminate()
    proc.wait(10)
    reader.join(5)
    assert found, f"no Connect page log (exit {proc.returncode}): {''.join(lines)[-3000:]}"
    assert alive, f"the wizard exited with {proc.returncode}"
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, required=True)
    args = ap.parse_args()
    exe = args.bundle.resolve() / "mailwizard"
    tmp = Path(tempfile.mkdtemp(prefix="vendor-check-"))
    print(f"Checking the vendor bundle {args.bundle}")

    from mailwizard.core.store.config import SavedSettings, write_config
    from mailwizard.core.oauth.flow import load_oauth_providers
    from mailwizard.core.oauth.account import connected_profile
    from mailwizard.core.store.secrets import SecretRef

    config = tmp / "mail-settings.json"
    profile = connected_profile(load_oauth_providers()["google"], "office@society.example.org")
    write_config(SavedSettings(profile=profile, secret=SecretRef("default", "refresh_token"),
                               profile_name="default"), config)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MAILWIZARD_")}  # only what the bundle carries
    env.update({"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp / "config"),
                "XDG_CONFIG_DIRS": str(tmp / "no-site")})

    @check("the vendor file is in the bundle")
    def _():
        inside = args.bundle.resolve() / "_internal" / "mailwizard" / "vendor" / "vendor.toml"
        assert inside.is_file(), f"missing: {inside}"
        assert inside.read_bytes() == VENDOR.read_bytes(), "not the vendor's file"
        return str(inside.relative_to(args.bundle.resolve()))

    @check("Connect uses the vendor's client ID, Sign in enabled (offscreen)")
    def _():
        line = connect_log(exe, config, env)
        assert f"client ID {VENDOR_GOOGLE}" in line and "Sign in is enabled" in line, line
        return line

    @check("the administrator's site file still overrides the vendor file")
    def _():
        site = tmp / "site.toml"
        site.write_text(f'[oauth.google]\nclient_id = "{SITE_GOOGLE}"\n', encoding="utf-8")
        line = connect_log(exe, config, {**env, "MAILWIZARD_SITE_CONFIG": str(site)})
        assert f"client ID {SITE_GOOGLE}" in line and "Sign in is enabled" in line, line
        return line

    @check("report names the vendor file and masks its client secret")
    def _():
        p = subprocess.run([str(exe), "report", "--config", str(config)], capture_output=True,
                           text=True, env=env, timeout=60)
        assert p.returncode == 0, p
        assert re.search(r"vendor file \(under the site file\): .*_internal/mailwizard/vendor/"
                         r"vendor\.toml", p.stdout), p.stdout
        assert VENDOR_GOOGLE in p.stdout and "GOCSPX-vendor-test" not in p.stdout, p.stdout
        return "vendor file listed, client secret masked"

    shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(ok for _, ok in results)
    print(f"vendor bundle: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
