#!/usr/bin/env bash
# The main job: installs, builds, then runs a tixsync node on its own embedded redis-server with
# the sample config (examples/demo.toml), feeds it the 20 sample orders of the sample event, and
# prints what was synced into the example external system. Pass --serve to keep the node running
# after the queue is drained (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
echo
echo "== What a sync sends for the first sample order (tixsync preview) =="
head -n 1 examples/sample-orders.jsonl > build/first-order.json
build/tixsync preview --event examples/sample-event.json --order build/first-order.json \
  --mappings examples/mappings.json
echo
echo "== A node on an embedded Redis syncs all 20 sample orders (tixsync run) =="
drained="--exit-when-drained"
[ "${1:-}" = "--serve" ] && drained=""
rm -rf build/demo-data
build/tixsync run --config examples/demo.toml --data-dir build/demo-data \
  --feed examples/sample-orders.jsonl --feed-event examples/sample-event.json \
  --show-synced $drained
echo
echo "The queue and results stay in build/demo-data; try:"
echo "  build/tixsync jobs --redis unix://$PWD/build/demo-data/redis.sock   (while a node runs with --serve)"
