#!/usr/bin/env bash
# The README's main command: installs what is missing, builds syncnode, and runs
# the demo federation on loopback (certificates, one process per node, health
# exchange over mutual TLS, the federation tree). Extra arguments go to
# `syncnode demo`, e.g. --keep-running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product syncnode
exec .build/debug/syncnode demo --topology Topology/guangdong-demo.json --dir demo "$@"
