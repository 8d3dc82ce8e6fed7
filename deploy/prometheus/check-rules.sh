#!/usr/bin/env bash
# Validates the alerting rules and runs their unit tests with promtool (Debian package
# "prometheus"). Exits 77 (ctest: skipped) when promtool is not installed.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v promtool >/dev/null; then
  echo "promtool not found: skipping the alert rule checks"
  exit 77
fi
promtool check rules alerts.yml
promtool test rules alerts_test.yml
