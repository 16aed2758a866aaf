#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test
# (unit tests and the multi-process integration tests over mutual TLS).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift test
