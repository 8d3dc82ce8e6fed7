#!/usr/bin/env bash
# Checks deploy/systemd/atriumd.service with systemd-analyze (the executable path pointed at the
# built atriumd) and that atriumd.toml is a configuration atriumd accepts. Exit 77: no
# systemd-analyze here.
#   deploy/systemd/check-unit.sh /path/to/atriumd
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
atriumd=$(realpath "${1:?usage: check-unit.sh /path/to/atriumd}")
command -v systemd-analyze >/dev/null || { echo "check-unit: SKIP: no systemd-analyze" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#=/usr/local/bin/atriumd #=$atriumd #" "$here/atriumd.service" > "$tmp/atriumd.service"
# systemd-analyze looks the User= up only when it runs units; verify checks syntax and paths.
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$tmp/atriumd.service" 2>&1 | grep -v 'No such file or directory' | grep -v '^$' || true)
if [ -n "$out" ]; then echo "$out" >&2; echo "check-unit: atriumd.service has problems" >&2; exit 1; fi
# The example configuration parses and every key in it is a known setting.
ATRIUM_CLUSTER_REDIS=redis://127.0.0.1:6379 "$atriumd" --config "$here/atriumd.toml" --check-config >/dev/null
echo "check-unit: atriumd.service and atriumd.toml are valid"
