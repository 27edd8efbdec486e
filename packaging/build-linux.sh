#!/usr/bin/env bash
# Builds the Linux one-folder bundle dist/mailwizard/ (PyInstaller, packaging/mailwizard.spec)
# and prints its size. Works from a clean clone and can be run again: it keeps its own build
# environment in packaging/build/venv (mailwizard installed from this tree as a normal, not
# editable, package, so the bundle holds what a user's install holds) and rebuilds from scratch.
#   bash packaging/build-linux.sh
# MAILWIZARD_BUNDLE_UNFILTERED=1 builds without the spec's filters, to measure what they save.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=packaging/build/venv
pip=("$venv/bin/python" -m pip -q --disable-pip-version-check)

# strip (binutils) and readelf are what the spec uses on the collected libraries.
if ! command -v readelf >/dev/null || ! command -v strip >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends binutils >/dev/null
fi

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"${pip[@]}" install --upgrade pip
# The dependencies and PyInstaller (the "packaging" extra), then this tree's mailwizard itself,
# reinstalled every time so that the bundle never holds an older copy of the code.
"${pip[@]}" install ".[packaging]"
"${pip[@]}" install --no-deps --force-reinstall .

start=$(date +%s.%N)
"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath dist --workpath packaging/build/work packaging/mailwizard.spec
end=$(date +%s.%N)

bytes=$(du -sb dist/mailwizard | cut -f1)
awk -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN {
  printf "Built dist/mailwizard/ in %.1f s: %d bytes (%.1f MB)\n", e - s, b, b / 1e6 }'
