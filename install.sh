#!/usr/bin/env bash
# Tollgate one-line install: ./install.sh
# Installs dependencies (building the SQLite addon), prepares the data directory (master key, migrations, first
# admin with a generated password printed once) and starts portal + gateway in one process on SQLite, no Redis.
# Re-running is safe: data, keys and the admin are kept; a running instance is restarted.
# Options: --no-start (prepare only). Environment: see README "Configuration" (TOLLGATE_DATA_DIR, ports, ...).
set -euo pipefail
cd "$(dirname "$0")"

start=1
for arg in "$@"; do
  case "$arg" in
    --no-start) start=0 ;;
    *) echo "unknown option: $arg (supported: --no-start)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

# Node.js >= 20.18.1 (undici 7 needs it).
command -v node >/dev/null || fail "Node.js 20.18 or newer is required: install it from your distribution or nodejs.org."
node -e 'const [a,b,c]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&(b>18||(b===18&&c>=1)))?0:1)' \
  || fail "Node.js $(node -v) is too old: 20.18.1 or newer is required."
command -v npm >/dev/null || fail "npm is required (it ships with Node.js)."

# better-sqlite3 compiles from source when no prebuilt binary can be fetched: it needs python3, make and a C++ compiler.
missing=()
for tool in python3 make g++; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing build tools: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 make g++ >/dev/null
  else
    fail "missing build tools: ${missing[*]} (on Debian/Ubuntu: sudo apt-get install python3 make g++)"
  fi
fi

# npm ci wipes node_modules and rebuilds the SQLite addon; a re-run skips it while the lockfile is unchanged.
stamp=node_modules/.tollgate-lock.sha256
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  say "Dependencies are up to date"
else
  say "Installing dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi

export TOLLGATE_DATA_DIR="${TOLLGATE_DATA_DIR:-$PWD/data}"
say "Preparing $TOLLGATE_DATA_DIR (master key, database migrations, first admin)"
npm run --silent setup

[ "$start" = 1 ] || { say "Prepared. Start with: npm start"; exit 0; }

pidfile="$TOLLGATE_DATA_DIR/tollgate.pid"
logfile="$TOLLGATE_DATA_DIR/tollgate.log"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  say "Stopping the running instance (pid $(cat "$pidfile"))"
  kill "$(cat "$pidfile")"
  for _ in $(seq 1 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.2; done
fi

say "Starting Tollgate (log: $logfile)"
nohup node --import tsx apps/all-in-one/src/main.ts >>"$logfile" 2>&1 &
echo $! >"$pidfile"

portal="http://${TOLLGATE_PORTAL_HOST:-127.0.0.1}:${TOLLGATE_PORTAL_PORT:-8080}"
gateway="http://${TOLLGATE_GATEWAY_HOST:-127.0.0.1}:${TOLLGATE_GATEWAY_PORT:-8081}"
for _ in $(seq 1 100); do
  if node -e "Promise.all(['$portal/healthz','$gateway/readyz'].map(u=>fetch(u).then(r=>{if(!r.ok)throw 0}))).then(()=>process.exit(0),()=>process.exit(1))" 2>/dev/null; then
    say "Tollgate is running: portal $portal, gateway $gateway/v1 (stop: kill \$(cat $pidfile))"
    exit 0
  fi
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -n 20 "$logfile" >&2; fail "Tollgate exited during start; see $logfile"; }
  sleep 0.2
done
tail -n 20 "$logfile" >&2
fail "Tollgate did not become ready within 20 s; see $logfile"
