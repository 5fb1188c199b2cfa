#!/bin/bash
# CPU time one server process spends per request, as `perf stat` counts it (task-clock),
# with the request rate: `bench/server_cpu.sh PORT MODULE:FACTORY uvicorn|granian`.
# The server is pinned to core 0 and loaded by `wrk -t1 -c64` on core 1 (2 s warm-up,
# then 5 s counted); run it under the benchmark lock. Unlike a rate, CPU per request
# barely moves when something else shares the machine: it answers "how much does this
# app cost under this server", e.g. Legato's own cost as app minus floor.
set -euo pipefail
port=$1; factory=$2; server=${3:-uvicorn}
cd "$(dirname "$0")/.."
python=.venv/bin/python
if [ "$server" = uvicorn ]; then
  taskset -c 0 $python -m uvicorn "$factory" --factory --host 127.0.0.1 --port "$port" \
    --workers 1 --http httptools --loop uvloop --no-access-log --log-level warning >/dev/null 2>&1 &
else
  taskset -c 0 $python -m granian --interface asgi --factory --host 127.0.0.1 --port "$port" \
    --workers 1 --runtime-threads 1 --http 1 --loop uvloop --no-access-log "$factory" >/dev/null 2>&1 &
fi
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/hello/" && break; sleep 0.1; done
target=$pid
if [ "$server" = granian ]; then target=$(pgrep -P "$pid" | head -1); fi  # its worker
taskset -c 1 wrk -t1 -c64 -d2s "http://127.0.0.1:$port/hello/" >/dev/null
load=$(mktemp); counted=$(mktemp)
taskset -c 1 wrk -t1 -c64 -d7s "http://127.0.0.1:$port/hello/" >"$load" &
loader=$!
sleep 1
perf stat -x, -e task-clock -p "$target" -- sleep 5 2>"$counted"
wait $loader
rate=$(awk '/Requests\/sec/ {print $2}' "$load")
msec=$(awk -F, '/task-clock/ {print $1}' "$counted")
python3 -c "print(f'$factory on $server: {float($rate):,.0f} req/s, {float($msec) * 1000 / (float($rate) * 5):.1f} us CPU per request')"
rm -f "$load" "$counted"
