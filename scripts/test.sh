#!/usr/bin/env bash
# Set everything up and run the test suite. Extra arguments go to pytest.
#   bash scripts/test.sh                     # SQLite (the default)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/django_tamara bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser tests drive Debian's Chromium through Playwright (no browser download).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; browser tests will fail" >&2
fi

. scripts/_venv.sh "test,docs"
exec .venv/bin/python -m tests.run "$@"
