#!/usr/bin/env bash
# End-to-end benchmarks of the real `routeval run` binary against a static loopback
# endpoint, with wrk hitting the same endpoint at the same concurrency as the ceiling;
# then the store's writer, `routeval rescore`, grading alone and the analysis (in-process
# `cargo bench` targets and `routeval-bench load`). Figures go to stdout as a Markdown
# table (see docs/PERFORMANCE.md).
#
#   scripts/bench.sh            # full size (100k cases x 4 routes; 1M stored results for
#                               # the writer and rescore; 1M and 10M result rows analysed)
#   BENCH_CASES=10000 BENCH_MEMORY_CASES="1000 10000" scripts/bench.sh   # a quicker pass
#                               # (everything scaled down 10x)
#   BENCH_SECTIONS="1 9" scripts/bench.sh   # only sections 1 and 9 (9 reads 1's figures)
#   BENCH_SECTIONS=10 scripts/bench.sh      # only `routeval grade` on logged responses
set -euo pipefail
cd "$(dirname "$0")/.."

CASES="${BENCH_CASES:-100000}"
ROUTES="${BENCH_ROUTES:-4}"
CONC="${BENCH_CONCURRENCY:-64}"
PORT="${BENCH_PORT:-4243}"
# Stored results for the writer and rescore, and result rows analysed (the second, 10x).
STORED="${BENCH_STORED:-$((CASES * 10))}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/routeval-release}"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release -q -p routeval-cli -p routeval-bench
BIN="$CARGO_TARGET_DIR/release"

# One measured command: wall seconds, CPU seconds, peak RSS (MB), via GNU time.
measure() {
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; exit 1; }
  read -r wall user sys rss_kb < "$WORK/time"
  echo "$wall $(echo "$user + $sys" | bc -l) $((rss_kb / 1024))"
}

# Whether section $1 is to run: all of them unless BENCH_SECTIONS names some. Section 9
# compares with section 1's figures, so it brings section 1 along.
want() {
  local sections=" ${BENCH_SECTIONS:-1 2 3 4 5 6 7 8 9 10 11 12} "
  [[ $sections == *" 9 "* ]] && sections+=" 1 "
  [[ $sections == *" $1 "* ]]
}

# wrk is the ceiling of section 1 (and 9, which brings 1 along).
if want 1; then
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  [[ -x /usr/sbin/nginx ]] || { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }
fi

# The median of the numbers given, one per argument.
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }

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

# One end-to-end measurement against the endpoint at $1 (its name $2): three rounds of
# wrk then `routeval run` of the same suite, medians of each. Sets WRK_RPS and RPS.
end_to_end() { # url name
  "$BIN/routeval-bench" suite --url "$1" --routes "$ROUTES" --concurrency "$CONC" \
    --dataset "$WORK/cases.jsonl" --repo . --out "$WORK/suite.toml"
  WRKS=(); WALLS=(); CPUS=(); RSSES=()
  for _ in 1 2 3; do
    WRKS+=("$(wrk -t1 -c"$CONC" -d10s -s "$WORK/post.lua" "$1/chat/completions" | awk '/Requests\/sec/ {print $2}')")
    rm -f "$WORK"/bench.db*
    read -r WALL CPU RSS < <(measure "$BIN/routeval" run "$WORK/suite.toml" --db "sqlite://$WORK/bench.db" --quiet)
    WALLS+=("$WALL"); CPUS+=("$CPU"); RSSES+=("$RSS")
  done
  WRK_RPS=$(median "${WRKS[@]}"); WALL=$(median "${WALLS[@]}"); CPU=$(median "${CPUS[@]}")
  RESULTS=$((CASES * ROUTES))
  RPS=$(echo "$RESULTS / $WALL" | bc -l)
  printf '| %s: wrk ceiling, c=%s (median of 3: %s) | %.0f req/s | 1.00 |\n' "$2" "$CONC" "${WRKS[*]}" "$WRK_RPS"
  printf '| %s: routeval run, %s cases x %s routes, c=%s (request, parse, schema+enum score, SQLite; median of 3: %s s) | %.0f results/s | %.2f of wrk |\n' "$2" "$CASES" "$ROUTES" "$CONC" "${WALLS[*]}" "$RPS" "$(echo "$RPS / $WRK_RPS" | bc -l)"
  printf '| %s: CPU per 1,000 results (median of 3: %s CPU-s per run) | %.3f s | %.2f of the 0.02 s target |\n' "$2" "${CPUS[*]}" "$(echo "$CPU * 1000 / $RESULTS" | bc -l)" "$(echo "$CPU * 1000 / $RESULTS / 0.02" | bc -l)"
  printf '| %s: peak RSS (largest of 3) | %s MB | |\n' "$2" "$(printf '%s\n' "${RSSES[@]}" | sort -n | tail -1)"
}

