#!/usr/bin/env bash
# Set up and run the sandbox shop together with the local Tamara simulator (SQLite by default).
#   bash scripts/sandbox.sh                        # shop on :8000, simulator on :8001
#   SHOP_PORT=8100 SIM_PORT=8101 bash scripts/sandbox.sh
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh "sandbox"

SHOP_PORT=${SHOP_PORT:-8000}
SIM_PORT=${SIM_PORT:-8001}
HOST=${HOST:-127.0.0.1}
export TAMARA_API_URL=${TAMARA_API_URL:-http://$HOST:$SIM_PORT}

PY=.venv/bin/python
$PY manage.py migrate --noinput -v 0
$PY manage.py sandbox_setup        # demo admin user and products; prints the credentials

PIDS=()
stop() {
  trap - INT TERM EXIT
  if [ ${#PIDS[@]} -gt 0 ]; then
    kill "${PIDS[@]}" 2>/dev/null || true
    wait "${PIDS[@]}" 2>/dev/null || true
  fi
  echo
  echo "Stopped the shop and the simulator."
}
trap stop INT TERM EXIT

$PY manage.py tamara_simulator --host "$HOST" --port "$SIM_PORT" &
PIDS+=($!)
$PY manage.py runserver "$HOST:$SHOP_PORT" --noreload &
PIDS+=($!)

# Print the URLs once both answer (or say which one did not start).
wait_for() {
  for _ in $(seq 1 100); do
    if $PY - "$1" <<'PY' 2>/dev/null
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass  # any HTTP answer means the server is up
PY
    then return 0; fi
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || return 1; done
    sleep 0.2
  done
  return 1
}
if ! wait_for "$TAMARA_API_URL/widget-v2/tamara-widget.js" || ! wait_for "http://$HOST:$SHOP_PORT/"; then
  echo "The shop or the simulator did not start (is port $SHOP_PORT or $SIM_PORT in use?)." >&2
  exit 1
fi

cat <<MSG

  The sandbox shop is running:
    Shop:        http://$HOST:$SHOP_PORT/
    A product:   http://$HOST:$SHOP_PORT/products/arabic-coffee-set/
    Basket:      http://$HOST:$SHOP_PORT/basket/
    Admin:       http://$HOST:$SHOP_PORT/admin/   (user: admin, password: admin)
    Simulator:   $TAMARA_API_URL/   (Tamara's API, hosted checkout and webhooks, offline)

  Add products to the basket, check out, approve on the simulator's page, then capture and
  refund the order in the admin. Press Ctrl-C to stop both.
MSG

# Whichever stops first (Ctrl-C, or a crash), the trap stops the other.
wait -n "${PIDS[@]}" || true
