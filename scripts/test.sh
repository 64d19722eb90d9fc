#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite.
# Debian's Chromium drives the browser tests; it is installed when this runs as root with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
python -m pip install --quiet --disable-pip-version-check -e '.[test]'
python -m pytest -n 2 --dist loadfile "$@"