# A static nginx (Debian's package) answering every POST with the bench endpoint's own
# completion: `return 200` with the body fixed in its configuration.
start_nginx() { # port body-file
  local body
  # nginx unescapes \ and \' in a quoted string: escape them so the JSON arrives as is.
  body=$(sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g" "$2")
  mkdir -p "$WORK/nginx"
  cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_buffer_size 64k;
  server {
    listen 127.0.0.1:$1;
    location / {
      default_type application/json;
      return 200 '$body';
    }
  }
}
NGINX
  /usr/sbin/nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
  NGINX_PID=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$1/v1/models" && return; sleep 0.1; done
  echo "nginx did not start" >&2; exit 1
}

# 1. Fan-out against an instant endpoint, with wrk's ceiling measured in the same run:
#    first the project's own endpoint, then a static nginx serving the same completion.
if want 1; then
  start_endpoint 0
  "$BIN/routeval-bench" dataset --cases "$CASES" --out "$WORK/cases.jsonl"
  curl -s -X POST -H 'Content-Type: application/json' -d '{"model":"bench/static","messages":[]}' \
    "http://127.0.0.1:$PORT/v1/chat/completions" > "$WORK/completion.json"
  end_to_end "http://127.0.0.1:$PORT/v1" "bench endpoint"
  printf '| bench endpoint: database size per million attempts | %.0f MB | |\n' "$(echo "$(stat -c %s "$WORK/bench.db") / 1048576 * 1000000 / $RESULTS" | bc -l)"
  BENCH_WRK_RPS=$WRK_RPS; BENCH_RPS=$RPS; cp "$WORK/suite.toml" "$WORK/bench-suite.toml"
  kill "$ENDPOINT_PID"; wait "$ENDPOINT_PID" 2>/dev/null || true
  if [[ -x /usr/sbin/nginx ]]; then
    start_nginx "$((PORT + 1))" "$WORK/completion.json"
    end_to_end "http://127.0.0.1:$((PORT + 1))/v1" "nginx"
    kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true
  fi
  # Section 9 runs the bench endpoint's suite and compares with its figures.
  WRK_RPS=$BENCH_WRK_RPS; RPS=$BENCH_RPS; cp "$WORK/bench-suite.toml" "$WORK/suite.toml"
fi

# 2. Latency-bound: every request waits 200 ms; ideal wall = N / c x 0.2 s.
if want 2; then
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
fi

# 3. Memory: one route on the instant endpoint, peak RSS as the dataset grows (median of
#    3). Cases are streamed from the file, so RSS should not follow the dataset's size.
if want 3; then
  start_endpoint 0
  for N in ${BENCH_MEMORY_CASES:-10000 100000 1000000}; do
    "$BIN/routeval-bench" dataset --cases "$N" --out "$WORK/mem.jsonl"
    "$BIN/routeval-bench" suite --url "http://127.0.0.1:$PORT/v1" --routes 1 --concurrency "$CONC" \
      --dataset "$WORK/mem.jsonl" --repo . --out "$WORK/mem.toml"
    RSSES=()
    for _ in 1 2 3; do
      rm -f "$WORK"/mem.db*
      read -r WALL CPU RSS < <(measure "$BIN/routeval" run "$WORK/mem.toml" --db "sqlite://$WORK/mem.db" --quiet)
      RSSES+=("$RSS")
    done
    RSS=$(median "${RSSES[@]}")
    printf '| peak RSS, %s cases x 1 route (dataset file %s MB; median of 3: %s MB) | %s MB | %.2f of the 100 MB target |\n' \
      "$N" "$(( $(stat -c %s "$WORK/mem.jsonl") / 1048576 ))" "${RSSES[*]}" "$RSS" "$(echo "$RSS / 100" | bc -l)"
  done
  rm -f "$WORK"/mem.*
  kill "$ENDPOINT_PID"; wait "$ENDPOINT_PID" 2>/dev/null || true
fi

# 4. The store's writer alone: outcomes shaped like the run above (one attempt, nine
#    score rows) through `spawn_writer` into a SQLite file (in-process, median of 3).
if want 4; then
  BENCH_RESULTS="$STORED" cargo bench -q -p routeval-store --bench insert | grep '^|'
fi

