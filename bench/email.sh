#!/usr/bin/env bash
# E-mail benchmark (BENCHMARKS.md): messages per second rendered, queued and accepted by a local SMTP server
# through the outbox worker and its connection pool, beside MailKit alone over the same connections.
# SQLite and PostgreSQL, each against two SMTP servers on loopback: Debian's aiosmtpd writing a Maildir (as in
# the tests; single-threaded Python, so it is the ceiling) and Postfix's smtp-sink (a C server that accepts and
# discards, taken from the postfix .deb without installing the mail system), which shows what our side does.
# MESSAGES (default 10000), CONNECTIONS (4).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
messages=${MESSAGES:-10000}
connections=${CONNECTIONS:-4}
work=$(mktemp -d /tmp/lifecycle-bench-email.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; stop_postgres "$work/pg-cluster"; rm -rf "$work"; }
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "no server on $1"; exit 2; }

dotnet build -c Release --nologo -v q bench/Lifecycle.Bench >/dev/null
bench=(dotnet bench/Lifecycle.Bench/bin/Release/net10.0/Lifecycle.Bench.dll)
start_postgres "$work/pg-cluster"

aiosmtpd_port=$(free_port)
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$aiosmtpd_port" -c aiosmtpd.handlers.Mailbox "$work/mailbox" &
pids+=($!)
(cd "$work" && apt-get download -qq postfix 2>/dev/null && dpkg -x postfix_*.deb postfix)
sink_port=$(free_port)
LD_LIBRARY_PATH="$work/postfix/usr/lib/postfix" "$work/postfix/usr/sbin/smtp-sink" -u nobody -m 64 "127.0.0.1:$sink_port" 256 &
pids+=($!)
wait_port "$aiosmtpd_port"; wait_port "$sink_port"

for server in "aiosmtpd:$aiosmtpd_port" "smtp-sink:$sink_port"; do
  name=${server%%:*}; port=${server##*:}
  echo "== SMTP server: $name"
  rm -f "$work/email.db"*
  "${bench[@]}" email-send "127.0.0.1:$port" "$work/email.db" "$messages" "$connections"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS email_bench" -c "CREATE DATABASE email_bench" >/dev/null
  "${bench[@]}" email-send "127.0.0.1:$port" "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=email_bench" "$messages" "$connections"
done
echo "Maildir: $(ls "$work/mailbox/new" | wc -l) messages"
