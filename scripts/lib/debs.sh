# Sourced by the scripts: install_debs PKG... installs the Debian packages that are missing
# (apt-get, with sudo when not root), quietly; nothing happens when all are there.
#
# Another apt process (an unattended upgrade, a second test run, apt in a terminal) may hold
# apt's locks: wait for it rather than fail at once. DPkg::Lock::Timeout makes apt wait for
# dpkg's lock only; `apt-get update` takes the lists lock (/var/lib/apt/lists/lock, an fcntl
# lock) without waiting and ends at once with "Could not get lock" (exit 100, apt 2.6 in
# Debian 12), and the archives lock is the same. So apt_get_waiting runs apt-get again, once
# a second, while it fails on a lock, for at most MAILWIZARD_APT_WAIT seconds (default 300).

apt_get_waiting() {
  local sudo=() out rc waited=0 said="" limit=${MAILWIZARD_APT_WAIT:-300}
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  while :; do
    rc=0
    out=$("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
          apt-get -o DPkg::Lock::Timeout="$limit" "$@" 2>&1) || rc=$?
    if [ "$rc" -ne 0 ] && [ "$waited" -lt "$limit" ] \
        && grep -q -e "Could not get lock" -e "Unable to lock" <<<"$out"; then
      if [ -z "$said" ]; then
        echo "Waiting for another program that is installing or updating packages (apt) to" \
             "finish (at most $limit s)..." >&2
        said=1
      fi
      sleep 1
      waited=$((waited + 1))
      continue
    fi
    # apt's warnings and errors (all of its output when it failed) on stderr; dpkg's
    # "Unpacking ..." lines are not worth showing.
    if [ "$rc" -ne 0 ]; then printf '%s\n' "$out" >&2
    else grep -e '^W:' -e '^E:' <<<"$out" >&2 || true; fi
    return "$rc"
  done
}

install_debs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}"
  echo "  reading the package lists (apt-get update)..."
  apt_get_waiting update -qq
  echo "  downloading and installing..."
  apt_get_waiting install -y -qq --no-install-recommends "${missing[@]}"
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