# 5. Rescore: a stored run of the bench suite (STORED results, recorded by `routeval run`
#    on the instant endpoint) re-graded by `routeval rescore`: pages read, graded on
#    rayon, the verdicts that changed written in one transaction. Twice: with the suite's
#    own scorer (no verdict changes: nothing to write) and with one that drops an enum
#    field (every verdict changes: all written). Median of 3, each on a fresh copy.
if want 5; then
  start_endpoint 0
  "$BIN/routeval-bench" dataset --cases "$((STORED / ROUTES))" --out "$WORK/stored.jsonl"
  "$BIN/routeval-bench" suite --url "http://127.0.0.1:$PORT/v1" --routes "$ROUTES" --concurrency "$CONC" \
    --dataset "$WORK/stored.jsonl" --repo . --out "$WORK/stored.toml"
  measure "$BIN/routeval" run "$WORK/stored.toml" --db "sqlite://$WORK/stored.db" --quiet >/dev/null
  kill "$ENDPOINT_PID"; wait "$ENDPOINT_PID" 2>/dev/null || true
  sed '/^fields/s/, "escalate"//' scorers/ticket_triage.toml > "$WORK/changed.toml"
  for SCORER in same changed; do
    ARGS=(); [ "$SCORER" = changed ] && ARGS=(--scorer "$WORK/changed.toml")
    WALLS=(); RSSES=()
    for _ in 1 2 3; do
      rm -f "$WORK"/rescore.db*
      for f in "$WORK"/stored.db*; do cp "$f" "${f/stored.db/rescore.db}"; done
      read -r WALL CPU RSS < <(measure "$BIN/routeval" rescore latest --db "sqlite://$WORK/rescore.db" "${ARGS[@]}")
      WALLS+=("$WALL"); RSSES+=("$RSS")
    done
    WALL=$(median "${WALLS[@]}")
    RESCORE_RPS=$(echo "$STORED / $WALL" | bc -l)
    printf '| rescore: %s stored results, %s (median of 3: %s s) | %.0f results/s (%.1f s), %s MB peak RSS | %.2f of the 200,000/s target |\n' \
      "$STORED" "$([ "$SCORER" = same ] && echo "same scorer, no verdict changes" || echo "one enum field dropped, every verdict changes")" \
      "${WALLS[*]}" "$RESCORE_RPS" "$WALL" "$(median "${RSSES[@]}")" "$(echo "$RESCORE_RPS / 200000" | bc -l)"
  done
  rm -f "$WORK"/stored.* "$WORK"/rescore.db* "$WORK/changed.toml"
fi

# 6. Grading alone (in-process, rayon): 100,000 triage and 100,000 tool-call answers.
if want 6; then
  cargo bench -q -p routeval-scorer --bench grade | awk '
    / responses\/s/ { for (i = 1; i < NF; i++) if ($(i + 1) == "responses/s") rate = $i
      printf "| grading alone: %s %s answers (`grade_batch`, median of 3) | %.0f responses/s | %.2f of the 200,000/s target |\n", $2, ($1 == "tools" ? "tool-call" : $1), rate, rate / 200000 }'
fi

# 7. Analysis over synthetic result rows, release profile (in-process, medians of 3).
if want 7; then
  BENCH_ROWS="$STORED,$((STORED * 10))" cargo bench -q -p routeval-analysis --bench analysis | grep '^|'
fi

# 8. Analysis from a SQLite file: a run of N result rows written through the store's
#    writer, then its frames built from the file (and ranked) in a fresh process.
if want 8; then
  for N in "$STORED" "$((STORED * 10))"; do
    "$BIN/routeval-bench" load --rows "$N" --db "$WORK/load.db" --reps 0 >/dev/null
    "$BIN/routeval-bench" load --rows "$N" --db "$WORK/load.db" --reuse | grep '^|'
    rm -f "$WORK"/load.db*
  done
fi

