#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test
# (unit tests and the multi-process integration tests over mutual TLS), and
# closes with one summary line: "tests: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test --disable-swift-testing 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
line=$(grep -A1 "Test Suite 'All tests'" "$log" | grep -oE 'Executed [0-9]+ tests?, with [0-9]+ failures?' | tail -1)
executed=$(echo "$line" | grep -oE '[0-9]+' | head -1)
failed=$(echo "$line" | grep -oE '[0-9]+' | tail -1)
if [ -z "$executed" ]; then
  echo "tests: no XCTest summary found (swift test exited $status)"
  exit $(( status == 0 ? 1 : status ))
fi
echo "tests: $((executed - failed)) passed, $failed failed"
exit "$status"
