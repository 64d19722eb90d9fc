#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite.
# Debian's Chromium drives the browser tests and Debian's PostgreSQL the tests of the PostgreSQL
# backend (tests/postgres); both are installed when this runs as root with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
python -m pip install --quiet --disable-pip-version-check -e '.[test]'
python -m pytest -n 2 --dist loadfile "$@"
