#!/usr/bin/env bash
# The main job: installs, builds, then shows what tixsync would send to the external systems for
# the sample orders of the sample event (examples/), using the sample mappings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
echo
echo "== Source fields the sample event offers to an OrderPosition mapping (excerpt) =="
build/tixsync fields --event examples/sample-event.json --model OrderPosition | head -n 24
echo "..."
echo
echo "== What a sync would send for each of the 20 sample orders (one JSON line per order) =="
build/tixsync preview --event examples/sample-event.json --order examples/sample-orders.jsonl \
  --mappings examples/mappings.json
