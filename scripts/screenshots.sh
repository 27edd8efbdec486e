#!/usr/bin/env bash
# Render every wizard step to docs/screenshots/ (needs the test setup: bash scripts/test.sh once).
# With XVFB=1 the window is a real X11 window under Xvfb instead of offscreen.
# Arguments go to screenshots.py: --lang hi renders the main steps in Hindi to
# docs/screenshots/hi/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
home=$(mktemp -d); trap 'rm -rf "$home"' EXIT
run="$root/.venv/bin/python $root/scripts/screenshots.py $*"
if [ "${XVFB:-0}" = 1 ]; then run="xvfb-run -a -s '-screen 0 1280x800x24' env QT_QPA_PLATFORM=xcb $run"; fi
HOME="$home" dbus-run-session -- sh -c "echo -n shots | gnome-keyring-daemon --unlock --components=secrets >/dev/null; $run"
