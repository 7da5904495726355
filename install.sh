#!/usr/bin/env bash
# Tollgate one-line install: ./install.sh   (./install.sh --help for the options)
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  cat <<'EOF'
Usage: ./install.sh [--no-start]

Installs Tollgate's dependencies (building the SQLite addon once per machine), builds the web app, prepares the data directory
(master key, database migrations, the first admin with a generated password printed once) and starts portal
and gateway in one process in the background, on SQLite with no Redis.

Re-running is safe: data, keys and the admin are kept, and a running instance is restarted.

Options:
  --no-start   prepare only; start later with `npm start` (foreground)
  -h, --help   show this help

Environment (see the README's Configuration table for all of them):
  TOLLGATE_DATA_DIR                            data directory (default ./data)
  TOLLGATE_PORTAL_PORT, TOLLGATE_GATEWAY_PORT  listen ports (default 8080, 8081)
  TOLLGATE_ADMIN_EMAIL                         the first admin's email (default admin@localhost)

Lost the admin password? npm run setup -- --reset-admin-password
EOF
}

start=1
for arg in "$@"; do
  case "$arg" in
    --no-start) start=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option: $arg (see ./install.sh --help)" >&2; exit 2 ;;
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

# The SQLite addon takes over a minute to compile, which is most of a first install. Each build is kept as a
# prebuild tarball in the npm cache (through prebuild-install's documented local-prebuilds folder), so a later
# install with that cache (another clone, a changed lockfile) unpacks it instead of compiling again; clearing
# the npm cache clears it too.
prebuilds="$(npm config get cache)/_tollgate-prebuilds"
export npm_config_better_sqlite3_local_prebuilds="$prebuilds"
sqlite_works() { node -e 'new (require("better-sqlite3"))(":memory:").prepare("select 1").get()' 2>/dev/null; }
keep_sqlite_build() {
  local name
  name=$(node -p 'const v=require("better-sqlite3/package.json").version, libc=process.platform==="linux"&&!process.report.getReport().header.glibcVersionRuntime?"musl":"";
    `better-sqlite3-v${v}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`')
  [ -f "$prebuilds/$name" ] && return 0
  mkdir -p "$prebuilds"
  tar -czf "$prebuilds/$name.tmp" -C node_modules/better-sqlite3 build/Release/better_sqlite3.node && mv "$prebuilds/$name.tmp" "$prebuilds/$name"
}

# Runs a long command with its output in a log, printing what it is doing every 10 s so a quiet minute never
# looks like a hang; on failure the log's end is shown.
with_progress() {
  local log=$1 phase=$2; shift 2
  "$@" >"$log" 2>&1 &
  local pid=$! last=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $((SECONDS - last)) -ge 10 ]; then
      last=$SECONDS
      printf '    still working (%s s): %s\n' "$SECONDS" "$("$phase" "$log")"
    fi
  done
  wait "$pid" && return 0
  tail -n 30 "$log" >&2
  fail "'$*' failed; the whole log is in $log"
}
npm_phase() {
  if grep -q 'CXX(target)\|CC(target)' "$1"; then echo "compiling the SQLite addon (better-sqlite3) from source: about a minute, once per machine"
  elif grep -q 'better-sqlite3@.* install' "$1"; then echo "setting up the SQLite addon (better-sqlite3)"
  else echo "fetching and unpacking packages"; fi
}

# npm ci wipes node_modules and rebuilds the SQLite addon; a re-run skips it while the lockfile is unchanged.
stamp=node_modules/.tollgate-lock.sha256
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  say "Dependencies are up to date"
else
  npm_log=$(mktemp "${TMPDIR:-/tmp}/tollgate-npm-ci.XXXXXX.log")
  say "Installing dependencies with npm ci (log: $npm_log)"
  SECONDS=0
  with_progress "$npm_log" npm_phase npm ci --no-audit --no-fund --loglevel=error --foreground-scripts
  if ! sqlite_works; then
    # A kept build that no longer loads (a changed system library): throw it away and compile.
    say "The kept SQLite addon does not load here; compiling it"
    rm -rf "$prebuilds"
    with_progress "$npm_log" npm_phase env -u npm_config_better_sqlite3_local_prebuilds npm rebuild better-sqlite3 --foreground-scripts
    sqlite_works || fail "the SQLite addon (better-sqlite3) does not load; see $npm_log"
  fi
  keep_sqlite_build || echo "    (could not keep the SQLite addon build in $prebuilds; the next install compiles it again)"
  say "Dependencies installed in $SECONDS s"
  rm -f "$npm_log"
  echo "$lock_hash" >"$stamp"
fi

# The web app the portal serves at /: a Vite build of apps/web into apps/web/dist (a second or so).
say "Building the web app (apps/web)"
SECONDS=0
build_log=$(mktemp "${TMPDIR:-/tmp}/tollgate-web-build.XXXXXX.log")
npm run --silent build:web >"$build_log" 2>&1 || { cat "$build_log" >&2; fail "the web app did not build; see the lines above"; }
rm -f "$build_log"
say "Web app built in $SECONDS s"

# The servers run as plain JavaScript: scripts/build.mjs bundles them into dist/ (under a second).
say "Building the servers (dist/)"
node scripts/build.mjs >/dev/null || fail "the servers did not build; see the lines above"

export TOLLGATE_DATA_DIR="${TOLLGATE_DATA_DIR:-$PWD/data}"
say "Preparing $TOLLGATE_DATA_DIR (master key, database migrations, first admin)"
npm run --silent setup

[ "$start" = 1 ] || { say "Prepared. Start with: npm start"; exit 0; }

pidfile="$TOLLGATE_DATA_DIR/tollgate.pid"
logfile="$TOLLGATE_DATA_DIR/tollgate.log"
entry=dist/all-in-one.mjs
# A pid file can outlive its process, and the pid can since belong to anything: signal it only when it is this
# installation's Tollgate (its command line runs our entry point, and on Linux its working directory is here).
is_our_instance() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 1
  # (an instance started by an older install runs the TypeScript entry point through tsx)
  case "$(ps -o args= -p "$pid" 2>/dev/null)" in *"$entry"* | *apps/all-in-one/src/main.ts*) ;; *) return 1 ;; esac
  [ ! -e "/proc/$pid/cwd" ] || [ "$(readlink -f "/proc/$pid/cwd")" = "$(pwd -P)" ]
}
if [ -f "$pidfile" ]; then
  old=$(cat "$pidfile")
  if [[ "$old" =~ ^[0-9]+$ ]] && is_our_instance "$old"; then
    say "Stopping the running instance (pid $old)"
    kill "$old"
    for _ in $(seq 1 75); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$old" 2>/dev/null && fail "the running instance (pid $old) did not stop within 15 s"
  else
    say "Ignoring a stale pid file ($pidfile: pid '$old' is not a running Tollgate)"
  fi
  rm -f "$pidfile"
fi

say "Starting Tollgate (log: $logfile)"
nohup node "$entry" >>"$logfile" 2>&1 &
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
