#!/usr/bin/env bash
# Proof that `Lifecycle.Bench seed` stores what `lifecycle demo` + `lifecycle import` store (BENCHMARKS.md, issue 8):
# one demo folder imported into a fresh database, the same arguments seeded into another, and every table compared
# (`Lifecycle.Bench seed compare`: row counts and a SHA-256 of each table's rows in canonical order, plus the schema
# objects). On SQLite and, unless POSTGRES=0, on PostgreSQL: a running server on 127.0.0.1 when PG_PORT is set (user
# postgres, as scripts/postgres.sh makes it), else a throwaway cluster in PG_DIR (default /tmp/pg-seed), removed after.
# CONTACTS (5000), MONTHS (6), SEED (7), UNTIL (YYYY-MM, default this month). Exit code 0 when both engines match.
set -euo pipefail
cd "$(dirname "$0")/.."
contacts=${CONTACTS:-5000}
months=${MONTHS:-6}
seed=${SEED:-7}
until=${UNTIL:-$(date -u +%Y-%m)}

work=$(mktemp -d /tmp/seed-check.XXXXXX)
pg_started=""
cleanup() {
  if [ -n "$pg_started" ]; then stop_postgres "$pg_started"; rm -rf "$pg_started"; fi
  rm -rf "$work"
}
trap cleanup EXIT
dotnet build -c Release --nologo -v q src/Lifecycle.Cli >/dev/null
dotnet build -c Release --nologo -v q bench/Lifecycle.Bench >/dev/null
cli=(dotnet src/Lifecycle.Cli/bin/Release/net10.0/Lifecycle.Cli.dll)
bench=(dotnet bench/Lifecycle.Bench/bin/Release/net10.0/Lifecycle.Bench.dll seed)

"${cli[@]}" demo "$work/demo" --contacts "$contacts" --months "$months" --seed "$seed" --until "$until"
result=0

# check IMPORTED_DB SEEDED_DB: import into one, seed the other, compare.
check() {
  "${cli[@]}" --db "$1" import "$work/demo" >/dev/null
  "${bench[@]}" "$2" "$contacts" "$months" "$seed" "$until" | grep -v '^{'
  "${bench[@]}" compare "$1" "$2" || result=1
}

echo "== SQLite"
check "$work/imported.db" "$work/seeded.db"

if [ "${POSTGRES:-1}" = 1 ]; then
  echo "== PostgreSQL"
  if [ -z "${PG_PORT:-}" ]; then
    source scripts/postgres.sh
    pg_dir=${PG_DIR:-/tmp/pg-seed}
    if [ -e "$pg_dir" ]; then echo "$pg_dir exists: set PG_PORT to use its server, or remove it" >&2; exit 2; fi
    PG_EXTRA_OPTIONS="-c fsync=off" start_postgres "$pg_dir"
    pg_started=$pg_dir
  fi
  psql_admin() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qtAc "$1"; }
  for db in seed_check_imported seed_check_seeded; do psql_admin "DROP DATABASE IF EXISTS $db"; psql_admin "CREATE DATABASE $db"; done
  pg="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database"
  check "$pg=seed_check_imported" "$pg=seed_check_seeded"
  for db in seed_check_imported seed_check_seeded; do psql_admin "DROP DATABASE $db"; done
fi
exit $result
