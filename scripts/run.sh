#!/usr/bin/env bash
# Installs mailwizard into .venv on a fresh Debian 12 machine and starts it.
# Without arguments it opens the wizard; with arguments it runs the command line, e.g.
#   bash scripts/run.sh providers
#   printf '%s\n' "$APP_PASSWORD" | bash scripts/run.sh validate --provider gmail \
#        --from you@gmail.com --password-stdin --send-test-to you@gmail.com
set -euo pipefail
cd "$(dirname "$0")/.."
# Runtime libraries Qt loads, fonts, and a Secret Service keyring to keep the password in.
debs=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
      gnome-keyring libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1)
. scripts/lib/debs.sh
install_debs "${debs[@]}"
[ -x .venv/bin/mailwizard ] || { python3 -m venv .venv && .venv/bin/python -m pip install -q --disable-pip-version-check -e .; }
exec .venv/bin/mailwizard "$@"
