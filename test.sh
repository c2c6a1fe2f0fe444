#!/usr/bin/env bash
# Runs every test against real parts: installs what is missing (PostgreSQL), starts a throwaway
# PostgreSQL cluster on a loopback port, runs `dotnet test`, and stops the cluster.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/lifecycle-test.XXXXXX)
pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
stop() {
  pg "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT
pg "$pgbin/initdb" -D "$work/pg" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
export LIFECYCLE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

set +e
dotnet test Lifecycle.slnx --nologo -v q 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line for CI, summed over the test assemblies.
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { f += $2; p += $4 } END { printf "tests: %d passed, %d failed\n", p, f }' "$work/test.log"
exit "$status"
