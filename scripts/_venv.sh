# Sourced by the other scripts: make .venv with Python 3.11 and install the project into it.
# Usage: . scripts/_venv.sh EXTRAS   (e.g. "test" or "sandbox")
set -euo pipefail
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$1"
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ]; then
  # (the grep drops pip's notes about unreachable local mirrors of this machine's pip.conf)
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; }
  .venv/bin/python -m pip install --quiet -e ".[$1]" 2>&1 | { grep -v "^WARNING: Location" || true; }
  touch "$stamp"
fi
