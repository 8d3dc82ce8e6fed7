#!/usr/bin/env bash
# Control-loop latency under storage load (issue 10): bench/control_loop.mjs in its four scenarios
# against one atriumd/atrium pair (default: this tree's build), one JSON line each.
#   bench/control-loop.sh [seconds] [atriumd] [atrium]
# The pg scenario runs under scripts/with-postgres (a throwaway PostgreSQL on loopback) behind
# bench/delay_proxy.mjs (+1 ms each way).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
export ATRIUMD=${2:-$PWD/build/src/app/atriumd}
export ATRIUM_CLI=${3:-$PWD/build/tools/atrium/atrium}
for scenario in idle sla lock; do
  node bench/control_loop.mjs --scenario "$scenario" --seconds "$secs"
done
scripts/with-postgres node bench/control_loop.mjs --scenario pg --seconds "$secs"
