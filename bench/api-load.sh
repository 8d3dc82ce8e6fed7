#!/usr/bin/env bash
# Starts a throwaway atriumd (dev mode, loopback, rate limit lifted) and measures end-to-end API
# requests per second over HTTPS keep-alive with bench/api_load.mjs. Bounded by --seconds.
#   bench/api-load.sh [connections] [seconds] [action]
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-16}; secs=${2:-10}; action=${3:-DescribeScaleInfo}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
build/src/app/atriumd --server.mode=dev --server.data_dir="$dir" --signal.address=127.0.0.1 --signal.port=0 \
  --api.address=127.0.0.1 --api.port=0 --api.requests_per_second=1000000 --api.burst=1000000 \
  --metrics.port=0 --server.log_level=warn --server.ready_file="$dir/ready.json" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$dir/ready.json" ] && break; sleep 0.1; done
port=$(node -e "console.log(require('$dir/ready.json').api.port)")
app=$(node -e "console.log(require('$dir/ready.json').demoApp.sdkAppId)")
key=$(build/tools/atrium/atrium --server.data_dir="$dir" apikey create --app "$app" --json)
id=$(node -e "console.log(JSON.parse(process.argv[1]).secretId)" "$key")
secret=$(node -e "console.log(JSON.parse(process.argv[1]).secretKey)" "$key")
node bench/api_load.mjs --port "$port" --ca "$dir/tls/cert.pem" --secret-id "$id" --secret-key "$secret" \
  --app "$app" --connections "$conns" --seconds "$secs" --action "$action"
