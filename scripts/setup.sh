#!/usr/bin/env bash
# Installs what syncnode needs on Debian/Ubuntu: the C libraries it links
# (OpenSSL, libcurl, SQLite) and pkg-config; with --test also what the tests
# use (the openssl tool, the testssl.sh scanner, headless Chromium and a CJK font
# for the dashboard's browser test). Idempotent: installs only
# what is missing. Swift 6 itself must already be on the PATH.
set -euo pipefail

need=()
packages=(libssl-dev libcurl4-openssl-dev libsqlite3-dev pkg-config)
[ "${1:-}" = "--test" ] && packages+=(openssl testssl.sh chromium fonts-noto-cjk)
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on the PATH; install Swift 6 (swift.org) first" >&2; exit 1; }
