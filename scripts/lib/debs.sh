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
