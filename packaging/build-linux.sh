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

# binutils: strip and readelf, which the spec uses on the collected libraries. The X11 (xcb)
# libraries that Qt's xcb platform plugin links to: PyInstaller bundles what the build host has,
# and several (libxcb-cursor0 above all) are missing on many desktops, so they must be here.
debs=(binutils libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
      libxcb-randr0 libxcb-shape0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1 libxcb-util1
      libxcb-glx0 libxcb-shm0 libxcb-render0 libx11-xcb1 libxkbcommon0 libxkbcommon-x11-0)
. scripts/lib/debs.sh
install_debs "${debs[@]}"

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

# The Linux desktop files, laid out as under /usr/share, to copy there (packaging/README.md).
share=dist/mailwizard/share
mkdir -p "$share/applications" "$share/metainfo" "$share/icons/hicolor/scalable/apps"
cp resources/org.mailwizard.MailWizard.desktop "$share/applications/"
cp resources/org.mailwizard.MailWizard.metainfo.xml "$share/metainfo/"
cp resources/org.mailwizard.MailWizard.svg "$share/icons/hicolor/scalable/apps/"

bytes=$(du -sb dist/mailwizard | cut -f1)
awk -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN {
  printf "Built dist/mailwizard/ in %.1f s: %d bytes (%.1f MB)\n", e - s, b, b / 1e6 }'
