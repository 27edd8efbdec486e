#!/usr/bin/env bash
# The slower packaging step of CI (.ci/run runs it after scripts/test.sh): builds the Linux
# bundle with packaging/build-linux.sh, then runs it the way users do (tests/packaging/
# bundle_check.py): --version and its start-up time against the venv's, validate and save
# against a loopback SMTP server, the keyring inside the bundle on a real Secret Service
# (gnome-keyring in a private D-Bus session), and the wizard on Qt's offscreen platform.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The test environment (aiosmtpd, trustme; .venv/bin/mailwizard for the start-up comparison)
# and the Secret Service, as scripts/test.sh installs them, if that has not run here yet.
# strace shows which translation file the wizard opens; Xvfb (with xauth, and xwininfo from
# x11-utils) gives it a real X11 display; debootstrap makes the fresh Debian root the release
# artifact is tried on (tests/packaging/fresh_debian_check.py).
debs=(gnome-keyring dbus-x11 dbus strace xvfb xauth x11-utils debootstrap)
. scripts/lib/debs.sh
install_debs "${debs[@]}"
if ! .venv/bin/python -c "import aiosmtpd, trustme, mailwizard" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
fi

bash packaging/build-linux.sh

test_home=$(mktemp -d)
trap 'rm -rf "$test_home"' EXIT
HOME="$test_home" XDG_CONFIG_HOME="$test_home/.config" XDG_DATA_HOME="$test_home/.local/share" \
  dbus-run-session -- sh -c '
    echo -n mailwizard-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$0/.venv/bin/python" "$0/tests/packaging/bundle_check.py" "$@"' "$root" "$@"

# A second bundle with an ERP vendor's file baked in (packaging/README.md, "Connect out of the
# box"): built beside the first (packaging/build/vendor-dist, reusing the build environment),
# then checked offscreen: Connect with the vendor's client ID, the site file still overriding.
MAILWIZARD_VENDOR_FILE="$root/tests/packaging/vendor/vendor.toml" \
  packaging/build/venv/bin/pyinstaller --noconfirm --log-level WARN \
  --distpath packaging/build/vendor-dist --workpath packaging/build/vendor-work \
  packaging/mailwizard.spec
HOME="$test_home" XDG_CONFIG_HOME="$test_home/.config" \
  .venv/bin/python tests/packaging/vendor_check.py --bundle packaging/build/vendor-dist/mailwizard

# The release artifact on a fresh minimal Debian 12 (debootstrap, as root; the root is made
# once per machine and cached in ~/.cache/mailwizard-ci, MAILWIZARD_CI_CACHE to move it), with
# only the system packages packaging/README.md lists; the wizard's window on an Xvfb display.
.venv/bin/python tests/packaging/fresh_debian_check.py
# (bundle_check.py ends with "bundle: N passed, N failed", vendor_check.py with "vendor bundle: N
# passed, N failed", fresh_debian_check.py with "fresh Debian: N passed, N failed")
