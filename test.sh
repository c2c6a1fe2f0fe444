#!/usr/bin/env bash
# Runs every test against real parts: installs what is missing (PostgreSQL), starts a throwaway
# PostgreSQL cluster on a loopback port, runs `dotnet test`, and stops the cluster.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh

work=$(mktemp -d /tmp/lifecycle-test.XXXXXX)
trap 'stop_postgres "$work"; rm -rf "$work"' EXIT
# Durability is not under test here; the benchmark runs with the defaults.
PG_EXTRA_OPTIONS="-c fsync=off -c synchronous_commit=off" start_postgres "$work"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"

set +e
dotnet test Lifecycle.slnx --nologo -v q 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line for CI, summed over the test assemblies.
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { f += $2; p += $4 } END { printf "tests: %d passed, %d failed\n", p, f }' "$work/test.log"
exit "$status"
