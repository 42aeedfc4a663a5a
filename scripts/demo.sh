#!/usr/bin/env bash
# Sets up, starts the server on the bundled demo city (--clock data) and feeds it a simulated
# patrol day over real sockets; the server keeps running afterwards until Ctrl-C.
#   SPEED=144 (time acceleration), PORT=8080, DATE=YYYY-MM-DD (default yesterday)
# The OsmAnd and JT/T 808 listeners take free ports (printed by the server), so a demo runs
# beside another gridwatch; a server that cannot start (port in use) stops the demo with why.
set -euo pipefail
cd "$(dirname "$0")/.."
GRIDWATCH_SKIP_BROWSER=1 bash scripts/setup.sh
PORT=${PORT:-8080}
SPEED=${SPEED:-144}
rand() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(16))'; }
DEVICE_TOKEN="dev-$(rand)"; SUP_TOKEN="sup-$(rand)"; ADMIN_TOKEN="adm-$(rand)"
export GRIDWATCH_TOKENS="$DEVICE_TOKEN:device,$SUP_TOKEN:supervisor,$ADMIN_TOKEN:admin"
# A fresh data folder per demo: the journal would otherwise resume the previous demo's day.
DATA=$(mktemp -d -t gridwatch-demo.XXXXXX)
printf '[server]\ndata_dir = "%s"\n[osmand]\nport = 0\n[jt808]\nport = 0\n' "$DATA" \
  > "$DATA/demo.toml"
.venv/bin/python server.py --clock data --port "$PORT" --config "$DATA/demo.toml" &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT INT TERM
up=0
for _ in $(seq 1 150); do
  if ! kill -0 "$SERVER" 2>/dev/null; then
    break  # it exited: its reason is above
  fi
  # Our own token: a different server already on that port answers 401 and is not ours.
  if .venv/bin/python - "$PORT" "$SUP_TOKEN" <<'PY' 2>/dev/null; then
import sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/healthz",
                             headers={"Authorization": f"Bearer {sys.argv[2]}"})
urllib.request.urlopen(req, timeout=1)
PY
    up=1
    break
  fi
  sleep 0.2
done
if [ "$up" != 1 ]; then
  echo >&2
  echo "gridwatch demo: the server did not start on port $PORT (see its message above)." >&2
  echo "  Another program may hold the port: try PORT=$((PORT + 1)) bash scripts/demo.sh" >&2
  exit 1
fi
cat <<EOT

  gridwatch demo is up.
  Live page (supervisor):  http://127.0.0.1:$PORT/?token=$SUP_TOKEN
  Tokens (this run only):  device $DEVICE_TOKEN
                           supervisor $SUP_TOKEN
                           admin $ADMIN_TOKEN
  API example:  curl -H "Authorization: Bearer $SUP_TOKEN" http://127.0.0.1:$PORT/api/v1/roads/compliance?date=...

EOT
DATE_ARG=()
[ -n "${DATE:-}" ] && DATE_ARG=(--date "$DATE")
.venv/bin/python -m simulator --url "http://127.0.0.1:$PORT" --device-token "$DEVICE_TOKEN" \
  --supervisor-token "$SUP_TOKEN" day --speed "$SPEED" "${DATE_ARG[@]}"
echo
echo "Simulated day done; the server keeps running (Ctrl-C to stop): http://127.0.0.1:$PORT/?token=$SUP_TOKEN"
wait $SERVER
