#!/usr/bin/env bash
# Set up and run the sandbox shop together with the local Tamara simulator (SQLite by default).
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh "sandbox"

SHOP_PORT=${SHOP_PORT:-8000}
SIM_PORT=${SIM_PORT:-8001}
export TAMARA_API_URL=${TAMARA_API_URL:-http://127.0.0.1:$SIM_PORT}

PY=.venv/bin/python
$PY manage.py migrate --noinput -v 0
$PY manage.py sandbox_setup

$PY manage.py tamara_simulator --host 127.0.0.1 --port "$SIM_PORT" &
SIM_PID=$!
$PY manage.py runserver "127.0.0.1:$SHOP_PORT" --noreload &
SHOP_PID=$!
trap 'kill $SIM_PID $SHOP_PID 2>/dev/null; wait 2>/dev/null; echo; echo "Stopped the shop and the simulator."' INT TERM EXIT

sleep 2
cat <<MSG

  The sandbox shop is running:
    Shop:        http://127.0.0.1:$SHOP_PORT/
    Admin:       http://127.0.0.1:$SHOP_PORT/admin/   (user: admin, password: admin)
    Simulator:   $TAMARA_API_URL/   (Tamara's API, hosted checkout and webhooks, offline)

  Press Ctrl-C to stop both.
MSG
wait
