#!/usr/bin/env bash
# Runs every Latchkey test, installing what the tests need first:
#   1. a Python venv (.venv) with the real clients the compatibility tests drive (boto3, AWS CLI, pytest,
#      aiosmtpd as the SMTP sink, pycognito), the Node clients (aws-sdk-js v3, aws-jwt-verify,
#      amazon-cognito-identity-js, Amplify, openid-client, playwright-core) with npm ci, and Debian's Chromium;
#   2. formatting and lint checks;
#   3. the Rust tests: core unit tests, in-process HTTP tests, and the store conformance suite on SQLite and on
#      PostgreSQL (postgres://postgres@127.0.0.1:5432/test by default; LATCHKEY_TEST_POSTGRES_URL overrides it;
#      when CI is set, a missing PostgreSQL fails the run instead of skipping);
#   4. the compatibility tests: real clients against a real `latchkey serve`.
# Usage: scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Python test environment (.venv)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum tests/compat/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install --quiet --upgrade pip==26.3
  .venv/bin/pip install --quiet -r tests/compat/requirements.txt
  echo "$want" > "$stamp"
fi

step "Node test clients (tests/compat/node: npm ci)"
if [ -f tests/compat/node/package-lock.json ]; then
  node_stamp=tests/compat/node/node_modules/.package-lock.sha256
  node_want=$(sha256sum tests/compat/node/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$node_stamp" 2>/dev/null)" != "$node_want" ]; then
    (cd tests/compat/node && npm ci --no-audit --no-fund --loglevel=error)
    echo "$node_want" > "$node_stamp"
  fi
fi

step "Debian's Chromium for the hosted-UI browser tests"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (unit, HTTP, store conformance on SQLite and PostgreSQL)"
cargo test --workspace --locked

step "compatibility tests with real clients (boto3, AWS CLI, aws-sdk-js v3, aws-jwt-verify, SMTP sink)"
cargo build -p latchkey --locked
LATCHKEY_BIN="$PWD/target/debug/latchkey" .venv/bin/python -m pytest tests/compat -q "$@"
