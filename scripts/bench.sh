#!/usr/bin/env bash
# Latchkey's benchmark, in one command:
#   1. builds the release binaries (latchkey, latchkey-bench);
#   2. installs the peers it compares with into bench/.tools (gitignored): moto_server in a Python venv and
#      cognito-local with npm — skipped with --no-peers;
#   3. runs bench/ (target/release/latchkey-bench): the machine's raw limits (Argon2id verify, RS256 sign and
#      verify, the SRP server computation), then every scenario against `latchkey serve` on a fresh data dir
#      (SQLite; and PostgreSQL too with --database-url), then the same load generator against moto_server and
#      cognito-local; prints one table and the targets, and writes bench/last-run.json.
#
# Usage: scripts/bench.sh [--quick] [--no-peers] [--database-url postgres://user@host:port/db] [--keep-database]
#                         [--scale-users N] [--out FILE] [--keep]
#   --quick          short runs (1 s warm-up, 3 s measured) and a 20,000-user scale pool, for iterating (~4 min)
#   --database-url   also run on PostgreSQL: a fresh database latchkey_bench_<pid> is created next to the one
#                    named (with psql) and dropped afterwards, unless --keep-database, which uses the URL as given
#   --scale-users N  users in the scale pool (default 1,000,000; seeding them takes ~7 minutes on SQLite, ~4 on
#                    PostgreSQL)
#   --only GROUPS    run only some scenario groups (see target/release/latchkey-bench --help)
# The full run takes about 13 minutes on 2 cores (SQLite and the peers; 7 of them seed the million-user pool);
# --database-url adds about 10; --scale-users 100000 saves about 6 (and 4 more with PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

peers=1
database_url=""
keep_database=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-peers) peers=0 ;;
    --database-url) database_url="$2"; shift ;;
    --database-url=*) database_url="${1#*=}" ;;
    --keep-database) keep_database=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done

step "release build (latchkey, latchkey-bench)"
cargo build --release --locked -p latchkey -p latchkey-bench

tools=bench/.tools
if [ "$peers" = 1 ]; then
  step "peers in $tools: moto_server (PyPI moto[server]) and cognito-local (npm)"
  if [ ! -x "$tools/venv/bin/moto_server" ]; then
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/pip" install --quiet --upgrade pip
    "$tools/venv/bin/pip" install --quiet 'moto[server]==5.2.5'
  fi
  if [ ! -x "$tools/node/node_modules/.bin/cognito-local" ]; then
    mkdir -p "$tools/node"
    (cd "$tools/node" && npm install --no-audit --no-fund --loglevel=error cognito-local@5.3.0)
  fi
  args+=(--moto "$tools/venv/bin/moto_server" --cognito-local "$tools/node/node_modules/.bin/cognito-local")
fi

scratch_db=""
if [ -n "$database_url" ]; then
  if [ "$keep_database" = 1 ]; then
    args+=(--database-url "$database_url")
  else
    # postgres://user@host:port/db?opts → the same server, database latchkey_bench_<pid>.
    base="${database_url%%\?*}"
    query=""
    [ "$base" != "$database_url" ] && query="?${database_url#*\?}"
    server="${base%/*}"
    scratch_db="latchkey_bench_$$"
    step "PostgreSQL: creating the scratch database $scratch_db"
    psql "$database_url" -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE $scratch_db"
    trap 'psql "$database_url" -q -c "DROP DATABASE IF EXISTS $scratch_db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
    args+=(--database-url "$server/$scratch_db$query")
  fi
fi

case " ${args[*]} " in
  *" --out "*|*" --out="*) ;;
  *) args+=(--out bench/last-run.json) ;;
esac

step "benchmark"
target/release/latchkey-bench --latchkey target/release/latchkey "${args[@]}"
