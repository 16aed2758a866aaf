#!/usr/bin/env bash
# Backup and restore of a node holding N records (default 1,000,000), release build:
# the records are imported at a province node, the node serves, an encrypted backup is
# made while it runs, then restored into an empty directory and counted.
# Prints the database size, the backup's size and time, and the restore time.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
swift build -c release --product syncnode >/dev/null
bin="$PWD/.build/release/syncnode"
dir=$(mktemp -d /tmp/syncnode-bench-backup.XXXXXX)
export SYNCNODE_OPERATOR="${SYNCNODE_OPERATOR:-bench}"   # the import is audited under a name
trap 'kill $serve 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/topology.json" <<JSON
{"federation": "bench", "nodes": [{"id": "gd", "tier": "province", "region": "440000", "name": "广东省", "url": "https://127.0.0.1:$port"}],
 "datasets": [{"id": "enterprise", "name": "法人", "sourceNode": "gd", "shareType": "unconditional", "backflow": "region",
   "keyItem": "uscc", "regionItem": "region", "items": [{"name": "uscc", "title": "代码", "type": "string"},
   {"name": "region", "title": "区划", "type": "string"}, {"name": "name", "title": "名称", "type": "string"},
   {"name": "capital", "title": "注册资本", "type": "integer"}]}]}
JSON
node=(--topology "$dir/topology.json" --node gd --data "$dir/data" --certs "$dir/certs/gd")
"$bin" cert ca --out "$dir/ca" >/dev/null
"$bin" cert issue --ca "$dir/ca" --topology "$dir/topology.json" --all --out "$dir/certs" >/dev/null
python3 - "$N" > "$dir/rows.jsonl" <<'PY'
import sys, random
random.seed(7)
for i in range(int(sys.argv[1])):
    print('{"uscc": "91440%013dX", "region": "4403%02d", "name": "示例企业%d有限公司", "capital": %d}' % (i, random.choice([4,6,7,10]), i, random.randint(1, 100000)))
PY
t0=$(date +%s.%N)
"$bin" import "${node[@]}" --dataset enterprise --format jsonl "$dir/rows.jsonl" >/dev/null
t1=$(date +%s.%N)
"$bin" serve "${node[@]}" --log-level warning 2>"$dir/serve.log" &
serve=$!
sleep 1
"$bin" backup key --out "$dir/backup.key" >/dev/null
t2=$(date +%s.%N)
"$bin" backup "${node[@]}" --key "$dir/backup.key" --out "$dir/gd.snbk" >/dev/null
t3=$(date +%s.%N)
kill $serve; wait $serve 2>/dev/null || true
db=$(stat -c %s "$dir/data/node.db")
sealed=$(stat -c %s "$dir/gd.snbk")
t4=$(date +%s.%N)
"$bin" restore --topology "$dir/topology.json" --node gd --data "$dir/restored" --certs "$dir/certs/gd" --key "$dir/backup.key" --in "$dir/gd.snbk" >/dev/null
t5=$(date +%s.%N)
records=$("$bin" status --topology "$dir/topology.json" --node gd --data "$dir/restored" --certs "$dir/certs/gd" --json \
  | python3 -c 'import json,sys; print(sum(d["records"] for d in json.load(sys.stdin)["datasets"]))')
python3 - "$N" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$db" "$sealed" "$records" <<'PY'
import sys
n, t0, t1, t2, t3, t4, t5, db, sealed, records = sys.argv[1:]
t = [float(x) for x in (t0, t1, t2, t3, t4, t5)]
print(f"records imported     {int(n):>12,}   in {t[1]-t[0]:6.1f} s")
print(f"database             {int(db)/2**20:>12.1f} MiB")
print(f"backup (encrypted)   {int(sealed)/2**20:>12.1f} MiB   in {t[3]-t[2]:6.1f} s  (node serving)")
print(f"restore              {int(records):>12,} records back in {t[5]-t[4]:6.1f} s")
PY
