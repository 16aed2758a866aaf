#!/usr/bin/env bash
# The long kill loop: KILLS faults (default 100) at random moments in a five-node
# federation — mostly SIGKILLs, some backups made while a node serves and some restores
# of a node from its last backup — then every copy compared with what routing says,
# record by record and stamp by stamp, and every link's comparison of copies (anti-entropy)
# required to have proven them equal. Prints the seed first and a result line at the end:
#   kill loop result: seed S, kills K, restores N, imports I, records R, lost 0, duplicated 0, differing 0, T s
# Replay a failure with its seed: scripts/kill-loop.sh KILLS SEED
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS="${1:-100}"
SEED="${2:-$((RANDOM * 32768 + RANDOM))}"
swift build --build-tests >/dev/null
SYNCNODE_KILLS="$KILLS" SYNCNODE_SEED="$SEED" swift test --skip-build --filter KillLoopTests 2>&1 \
    | grep -E "kill loop|error|passed|failed" 