# 9. PostgreSQL, in a throwaway local cluster (scripts/pg-cluster.sh): the run of 1 end
#    to end beside its SQLite figure, then split across 2 and 4 processes of one run
#    (`--shard K/N`), the writer alone, and the analysis of STORED rows read back.
if want 9; then
  if command -v initdb >/dev/null || [[ -d /usr/lib/postgresql ]] || [[ -n "${BENCH_PG:-}" ]]; then
    if [[ -z "${BENCH_PG:-}" ]]; then
      # A folder of its own: the cluster's owner must reach it, and $WORK is private.
      PG_WORK=$(mktemp -d)
      BENCH_PG=$(scripts/pg-cluster.sh start "$PG_WORK")
      trap 'kill $(jobs -p) 2>/dev/null || true; scripts/pg-cluster.sh stop "$PG_WORK" || true; rm -rf "$WORK" "$PG_WORK"' EXIT
    fi
    fresh_db() { # name -> URL of an empty database of that name on the bench server
      psql "$BENCH_PG" -qX -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
      echo "${BENCH_PG%/*}/$1"
    }
    start_endpoint 0
    for N in 1 2 4; do
      WALLS=(); CPUS=()
      for _ in 1 2 3; do
        DB=$(fresh_db bench_e2e)
        START=$(date +%s.%N)
        PIDS=()
        for K in $(seq "$N"); do
          if [[ "$N" == 1 ]]; then SHARD=(); else SHARD=(--shard "$K/$N" --run-id bench); fi
          /usr/bin/time -f '%U %S' -o "$WORK/time-$K" "$BIN/routeval" run "$WORK/suite.toml" \
            --db "$DB" --quiet "${SHARD[@]}" >/dev/null 2>"$WORK/stderr-$K" &
          PIDS+=($!)
        done
        for P in "${PIDS[@]}"; do wait "$P" || { cat "$WORK"/stderr-*; exit 1; }; done
        WALLS+=("$(echo "$(date +%s.%N) - $START" | bc -l)")
        CPUS+=("$(cat "$WORK"/time-* | awk '{s += $1 + $2} END {print s}')")
        rm -f "$WORK"/time-* "$WORK"/stderr-*
      done
      PG_WALL=$(median "${WALLS[@]}")
      PG_RPS=$(echo "$RESULTS / $PG_WALL" | bc -l)
      printf '| routeval run into PostgreSQL, %s process(es) sharing one run: %s cases x %s routes, c=%s each (median of 3) | %.0f results/s, %.3f CPU-s per 1,000 | %.2f of wrk, %.2f of SQLite |\n' \
        "$N" "$CASES" "$ROUTES" "$CONC" "$PG_RPS" "$(echo "$(median "${CPUS[@]}") * 1000 / $RESULTS" | bc -l)" \
        "$(echo "$PG_RPS / $WRK_RPS" | bc -l)" "$(echo "$PG_RPS / $RPS" | bc -l)"
    done
    kill "$ENDPOINT_PID"; wait "$ENDPOINT_PID" 2>/dev/null || true
    BENCH_PG="$BENCH_PG" BENCH_RESULTS="$STORED" cargo bench -q -p routeval-store --bench insert | grep '^|'
    LOAD_DB=$("$BIN/routeval-bench" load --rows "$STORED" --db "$BENCH_PG" --reps 0 | sed -n 's/^database //p')
    "$BIN/routeval-bench" load --rows "$STORED" --db "$LOAD_DB" --reuse | grep '^|'
  fi
fi

# 10. `routeval grade` on logged responses (3,000 by default; BENCH_GRADE_RESPONSES) in
#     all four shapes, to cases that each offer their own tools (1,000 distinct tool
#     lists): the whole command, start-up included, timed with nanosecond clocks (GNU
#     time's 10 ms would be too coarse); median of 3. Then the same with `--db` into a
#     fresh SQLite file.
if want 10; then
  N="${BENCH_GRADE_RESPONSES:-3000}"
  "$BIN/routeval-bench" grade-logs --responses "$N" --out "$WORK/grade"
  GRADE=("$BIN/routeval" grade --scorer "$WORK/grade/scorer.toml" --cases "$WORK/grade/cases.jsonl"
    --responses "$WORK/grade/responses.jsonl")
  for DB in "" "sqlite://$WORK/grade.db"; do
    WALLS=()
    for _ in 1 2 3; do
      rm -f "$WORK"/grade.db*
      EXTRA=(); [[ -n "$DB" ]] && EXTRA=(--db "$DB")
      START=$(date +%s%N)
      "${GRADE[@]}" "${EXTRA[@]}" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; exit 1; }
      WALLS+=("$(echo "($(date +%s%N) - $START) / 1000000000" | bc -l)")
    done
    WALL=$(median "${WALLS[@]}")
    printf '| routeval grade%s: %s responses in 4 logged shapes, per-case tools (start-up included; median of 3: %s s) | %.0f responses/s (%.3f s) | |\n' \
      "${DB:+ --db sqlite}" "$N" "$(printf '%.3f ' "${WALLS[@]}" | sed 's/ $//')" "$(echo "$N / $WALL" | bc -l)" "$WALL"
  done
fi

