#!/usr/bin/env bash
# Import benchmark (BENCHMARKS.md): a demo dataset (default 100,000 contacts, ~2,000,000 events) imported with
# `lifecycle import` on SQLite and on PostgreSQL, side by side with the plainest fast path of each engine
# writing the same event rows (bench/Lifecycle.Bench plain-events). Prints one JSON line per measurement
# and a summary with medians. Not a test: run it by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
contacts=${CONTACTS:-100000}
months=${MONTHS:-24}
runs=${RUNS:-3}

work=$(mktemp -d /tmp/lifecycle-bench.XXXXXX)
chmod 755 "$work"  # the postgres user must reach its cluster folder inside
trap 'stop_postgres "$work/pg-cluster"; rm -rf "$work"' EXIT
dotnet build -c Release --nologo -v q src/Lifecycle.Cli >/dev/null
dotnet build -c Release --nologo -v q bench/Lifecycle.Bench >/dev/null
cli=(dotnet src/Lifecycle.Cli/bin/Release/net10.0/Lifecycle.Cli.dll)
plain=(dotnet bench/Lifecycle.Bench/bin/Release/net10.0/Lifecycle.Bench.dll plain-events)

"${cli[@]}" demo "$work/all" --contacts "$contacts" --months "$months" --seed 7 --until 2026-10 >/dev/null
mkdir -p "$work/rest" "$work/events"
for f in "$work"/all/*.csv; do ln -s "$f" "$work/rest/"; done
ln -s "$work/all/events.jsonl" "$work/events/events.jsonl"
events=$(wc -l < "$work/all/events.jsonl")
echo "dataset: $contacts contacts, $events events, $(du -sh "$work/all" | cut -f1)"

start_postgres "$work/pg-cluster"   # default durability settings, unlike the test cluster
psql_admin() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qtAc "$1"; }

# measure NAME COMMAND...: runs the command under GNU time, prints seconds and peak RSS as JSON.
measure() {
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 2; }
  read -r seconds kib < "$work/time"
  printf '{"run":"%s","seconds":%s,"peak_rss_mib":%d,"events_per_second":%.0f}\n' \
    "$name" "$seconds" $((kib / 1024)) "$(awk -v e="$events" -v s="$seconds" 'BEGIN { print e / s }')" | tee -a "$work/results.jsonl"
}

for run in $(seq "$runs"); do
  rm -f "$work"/*.db*
  "${cli[@]}" --db "$work/import.db" import "$work/rest" >/dev/null
  measure sqlite_import "${cli[@]}" --db "$work/import.db" import "$work/events"
  "${plain[@]}" "$work/all" "$work/plain.db" | sed 's/^{/{"run":"sqlite_plain",/' | tee -a "$work/results.jsonl"

  psql_admin "DROP DATABASE IF EXISTS bench_import; DROP DATABASE IF EXISTS bench_plain;" 2>/dev/null || true
  psql_admin "CREATE DATABASE bench_import"; psql_admin "CREATE DATABASE bench_plain"
  pg="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database"
  "${cli[@]}" --db "$pg=bench_import" import "$work/rest" >/dev/null
  measure postgres_import "${cli[@]}" --db "$pg=bench_import" import "$work/events"
  "${plain[@]}" "$work/all" "$pg=bench_plain" | sed 's/^{/{"run":"postgres_plain",/' | tee -a "$work/results.jsonl"
  if [ "$run" = 1 ]; then
    # Whole-folder import (every file), once: its time and the peak memory of a complete import.
    psql_admin "DROP DATABASE bench_import"; psql_admin "CREATE DATABASE bench_import"
    measure postgres_full_import "${cli[@]}" --db "$pg=bench_import" import "$work/all"
    rm -f "$work"/*.db*
    measure sqlite_full_import "${cli[@]}" --db "$work/import.db" import "$work/all"
  fi
done

/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(run, key):
    v = [r[key] for r in rows if r["run"] == run and key in r]
    return statistics.median(v) if v else float("nan")
for engine in ("sqlite", "postgres"):
    imp, base = med(f"{engine}_import", "seconds"), med(f"{engine}_plain", "seconds")
    print(f"{engine}: import {med(f'{engine}_import','events_per_second'):,.0f} ev/s ({imp:.1f} s), "
          f"plain {med(f'{engine}_plain','events_per_second'):,.0f} ev/s ({base:.1f} s), ratio {imp/base:.2f}x, "
          f"full import {med(f'{engine}_full_import','seconds'):.1f} s, peak RSS {med(f'{engine}_full_import','peak_rss_mib'):.0f} MiB")
PY
