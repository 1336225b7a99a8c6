#!/bin/sh
# Debian packages HubDesk needs beyond Python: Qt's runtime libraries and a font with accents.
# Installs what is missing when run as root; otherwise names the command to run.
set -eu
PACKAGES="libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core"
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
