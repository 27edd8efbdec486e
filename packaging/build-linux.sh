#!/usr/bin/env bash
# Builds the Linux one-folder bundle dist/mailwizard/ (PyInstaller, packaging/mailwizard.spec)
# and the release artifact dist/mailwizard-VERSION-linux-ARCH.tar.zst, and prints their sizes. Works from a clean clone and can be run again: it keeps its own build
# environment in packaging/build/venv (mailwizard installed from this tree as a normal, not
# editable, package, so the bundle holds what a user's install holds) and rebuilds from scratch.
#   bash packaging/build-linux.sh
# MAILWIZARD_BUNDLE_UNFILTERED=1 builds without the spec's filters, to measure what they save.
# MAILWIZARD_ZSTD_LEVEL (default 19) trades the artifact's size for the time to compress it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=packaging/build/venv
pip=("$venv/bin/python" -m pip -q --disable-pip-version-check)

# binutils: strip and readelf, which the spec uses on the collected libraries (and objcopy,
# with icu-devtools' icupkg and gcc, for trim-icu.sh). The X11 (xcb)
# libraries that Qt's xcb platform plugin links to: PyInstaller bundles what the build host has,
# and several (libxcb-cursor0 above all) are missing on many desktops, so they must be here.
debs=(binutils libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
      libxcb-randr0 libxcb-shape0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1 libxcb-util1
      libxcb-glx0 libxcb-shm0 libxcb-render0 libx11-xcb1 libxkbcommon0 libxkbcommon-x11-0
      zstd icu-devtools gcc python3-venv)
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

# ICU's data, trimmed to what Qt uses: 32 MB -> 12 MB (packaging/trim-icu.sh says what goes).
if [ "${MAILWIZARD_BUNDLE_UNFILTERED:-}" != 1 ]; then
  bash packaging/trim-icu.sh dist/mailwizard/_internal/PySide6/Qt/lib/libicudata.so.*
fi

# The Linux desktop files, laid out as under /usr/share, to copy there (packaging/README.md).
share=dist/mailwizard/share
mkdir -p "$share/applications" "$share/metainfo" "$share/icons/hicolor/scalable/apps"
cp resources/org.mailwizard.MailWizard.desktop "$share/applications/"
cp resources/org.mailwizard.MailWizard.metainfo.xml "$share/metainfo/"
cp resources/org.mailwizard.MailWizard.svg "$share/icons/hicolor/scalable/apps/"

bytes=$(du -sb dist/mailwizard | cut -f1)
awk -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN {
  printf "Built dist/mailwizard/ in %.1f s: %d bytes (%.1f MB)\n", e - s, b, b / 1e6 }'

# The release artifact: the folder as one tar.zst (why not an AppImage: packaging/README.md).
# Reproducible: sorted names, no owners, every time stamp that of the last commit.
version=$("$venv/bin/python" -c "import mailwizard; print(mailwizard.__version__)")
artifact="dist/mailwizard-$version-linux-$(uname -m).tar.zst"
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
rm -f dist/mailwizard-*-linux-*.tar.zst
start=$(date +%s.%N)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C dist -cf - mailwizard \
  | zstd -q -T0 "-${MAILWIZARD_ZSTD_LEVEL:-19}" -o "$artifact"
end=$(date +%s.%N)
bytes=$(stat -c %s "$artifact")
awk -v b="$bytes" -v s="$start" -v e="$end" -v a="$artifact" 'BEGIN {
  printf "Packed %s in %.1f s: %d bytes (%.1f MB)\n", a, e - s, b, b / 1e6 }'
