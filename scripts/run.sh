#!/usr/bin/env bash
# Installs mailwizard into .venv on a fresh Debian 12 machine, puts a `mailwizard` command in
# ~/.local/bin (a launcher for this folder's .venv) and starts it.
# Without arguments it opens the wizard; with arguments it runs the command line, e.g.
#   bash scripts/run.sh providers
#   printf '%s\n' "$APP_PASSWORD" | bash scripts/run.sh validate --provider gmail \
#        --from you@gmail.com --password-stdin --send-test-to you@gmail.com
# What it does is said on stderr (stdout stays the command's, for --json).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
say() { echo "$*" >&2; }

# Runtime libraries Qt loads, fonts, and a Secret Service keyring to keep the password in;
# python3-venv, without which Debian's python3 cannot make .venv (no ensurepip).
debs=(python3-venv libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
      fonts-dejavu-core gnome-keyring libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1)
. scripts/lib/debs.sh
install_debs "${debs[@]}" >&2

if [ ! -x .venv/bin/mailwizard ]; then
  say "Setting up mailwizard in $here/.venv (the first time only: a minute or two):"
  say "  creating the Python environment..."
  python3 -m venv .venv
  say "  installing mailwizard and the Python packages it uses (PySide6, keyring, ...)..."
  .venv/bin/python -m pip install -q --disable-pip-version-check -e . >&2
  say "  done."
fi

# The `mailwizard` command, as the README writes it: a small launcher in ~/.local/bin. One
# written by this script (for this or another copy) is replaced; anything else is left alone.
bin="$HOME/.local/bin"
launcher="$bin/mailwizard"
mark="# mailwizard launcher written by scripts/run.sh"
want="$(printf '#!/bin/sh\n%s\nexec %q "$@"\n' "$mark" "$here/.venv/bin/mailwizard")"
if [ -e "$launcher" ] && ! grep -qxF "$mark" "$launcher" 2>/dev/null; then
  say "Left $launcher alone (not written by this script): it may run another mailwizard."
  say "This copy runs as: $here/.venv/bin/mailwizard"
else
  if [ "$(cat "$launcher" 2>/dev/null)" != "$want" ]; then
    mkdir -p "$bin"
    printf '%s\n' "$want" > "$launcher.tmp" && chmod 755 "$launcher.tmp"
    mv "$launcher.tmp" "$launcher"
    say "The mailwizard command is ready: $launcher (it runs $here/.venv)."
  fi
  case ":$PATH:" in
    *":$bin:"*) ;;
    *) say "$bin is not on your PATH, so the shell does not find the mailwizard command yet."
       say "Type this line in this terminal, and add it to ~/.profile to keep it:"
       say "  export PATH=\"\$HOME/.local/bin:\$PATH\"" ;;
  esac
fi
exec .venv/bin/mailwizard "$@"
