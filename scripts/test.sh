#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test
# (unit tests, engine tests in one process, the multi-process integration tests
# over mutual TLS, the adversarial suite and a TLS scan), then a short run of each
# fuzzer (Fuzz/run.sh), and closes with one summary line: "tests: N passed, M failed".
# FUZZ_SECONDS (default 15) sets the fuzzing time per target; 0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
swift build --build-tests
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test --disable-swift-testing 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
fuzz_status=0
if [ "${FUZZ_SECONDS:-15}" != "0" ]; then
  bash Fuzz/run.sh "${FUZZ_SECONDS:-15}"
  fuzz_status=$?
fi
set -e
# XCTest's summary counts assertion failures, not failed tests ("Executed 5 tests, with 3 failures"
# can be one test), and words it otherwise when a test is skipped: count the tests by their own lines.
executed=$(grep -A1 "Test Suite 'All tests'" "$log" | grep -oE 'Executed [0-9]+ tests?' | tail -1 | grep -oE '[0-9]+')
failed=$(grep -cE "^Test Case '.*' failed" "$log" || true)
skipped=$(grep -cE "^Test Case '.*' skipped" "$log" || true)
if [ -z "$executed" ]; then
  echo "tests: no XCTest summary found (swift test exited $status)"
  exit $(( status == 0 ? 1 : status ))
fi
[ $fuzz_status -ne 0 ] && echo "fuzzing found a problem: see the fuzz: lines above"
if [ "$skipped" -gt 0 ]; then
  echo "tests: $((executed - failed - skipped)) passed, $failed failed, $skipped skipped"
else
  echo "tests: $((executed - failed)) passed, $failed failed"
fi
[ $status -ne 0 ] && exit "$status"
exit $fuzz_status
