#!/usr/bin/env bash
# Installs syncnode as a service on this machine (run as root, from the repository):
# a system user, /etc/syncnode (configuration, readable by the service only),
# /var/lib/syncnode (its data, 0700), the release binary and the systemd unit.
# Idempotent: run it again to upgrade the binary. It never touches existing
# configuration, certificates, keys or data.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root (sudo deploy/install.sh)"; exit 1; }
if [ ! -x .build/release/syncnode ]; then
  swift build -c release --product syncnode
fi
id syncnode >/dev/null 2>&1 || useradd --system --home-dir /var/lib/syncnode --shell /usr/sbin/nologin syncnode
install -d -m 0750 -o root -g syncnode /etc/syncnode /etc/syncnode/certs
install -d -m 0700 -o syncnode -g syncnode /var/lib/syncnode
install -m 0755 .build/release/syncnode /usr/local/bin/syncnode
install -d /usr/local/share/doc/syncnode
install -m 0644 docs/运维手册.md /usr/local/share/doc/syncnode/运维手册.md
[ -f /etc/syncnode/syncnode.json ] || install -m 0640 -o root -g syncnode deploy/syncnode.example.json /etc/syncnode/syncnode.json
install -m 0644 deploy/syncnode.service /etc/systemd/system/syncnode.service
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
echo "installed syncnode $(/usr/local/bin/syncnode --version | awk '{print $2}')"
echo "next: edit /etc/syncnode/syncnode.json, put the topology and certificates in /etc/syncnode, then"
echo "      systemctl enable --now syncnode   (see docs/运维手册.md)"
