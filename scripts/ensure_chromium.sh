#!/bin/sh
# Install Debian's Chromium for the browser tests (tests/test_site.py) if it is not there yet.
# Playwright drives /usr/bin/chromium; its own browser download does not work without internet.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
echo "Chromium ontbreekt: installeren met apt-get (Debian-pakket chromium)" >&2
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
/usr/bin/chromium --version
