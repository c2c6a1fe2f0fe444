# Sourced by test.sh and bench/import.sh: a throwaway PostgreSQL cluster on a loopback port.
# start_postgres DIR  -> exports PG_PORT and LIFECYCLE_TEST_POSTGRES; stop_postgres DIR stops it.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_postgres_installed() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "installing postgresql"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
}

# PostgreSQL refuses to run as root: as root, run its binaries as the postgres user.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
  local dir=$1
  ensure_postgres_installed
  PG_BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  PG_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_postgres "$PG_BIN/initdb" -D "$dir/pg" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 ${PG_EXTRA_OPTIONS:-} -c max_connections=200" start >/dev/null
  export PG_PORT PG_BIN
  export LIFECYCLE_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
}

stop_postgres() {
  local dir=$1
  [ -n "${PG_BIN:-}" ] && as_postgres "$PG_BIN/pg_ctl" -D "$dir/pg" -m immediate stop >/dev/null 2>&1 || true
}
