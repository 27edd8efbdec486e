# Sourced by the scripts: install_debs PKG... installs the Debian packages that are missing
# (apt-get, with sudo when not root), quietly; nothing happens when all are there.
install_debs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # Another apt process (an unattended upgrade, a second test run) may hold the lock: wait for
  # it rather than fail at once.
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# install_mta_debs PKG...: like install_debs, for mail servers the tests start themselves:
# debconf is told to leave Postfix unconfigured, and no service starts while they install
# (a policy-rc.d that refuses, removed afterwards).
install_mta_debs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  local policy=/usr/sbin/policy-rc.d made=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    made=1
  fi
  local rc=0
  install_debs "${missing[@]}" || rc=$?
  [ -n "$made" ] && $sudo rm -f "$policy"
  return $rc
}
