#!/usr/bin/env bash
# Runs every test against real parts: installs what is missing (PostgreSQL, Debian's Chromium and CJK fonts
# for the browser tests), starts a throwaway PostgreSQL cluster on a loopback port, runs `dotnet test`, stops it.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# CJK fonts, so Japanese and Korean text in the dashboard screenshots and the report charts is legible
# (the charts draw Latin text in DejaVu Sans).
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! fc-list 2>/dev/null | grep -qi "DejaVu Sans"; then
  echo "installing fonts-noto-cjk fonts-dejavu-core"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fonts-dejavu-core >/dev/null
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "installing nodejs"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
# The real Segment and RudderStack clients for the conformance tests, pinned by package-lock.json
# (npm install, not npm ci: npm 11 here rejects the lock for optional platform packages it lists).
(cd tests/conformance && npm install --no-audit --no-fund --loglevel=error >/dev/null)

work=$(mktemp -d /tmp/lifecycle-test.XXXXXX)
trap 'stop_postgres "$work"; rm -rf "$work"' EXIT
# Durability is not under test here; the benchmark runs with the defaults.
PG_EXTRA_OPTIONS="-c fsync=off -c synchronous_commit=off" start_postgres "$work"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"

# A real SMTP server on loopback for the Email tests: Debian's aiosmtpd writes every message it accepts into a
# Maildir (Debian's python3: the pyenv one on PATH cannot see Debian's modules).
if ! /usr/bin/python3 -c "import aiosmtpd" 2>/dev/null; then
  echo "installing python3-aiosmtpd"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-aiosmtpd >/dev/null
fi
smtp_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$work/mailbox" &
smtp_pid=$!
trap "kill $smtp_pid 2>/dev/null || true; $(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")" EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break; sleep 0.1; done
export LIFECYCLE_TEST_SMTP="127.0.0.1:$smtp_port" LIFECYCLE_TEST_MAILBOX="$work/mailbox"
echo "SMTP (aiosmtpd) on $LIFECYCLE_TEST_SMTP, Maildir $LIFECYCLE_TEST_MAILBOX"

set +e
# Quiet build, but each failure with its message and stack (quiet verbosity would print only its name).
dotnet test Lifecycle.slnx --nologo -v q --logger "console;verbosity=minimal" 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line for CI, summed over the test assemblies.
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { f += $2; p += $4 } END { printf "tests: %d passed, %d failed\n", p, f }' "$work/test.log"
exit "$status"
