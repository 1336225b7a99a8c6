#!/bin/sh
# Debian packages HubDesk needs beyond Python: Qt's runtime libraries, a font with accents, and
# (for the tests) a private D-Bus daemon and dbus-send to announce a locked session.
# Installs what is missing when run as root; otherwise names the command to run.
set -eu
PACKAGES="libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core dbus-daemon dbus-bin"
command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian-like: nothing to check here
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "Installing system packages:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
else
  echo "HubDesk needs these system packages: sudo apt-get install$missing" >&2
  exit 1
fi
