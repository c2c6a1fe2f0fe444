#!/usr/bin/env bash
# E-mail benchmark (BENCHMARKS.md): messages per second rendered, queued and accepted by a local SMTP server
# (Debian's aiosmtpd writing a Maildir, as in the tests) through the outbox worker and its connection pool,
# beside MailKit alone over the same connections. SQLite and PostgreSQL. MESSAGES (default 10000), CONNECTIONS (4).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
messages=${MESSAGES:-10000}
connections=${CONNECTIONS:-4}
work=$(mktemp -d /tmp/lifecycle-bench-email.XXXXXX)
chmod 755 "$work"
smtp_pid=
cleanup() { [ -n "$smtp_pid" ] && kill "$smtp_pid" 2>/dev/null; stop_postgres "$work/pg-cluster"; rm -rf "$work"; }
trap cleanup EXIT
dotnet build -c Release --nologo -v q bench/Lifecycle.Bench >/dev/null
bench=(dotnet bench/Lifecycle.Bench/bin/Release/net10.0/Lifecycle.Bench.dll)
start_postgres "$work/pg-cluster"
smtp_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$work/mailbox" &
smtp_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break; sleep 0.1; done

"${bench[@]}" email-send "127.0.0.1:$smtp_port" "$work/email.db" "$messages" "$connections"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE email_bench" >/dev/null
"${bench[@]}" email-send "127.0.0.1:$smtp_port" "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=email_bench" "$messages" "$connections"
echo "Maildir: $(ls "$work/mailbox/new" | wc -l) messages"
