#!/usr/bin/env bash
# Sets up, starts the server on the bundled demo city (--clock data), feeds it a month of the
# case loop (数字城管 cases, over the HTTP API) and then a simulated patrol day over real
# sockets; the server keeps running afterwards until Ctrl-C.
#   SPEED=144 (time acceleration), PORT=8080, DATE=YYYY-MM-DD (patrol day, default yesterday)
#   CASES_DAYS=30 (days of cases before the patrol day; 0 skips them: the patrol day at once)
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
trap 'rm -rf "$DATA"' EXIT
CASES_DAYS=${CASES_DAYS:-30}
DAY=${DATE:-$(.venv/bin/python -c 'import datetime; print(datetime.date.today() - datetime.timedelta(days=1))')}
# The case desk's tokens (operator, dispatcher, every department, inspectors; random seed: this
# run's own), the 部件 inventory on the map, and the simulator's clock vehicle.
.venv/bin/python -m simulator cases --config "$DATA/cases.toml" --write-config \
  --seed "$(.venv/bin/python -c 'import secrets; print(secrets.randbits(62))')" >/dev/null
.venv/bin/python -m simulator.inventory --out "$DATA/inventory.geojson" >/dev/null
.venv/bin/python - "$DATA" <<'PY'
import json, sys, tomllib
data = sys.argv[1]
with open(f"{data}/cases.toml", "rb") as f:
    cases = tomllib.load(f)
s = json.dumps  # a JSON string is a TOML basic string
lines = ["[server]", f"data_dir = {s(data)}", "[osmand]", "port = 0", "[jt808]", "port = 0",
         "[devices]", f"vehicles = {s(cases['devices']['vehicles'])}",
         "[cases]", f"inventory = {s(data + '/inventory.geojson')}", "[auth.tokens]"]
lines += [f"{s(t)} = {s(r)}" for t, r in cases["auth"]["tokens"].items()]
with open(f"{data}/demo.toml", "w") as f:
    f.write("\n".join(lines) + "\n")
PY
token_of() { .venv/bin/python - "$DATA/cases.toml" "$1" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    tokens = tomllib.load(f)["auth"]["tokens"]
print(next(t for t, r in tokens.items() if r == sys.argv[2]))
PY
}
OP_TOKEN=$(token_of operator); DISP_TOKEN=$(token_of dispatcher)
DEPT_TOKEN=$(token_of department:sanitation)
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
  Case desk (operator):    http://127.0.0.1:$PORT/?token=$OP_TOKEN
  Dispatcher:              http://127.0.0.1:$PORT/?token=$DISP_TOKEN
  Department inbox (环境卫生管理处 sanitation):  http://127.0.0.1:$PORT/?token=$DEPT_TOKEN
  API example:  curl -H "Authorization: Bearer $SUP_TOKEN" http://127.0.0.1:$PORT/api/v1/roads/compliance?date=...

EOT
if [ "$CASES_DAYS" -gt 0 ]; then
  FIRST=$(.venv/bin/python -c "import datetime as d; print(d.date.fromisoformat('$DAY') - d.timedelta(days=$CASES_DAYS))")
  echo "A month of cases first: $CASES_DAYS days from $FIRST, about 100 a day, over the HTTP API"
  echo "(several minutes; watch them arrive on the page's 案件 / 考核 tabs; CASES_DAYS=0 skips) ..."
  .venv/bin/python -m simulator --url "http://127.0.0.1:$PORT" cases --config "$DATA/cases.toml" \
    --days "$CASES_DAYS" --first "$FIRST" | .venv/bin/python -c 'import json, sys
r = json.load(sys.stdin)
print("cases:", sum(r["cases"].values()), r["cases"], "actions:", r["actions"], "in", r["seconds"], "s")' \
    || echo "The month of cases stopped early (its reason is above); on with the patrol day."
fi
DATE_ARG=(--date "$DAY")
.venv/bin/python -m simulator --url "http://127.0.0.1:$PORT" --device-token "$DEVICE_TOKEN" \
  --supervisor-token "$SUP_TOKEN" day --speed "$SPEED" "${DATE_ARG[@]}"
echo
echo "Simulated day done; the server keeps running (Ctrl-C to stop): http://127.0.0.1:$PORT/?token=$SUP_TOKEN"
wait $SERVER
