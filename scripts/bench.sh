#!/usr/bin/env bash
# End-to-end benchmarks of the real `routeval run` binary against a static loopback
# endpoint, with wrk hitting the same endpoint at the same concurrency as the ceiling.
# Figures go to stdout as a Markdown table (see docs/PERFORMANCE.md).
#
#   scripts/bench.sh            # full size (100k cases x 4 routes)
#   BENCH_CASES=10000 BENCH_MEMORY_CASES="1000 10000" scripts/bench.sh   # a quicker pass
set -euo pipefail
cd "$(dirname "$0")/.."

CASES="${BENCH_CASES:-100000}"
ROUTES="${BENCH_ROUTES:-4}"
CONC="${BENCH_CONCURRENCY:-64}"
PORT="${BENCH_PORT:-4243}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/routeval-target}"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p routeval-cli -p routeval-bench
BIN="$CARGO_TARGET_DIR/release"

# One measured command: wall seconds, CPU seconds, peak RSS (MB), via GNU time.
measure() {
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; exit 1; }
  read -r wall user sys rss_kb < "$WORK/time"
  echo "$wall $(echo "$user + $sys" | bc -l) $((rss_kb / 1024))"
}

start_endpoint() { # delay_ms
  "$BIN/routeval-bench" serve --port "$PORT" --delay-ms "$1" 2>/dev/null &
  ENDPOINT_PID=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v1/models" && return; sleep 0.1; done
  echo "endpoint did not start" >&2; exit 1
}

cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench/static","messages":[{"role":"user","content":"Ticket 1: I was charged twice"}]}'
LUA

echo "| benchmark | figure | ratio |"
echo "|---|---|---|"

# 1. Fan-out against an instant endpoint, with wrk's ceiling measured in the same run.
start_endpoint 0
WRK_RPS=$(wrk -t1 -c"$CONC" -d10s -s "$WORK/post.lua" "http://127.0.0.1:$PORT/v1/chat/completions" | awk '/Requests\/sec/ {print $2}')
"$BIN/routeval-bench" dataset --cases "$CASES" --out "$WORK/cases.jsonl"
"$BIN/routeval-bench" suite --url "http://127.0.0.1:$PORT/v1" --routes "$ROUTES" --concurrency "$CONC" \
  --dataset "$WORK/cases.jsonl" --repo . --out "$WORK/suite.toml"
read -r WALL CPU RSS < <(measure "$BIN/routeval" run "$WORK/suite.toml" --db "sqlite://$WORK/bench.db" --quiet)
RESULTS=$((CASES * ROUTES))
RPS=$(echo "$RESULTS / $WALL" | bc -l)
printf '| wrk ceiling, c=%s | %.0f req/s | 1.00 |\n' "$CONC" "$WRK_RPS"
printf '| routeval run: %s cases x %s routes, c=%s (request, parse, schema+enum score, SQLite) | %.0f results/s | %.2f of wrk |\n' "$CASES" "$ROUTES" "$CONC" "$RPS" "$(echo "$RPS / $WRK_RPS" | bc -l)"
printf '| CPU per 1,000 results | %.3f s | |\n' "$(echo "$CPU * 1000 / $RESULTS" | bc -l)"
printf '| peak RSS | %s MB | |\n' "$RSS"
printf '| database size per million attempts | %.0f MB | |\n' "$(echo "$(stat -c %s "$WORK/bench.db") / 1048576 * 1000000 / $RESULTS" | bc -l)"
kill "$ENDPOINT_PID"; wait "$ENDPOINT_PID" 2>/dev/null || true

# 2. Latency-bound: every request waits 200 ms; ideal wall = N / c x 0.2 s.
start_endpoint 200
for C in 64 512; do
  N=$((C * 50))
  "$BIN/routeval-bench" dataset --cases "$N" --out "$WORK/lat.jsonl"
  "$BIN/routeval-bench" suite --url "http://127.0.0.1:$PORT/v1" --routes 1 --concurrency "$C" \
    --dataset "$WORK/lat.jsonl" --repo . --out "$WORK/lat.toml"
  WALLS=()
  for _ in 1 2 3; do
    rm -f "$WORK"/lat-"$C".db*
    read -r WALL CPU RSS < <(measure "$BIN/routeval" run "$WORK/lat.toml" --db "sqlite://$WORK/lat-$C.db" --quiet)
    WALLS+=("$WALL")
  done
  WALL=$(printf '%s\n' "${WALLS[@]}" | sort -n | sed -n 2p)
  IDEAL=$(echo "$N / $C * 0.2" | bc -l)
  printf '| latency-bound, 200 ms endpoint, c=%s, %s cases (median of 3) | %.2f s (ideal %.2f s) | %.3f of ideal |\n' "$C" "$N" "$WALL" "$IDEAL" "$(echo "$WALL / $IDEAL" | bc -l)"
done
kill "$ENDPOINT_PID"; wait "$ENDPOINT_PID" 2>/dev/null || true

# 3. Memory: one route on the instant endpoint, peak RSS as the dataset grows. Cases are
#    streamed from the file, so RSS should not follow the dataset's size.
start_endpoint 0
for N in ${BENCH_MEMORY_CASES:-10000 100000 1000000}; do
  "$BIN/routeval-bench" dataset --cases "$N" --out "$WORK/mem.jsonl"
  "$BIN/routeval-bench" suite --url "http://127.0.0.1:$PORT/v1" --routes 1 --concurrency "$CONC" \
    --dataset "$WORK/mem.jsonl" --repo . --out "$WORK/mem.toml"
  rm -f "$WORK"/mem.db*
  read -r WALL CPU RSS < <(measure "$BIN/routeval" run "$WORK/mem.toml" --db "sqlite://$WORK/mem.db" --quiet)
  printf '| peak RSS, %s cases x 1 route (dataset file %s MB) | %s MB | %.2f of the 100 MB target |\n' \
    "$N" "$(( $(stat -c %s "$WORK/mem.jsonl") / 1048576 ))" "$RSS" "$(echo "$RSS / 100" | bc -l)"
done
rm -f "$WORK"/mem.*
kill "$ENDPOINT_PID"; wait "$ENDPOINT_PID" 2>/dev/null || true
