#!/usr/bin/env bash
# Profiles `latchkey serve` under one benchmark scenario (issue 18's breakdown in bench/RESULTS.md):
#   scripts/profile.sh GROUP "SCENARIO (N conns)" OUT.data [latchkey-bench args, e.g. --no-sqlite --database-url …]
# runs the benchmark's GROUP with the server started through a wrapper that records its pid, attaches
# `perf record` (DWARF call graphs) for 7 s once SCENARIO's warm-up is over, then prints the breakdown by crate
# and kernel activity (scripts/profile_breakdown.py). Needs a release build and Debian's linux-perf.
set -euo pipefail
cd "$(dirname "$0")/.."
group=$1; scenario=$2; out=$3; shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/latchkey" <<WRAP
#!/bin/sh
[ "\$1" = serve ] && echo \$\$ > "$work/pid"
exec "$PWD/target/release/latchkey" "\$@"
WRAP
chmod +x "$work/latchkey"
target/release/latchkey-bench --latchkey "$work/latchkey" --only "$group" --out "$work/run.json" \
  --work-dir "$work/bench" "$@" > "$work/log" 2>&1 &
bench=$!
until grep -qF "· $scenario" "$work/log"; do
  sleep 0.2
  kill -0 "$bench" 2>/dev/null || { cat "$work/log"; echo "scenario '$scenario' did not run" >&2; exit 1; }
done
sleep 4 # the scenario's 3 s warm-up
perf record -q -F 300 -g --call-graph dwarf,32768 -p "$(cat "$work/pid")" -o "$out" -- sleep 7
wait "$bench"
grep -F "| $scenario |" "$work/log" || true
python3 scripts/profile_breakdown.py "$out"
