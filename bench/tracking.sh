#!/usr/bin/env bash
# Tracking benchmark (BENCHMARKS.md): peak events/s through /v1/batch (100 events a request) and requests/s
# through /v1/track with wrk over loopback; p50/p99 latency at half the peak batch rate (open-loop client);
# the plain path writing the same events; and a kill -9 durability check. SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
seconds=${SECONDS_PER_RUN:-20}
warmup=${WARMUP_SECONDS:-20}
command -v wrk >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null

work=$(mktemp -d /tmp/lifecycle-bench-tracking.XXXXXX)
chmod 755 "$work"  # the postgres user must reach its cluster folder inside
server_pid=
cleanup() { [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; stop_postgres "$work/pg-cluster"; rm -rf "$work"; }
trap cleanup EXIT
dotnet build -c Release --nologo -v q src/Lifecycle.Cli >/dev/null
dotnet build -c Release --nologo -v q bench/Lifecycle.Bench >/dev/null
cli=(dotnet src/Lifecycle.Cli/bin/Release/net10.0/Lifecycle.Cli.dll)
bench=(dotnet bench/Lifecycle.Bench/bin/Release/net10.0/Lifecycle.Bench.dll)
start_postgres "$work/pg-cluster"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

fresh_db() { # fresh_db ENGINE NAME -> prints a connection string
  if [ "$1" = sqlite ]; then rm -f "$work/$2.db"*; echo "$work/$2.db"
  else psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >/dev/null
       echo "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$2"; fi
}
start_server() { # start_server DB [VAR=value ...]: extra settings as environment variables
  local db=$1; shift
  env "$@" "${cli[@]}" --db "$db" serve --urls "$url" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do curl -sf "$url/health/ready" >/dev/null && return; sleep 0.2; done
  cat "$work/server.log"; exit 2
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=; }
count_ids() { # count_ids ENGINE DB FILE -> how many ids of FILE are stored, and total rows
  if [ "$1" = sqlite ]; then
    /usr/bin/python3 - "$2" "$3" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("CREATE TEMP TABLE acked(id TEXT PRIMARY KEY)")
db.executemany("INSERT OR IGNORE INTO acked VALUES (?)", ((l.strip(),) for l in open(sys.argv[2]) if l.strip()))
print(db.execute("SELECT (SELECT count(*) FROM acked), (SELECT count(*) FROM acked a JOIN events e ON e.message_id = a.id), (SELECT count(*) FROM events), (SELECT count(DISTINCT message_id) FROM events)").fetchone())
PY
  else
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${2##*Database=}" -qtA \
      -c "CREATE TEMP TABLE acked(id text PRIMARY KEY)" -c "\copy acked FROM '$3'" \
      -c "SELECT '(' || (SELECT count(*) FROM acked) || ', ' || (SELECT count(*) FROM acked a JOIN events e ON e.message_id = a.id) || ', ' || (SELECT count(*) FROM events) || ', ' || (SELECT count(DISTINCT message_id) FROM events) || ')'" | tail -n 1
  fi
}

mkdir -p "$work/sample"
"${bench[@]}" sample-events "$work/sample/events.jsonl" 1000000
for engine in ${ENGINES:-sqlite postgres}; do
  db=$(fresh_db $engine bench_tracking)
  key=$("${cli[@]}" --db "$db" keys create --kind write --name bench)
  export BASIC_AUTH=$(printf '%s:' "$key" | base64 -w0)
  # The ingest node runs without the scoring worker (Lifecycle:Scoring:Worker=false), as a busy deployment would
  # run it on one node of its own; a warm-up lets tiered compilation reach its optimized code first.
  start_server "$db" Lifecycle__Scoring__Worker=false
  wrk -t2 -c32 -d"${warmup}s" -s bench/tracking/batch.lua "$url" >/dev/null
  wrk -t2 -c32 -d"${seconds}s" -s bench/tracking/batch.lua "$url" >"$work/wrk-batch.txt"
  batch_rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk-batch.txt")
  wrk -t2 -c32 -d"${seconds}s" --latency -s bench/tracking/track.lua "$url" >"$work/wrk-track.txt"
  track_rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk-track.txt")
  half=$(awk -v r="$batch_rps" 'BEGIN { print r / 2 }')
  latency=$("${bench[@]}" tracking-load "$url" "$key" "$half" "$seconds")
  stop_server
  plain=$("${bench[@]}" plain-events "$work/sample" "$(fresh_db $engine bench_plain)")
  printf '{"engine":"%s","batch_events_per_second":%.0f,"track_requests_per_second":%.0f,"at_half_peak":%s,"plain":%s}\n' \
    "$engine" "$(awk -v r="$batch_rps" 'BEGIN { print r * 100 }')" "$track_rps" "$latency" "$plain"
  grep -E "Latency|50%|99%" "$work/wrk-track.txt" | sed "s/^/  $engine \/v1\/track: /"

  # Durability: kill -9 in the middle of a load; every event answered 200 must be there, none twice.
  db=$(fresh_db $engine bench_durability)
  key=$("${cli[@]}" --db "$db" keys create --kind write --name bench)
  start_server "$db"
  rm -f "$work/acked.txt"
  "${bench[@]}" tracking-load "$url" "$key" 200 8 "$work/acked.txt" >"$work/load.json" &
  load_pid=$!
  sleep 4; kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  wait "$load_pid" || true
  start_server "$db"; stop_server
  echo "  $engine durability (acked, acked found, rows, distinct ids): $(count_ids $engine "$db" "$work/acked.txt")"
done