# 11. A team's history: one night of the bench suite (BENCH_NIGHT_CASES cases x ROUTES
#     routes, 100,000 results by default) recorded by `routeval run`, copied inside the
#     database as 99 more nights (`routeval-bench nights`: every table, one verdict in 97
#     reversed per night), then `routeval history --last 100` and `routeval compare` of
#     the first and last nights, each a fresh process (median of 3; peak RSS the largest).
#     On SQLite, then on PostgreSQL when section 9 can start a server.
if want 11; then
  NIGHT_CASES="${BENCH_NIGHT_CASES:-$((100000 / ROUTES))}"
  NIGHTS="${BENCH_NIGHTS:-100}"
  start_endpoint 0
  "$BIN/routeval-bench" dataset --cases "$NIGHT_CASES" --out "$WORK/night.jsonl"
  "$BIN/routeval-bench" suite --url "http://127.0.0.1:$PORT/v1" --routes "$ROUTES" --concurrency "$CONC" \
    --dataset "$WORK/night.jsonl" --repo . --out "$WORK/night.toml"
  history_rows() { # db label
    "$BIN/routeval" run "$WORK/night.toml" --db "$1" --quiet >/dev/null
    local first last
    read -r first last < <("$BIN/routeval-bench" nights --db "$1" --copies "$((NIGHTS - 1))")
    # A team's database has long been vacuumed and checkpointed by the time its history
    # is read; one loaded a minute ago has not (PostgreSQL would still be writing the
    # load back and setting hint bits while it is timed). Settle it first.
    if [[ $1 == postgres* ]]; then
      psql "$1" -qX -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
    fi
    for what in history compare; do
      WALLS=(); RSSES=()
      for _ in 1 2 3; do
        if [[ $what == history ]]; then
          read -r WALL CPU RSS < <(measure "$BIN/routeval" history --db "$1" --last "$NIGHTS" --format json)
        else
          read -r WALL CPU RSS < <(measure "$BIN/routeval" compare "$first" "$last" --db "$1" --format json)
        fi
        WALLS+=("$WALL"); RSSES+=("$RSS")
      done
      WALL=$(median "${WALLS[@]}")
      printf '| %s over %s nights of %s results (%s result rows), %s (median of 3: %s s) | %.2f s, %s MB peak RSS | %.2f of the 10 s target, %.2f of 1 GB |\n' \
        "$what" "$NIGHTS" "$((NIGHT_CASES * ROUTES))" "$((NIGHTS * NIGHT_CASES * ROUTES))" "$2" "${WALLS[*]}" \
        "$WALL" "$(printf '%s\n' "${RSSES[@]}" | sort -n | tail -1)" "$(echo "$WALL / 10" | bc -l)" \
        "$(echo "$(printf '%s\n' "${RSSES[@]}" | sort -n | tail -1) / 1024" | bc -l)"
    done
  }
  history_rows "sqlite://$WORK/nights.db" SQLite
  rm -f "$WORK"/nights.db*
  if command -v initdb >/dev/null || [[ -d /usr/lib/postgresql ]] || [[ -n "${BENCH_PG:-}" ]]; then
    if [[ -z "${BENCH_PG:-}" ]]; then
      PG_WORK=$(mktemp -d)
      BENCH_PG=$(scripts/pg-cluster.sh start "$PG_WORK")
      trap 'kill $(jobs -p) 2>/dev/null || true; scripts/pg-cluster.sh stop "$PG_WORK" || true; rm -rf "$WORK" "$PG_WORK"' EXIT
    fi
    psql "$BENCH_PG" -qX -c "DROP DATABASE IF EXISTS bench_nights" -c "CREATE DATABASE bench_nights" >/dev/null
    history_rows "${BENCH_PG%/*}/bench_nights" PostgreSQL
  fi
  kill "$ENDPOINT_PID"; wait "$ENDPOINT_PID" 2>/dev/null || true
fi

# 12. The cold release build: `cargo build --release --locked -p routeval-cli` into an
#     empty target dir (the registry already fetched), under GNU time; the crates it
#     compiles (cargo's `Compiling` lines) and the binary's size. One run: it takes ten
#     minutes on two cores.
if want 12; then
  COLD="$WORK/cold-target"
  read -r WALL CPU RSS < <(CARGO_TARGET_DIR="$COLD" measure cargo build --release --locked -p routeval-cli)
  CRATES=$(grep -c '^ *Compiling ' "$WORK/stderr")
  printf '| cold release build, empty target dir | `cargo build --release --locked -p routeval-cli` | %d min %02d s wall, %d min %02d s CPU; %s crates; binary %.1f MB |\n' \
    "$(echo "$WALL / 60" | bc)" "$(echo "$WALL % 60 / 1" | bc)" "$(echo "$CPU / 60" | bc)" "$(echo "$CPU % 60 / 1" | bc)" \
    "$CRATES" "$(echo "$(stat -c %s "$COLD/release/routeval") / 1000000" | bc -l)"
  rm -rf "$COLD"
fi
