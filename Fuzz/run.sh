#!/usr/bin/env bash
# Builds the libFuzzer targets (swiftc -sanitize=fuzzer,address) and runs each
# for SECONDS (default 60) from its seed corpus under Fuzz/corpus/. New inputs
# that reach new code go to .build/fuzz/corpus/TARGET (not committed); a crash
# stops the run, is saved to .build/fuzz/crashes/ and makes the script exit 1.
#
#   Fuzz/run.sh [SECONDS] [TARGET...]     targets: http-parser json-reader change-codec csv-reader tickets
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(http-parser json-reader change-codec csv-reader tickets)
out=.build/fuzz
mkdir -p "$out/crashes"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -Xlinker --allow-multiple-definition)

needs() { printf '%s\n' "${targets[@]}" | grep -qx "$1"; }
# Compiles a target binary ($1) with swiftc's remaining arguments; a failed compile stops the run
# (exit 1) and removes the old binary, so an old build is never fuzzed in its place.
build() {
  local binary=$1; shift
  local log; log=$(mktemp)
  if ! swiftc "$@" -o "$binary" >"$log" 2>&1; then
    grep -v "ld.gold: warning" "$log" | tail -20
    rm -f "$log" "$binary"
    echo "fuzz: building $(basename "$binary") FAILED (see above)"
    exit 1
  fi
  grep -v "ld.gold: warning" "$log" || true
  rm -f "$log"
}
# Whether $1 is missing or older than any file given after it.
stale() { local binary=$1; shift; [ ! -e "$binary" ] || [ -n "$(find "$@" -newer "$binary" 2>/dev/null | head -1)" ]; }
if needs http-parser && stale "$out/http-parser" Sources/HTTP1 Fuzz/targets/HTTPParserFuzz.swift; then
  echo "fuzz: building http-parser"
  build "$out/http-parser" "${flags[@]}" -module-name HTTP1Fuzz Sources/HTTP1/*.swift Fuzz/targets/HTTPParserFuzz.swift
fi
if needs json-reader || needs change-codec || needs csv-reader || needs tickets; then
  if stale "$out/synccore" Sources/SyncCore Fuzz/targets/SyncCoreFuzz.swift; then
    echo "fuzz: building synccore (json-reader, change-codec, csv-reader, tickets)"
    build "$out/synccore" "${flags[@]}" -module-name SyncCoreFuzz $(find Sources/SyncCore -name '*.swift') Fuzz/targets/SyncCoreFuzz.swift
  fi
fi

status=0
for target in "${targets[@]}"; do
  binary="$out/synccore"
  [ "$target" = http-parser ] && binary="$out/http-parser"
  corpus="$out/corpus/$target"
  mkdir -p "$corpus"
  log="$out/$target.log"
  set +e
  FUZZ_TARGET="$target" "$binary" "$corpus" "Fuzz/corpus/$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$out/crashes/$target-" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo "?")
  if [ $rc -ne 0 ]; then
    echo "fuzz: $target FAILED after $runs runs (exit $rc); see $log and $out/crashes/"
    grep -E "Fatal error|ERROR: AddressSanitizer|==[0-9]+==ERROR" "$log" | head -3
    status=1
  else
    echo "fuzz: $target ok, $runs runs in ${seconds}s, coverage $cov edges, corpus $(ls "$corpus" | wc -l) inputs"
  fi
done
exit $status
