#!/usr/bin/env bash
# A local gridwatch cluster on one machine, for trying the Redis scale-out:
#   redis-server (AOF, fsync always) + GATEWAYS gateway processes + TRACKERS tracker processes
#   + one web process, all on the demo city with --clock data; then a simulated day fed to
#   the gateways. Ctrl-C stops everything.
#   GATEWAYS=2 TRACKERS=2 SPEED=144 PORT=8080 (web; gateways on PORT+1...) REDIS_PORT=6390
#   FEED=0 to start the cluster without the simulated day.
set -euo pipefail
cd "$(dirname "$0")/.."
GRIDWATCH_SKIP_BROWSER=1 bash scripts/setup.sh
GATEWAYS=${GATEWAYS:-2}; TRACKERS=${TRACKERS:-2}; SPEED=${SPEED:-144}; FEED=${FEED:-1}
PORT=${PORT:-8080}; REDIS_PORT=${REDIS_PORT:-6390}
PY=.venv/bin/python
rand() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(16))'; }
DEVICE_TOKEN="dev-$(rand)"; SUP_TOKEN="sup-$(rand)"
export GRIDWATCH_TOKENS="$DEVICE_TOKEN:device,$SUP_TOKEN:supervisor"
DIR=$(mktemp -d -t gridwatch-cluster.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$DIR" --appendonly yes \
  --appendfsync always --save "" --logfile "$DIR/redis.log" &
PIDS+=($!)
REDIS="redis://127.0.0.1:$REDIS_PORT/0"
until "$PY" -c "import redis, sys; redis.Redis(port=int(sys.argv[1])).ping()" "$REDIS_PORT" \
  2>/dev/null; do sleep 0.1; done

config() {  # config FILE OSMAND_PORT JT808_PORT
  printf '[server]\nclock = "data"\ndata_dir = "%s"\n[osmand]\nport = %s\n[jt808]\nport = %s\n' \
    "$DIR/data" "$2" "$3" > "$1"
}
start() {  # start NAME ROLE PORT CONFIG
  "$PY" server.py --redis "$REDIS" --role "$2" --port "$3" --config "$4" >"$DIR/$1.log" 2>&1 &
  PIDS+=($!)
  echo "  $1: pid $! (log $DIR/$1.log)"
}
wait_http() {
  for _ in $(seq 1 150); do
    "$PY" - "$1" "$SUP_TOKEN" <<'PY' 2>/dev/null && return 0
import sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/healthz",
                             headers={"Authorization": f"Bearer {sys.argv[2]}"})
urllib.request.urlopen(req, timeout=1)
PY
    sleep 0.2
  done
  echo "process on port $1 did not come up" >&2; return 1
}

echo "gridwatch cluster: Redis $REDIS, data in $DIR"
config "$DIR/web.toml" 0 0
start web web "$PORT" "$DIR/web.toml"
GATEWAY_URLS=()
for i in $(seq 0 $((GATEWAYS - 1))); do
  config "$DIR/gateway-$i.toml" $((5055 + i)) $((6808 + i))
  start "gateway-$i" gateway $((PORT + 1 + i)) "$DIR/gateway-$i.toml"
  GATEWAY_URLS+=("http://127.0.0.1:$((PORT + 1 + i))")
done
for i in $(seq 0 $((TRACKERS - 1))); do
  start "tracker-$i" tracker 0 "$DIR/web.toml"
done
wait_http "$PORT"
for url in "${GATEWAY_URLS[@]}"; do wait_http "${url##*:}"; done
GATEWAY_LIST=$(IFS=,; echo "${GATEWAY_URLS[*]}")
cat <<EOT

  Live page (supervisor): http://127.0.0.1:$PORT/?token=$SUP_TOKEN
  Gateways (devices):     $GATEWAY_LIST   device token $DEVICE_TOKEN
  Health of a process:    curl -H "Authorization: Bearer $SUP_TOKEN" http://127.0.0.1:$PORT/healthz

EOT
if [ "$FEED" = "1" ]; then
  "$PY" -m simulator --url "http://127.0.0.1:$PORT" --gateways "$GATEWAY_LIST" \
    --device-token "$DEVICE_TOKEN" --supervisor-token "$SUP_TOKEN" day --speed "$SPEED"
  echo "Simulated day done; the cluster keeps running (Ctrl-C to stop)."
fi
wait
