#!/usr/bin/env bash
# Install everything the tests need, check the code with ruff and mypy, then run the whole suite.
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

# The linters first (settings in pyproject.toml): both run, and any finding stops here, before the tests.
lint_failed=0
python -m ruff check . || lint_failed=1
python -m mypy || lint_failed=1
if [ "$lint_failed" != 0 ]; then
    echo "ruff or mypy found the problems above (ruff check --fix . mends many of ruff's)" >&2
    exit 1
fi

python -m pytest -n 2 --dist loadfile "$@"
