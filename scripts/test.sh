#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian 12 machine (Debian packages and a
# Python virtual environment in .venv), then runs the whole suite against the real Secret
# Service (gnome-keyring under its own D-Bus session, with a throw-away HOME).
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -k smtp -x
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Debian packages the tests use: the Secret Service (gnome-keyring + D-Bus session tools,
# and secret-tool to check the lookup docs/INTEGRATION.md shows), fonts so Qt renders text,
# the runtime libraries Qt's offscreen platform loads, and the validators for the Linux
# desktop files; dnsmasq, the real DNS server the discovery and deliverability tests ask;
# the screen reader's view of the wizard: the AT-SPI bus (at-spi2-core) and a real X server
# (Xvfb) with the libraries Qt's xcb platform loads; GNU gettext (msgfmt --check on the
# translations) and a Devanagari font (Noto Sans Devanagari, for the Hindi wizard); nginx, the
# real web server the discovery fetch is tested against (autoconfig and the ISPDB).
debs=(gnome-keyring dbus-x11 dbus systemd fonts-dejavu-core libegl1 libgl1 libxkbcommon0
      libfontconfig1 libdbus-1-3 libglib2.0-0 desktop-file-utils appstream nsis libsecret-tools
      dnsmasq-base gettext fonts-noto-core nginx-light
      at-spi2-core xvfb xauth openbox x11-utils libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0
      libxcb-icccm4
      libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0
      libxcb-xkb1 libxcb-util1 libxcb-sync1 libxcb-xfixes0 libxcb-shm0)
# Debian's python3 makes no venv without python3-venv (no ensurepip).
debs+=(python3-venv)
. scripts/lib/debs.sh
install_debs "${debs[@]}"
# A real mail server for the SMTP check's tests (tests/postfix_server.py starts its own, on
# loopback): Postfix and Dovecot, installed without configuring or starting anything.
install_mta_debs postfix dovecot-core

python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"

export MAILWIZARD_TEST_SECRET_SERVICE=1
export QT_QPA_PLATFORM=offscreen
test_home=$(mktemp -d)
trap 'rm -rf "$test_home"' EXIT
# The keyring is unlocked with a throw-away password inside a private D-Bus session.
HOME="$test_home" XDG_CONFIG_HOME="$test_home/.config" XDG_DATA_HOME="$test_home/.local/share" \
  dbus-run-session -- sh -c '
    echo -n mailwizard-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$0/.venv/bin/python" -m pytest "$@"' "$root" "$@"
