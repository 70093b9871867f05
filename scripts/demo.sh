#!/usr/bin/env bash
# The main job: installs, builds the program alone (build/tixsync; scripts/test.sh builds the
# tests), then shows tixsync syncing the 20 sample orders of the sample event into a CRM over HTTP.
# It starts the mock CRM (`tixsync mock-crm`, a small CRM-like REST server), and a node
# (`tixsync run`) with the sample config examples/crm.toml on its own embedded redis-server: a REST
# provider keeps contacts, tickets and orders in the CRM, linked to each other, and a webhook
# provider posts every order, HMAC-signed, to the CRM's webhook receiver. It prints what the CRM
# then holds and exits once the queue is drained. Pass --serve to keep the node (and its
# dashboard) running until Ctrl-C.
# The test suite runs this script against its own build (test demo_script): TIXSYNC_BUILD_DIR names
# the build folder (default build/) and TIXSYNC_DEMO_NO_BUILD=1 skips the install and build step.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${TIXSYNC_BUILD_DIR:-build}"
[ "${TIXSYNC_DEMO_NO_BUILD:-0}" = 1 ] || bash scripts/build.sh tixsync
build_abs="$(cd "$build" && pwd)"

serve=0
[ "${1:-}" = "--serve" ] && serve=1

echo
echo "== What a sync sends for the first sample order (tixsync preview) =="
head -n 1 examples/sample-orders.jsonl > "$build/first-order.json"
"$build/tixsync" preview --event examples/sample-event.json --order "$build/first-order.json" \
  --mappings examples/crm-mappings.json

# Demo secrets: the config names the variables, never the values.
export CRM_TOKEN="demo-token-$$" HOOK_SECRET="demo-secret-$$"

echo
echo "== The mock CRM (tixsync mock-crm, 5 ms latency per request) =="
rm -rf "$build/demo" && mkdir -p "$build/demo"
# The file exists before the mock starts: the loop below may read it before the background
# process has opened it.
: > "$build/demo/mock-crm.out"
"$build/tixsync" mock-crm --port 0 --latency-ms 5 --token-env CRM_TOKEN --hook-secret-env HOOK_SECRET \
  > "$build/demo/mock-crm.out" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true' EXIT
crm_url=""
for _ in $(seq 1 100); do  # bounded: up to 10 s for the first line
  crm_url=$(sed -n 's/^mock-crm listening on \(http:[^ ]*\)$/\1/p' "$build/demo/mock-crm.out")
  [ -n "$crm_url" ] && break
  sleep 0.1
done
if [ -z "$crm_url" ]; then
  echo "demo: the mock CRM did not start:" >&2
  cat "$build/demo/mock-crm.out" >&2
  exit 1
fi
echo "mock CRM at $crm_url (pid $mock_pid)"

# The sample config, pointed at this mock CRM's port.
sed "s|http://127.0.0.1:8089|$crm_url|g" examples/crm.toml > "$build/demo/crm.toml"
cp examples/crm-mappings.json "$build/demo/"
"$build/tixsync" check-config "$build/demo/crm.toml"

echo
echo "== A node on an embedded Redis syncs the sample orders into the CRM (tixsync run) =="
drained="--exit-when-drained"
[ "$serve" = 1 ] && drained=""
"$build/tixsync" run --config "$build/demo/crm.toml" --data-dir "$build/demo/data" \
  --feed examples/sample-orders.jsonl --feed-event examples/sample-event.json $drained

echo
echo "== What the CRM holds now ($crm_url/_mock/dump) =="
python3 - "$crm_url" "$(wc -l < examples/sample-orders.jsonl)" <<'PY'
import json, sys, urllib.request
base, sample_orders = sys.argv[1], int(sys.argv[2])
dump = json.load(urllib.request.urlopen(base + "/_mock/dump", timeout=10))
for kind, objects in sorted(dump.items()):
    print(f"  {kind}: {len(objects)} objects, e.g. {json.dumps(objects[0], sort_keys=True)}")
hooks = json.load(urllib.request.urlopen(base + "/_mock/hooks", timeout=10))
received = hooks.get("hooks", hooks) if isinstance(hooks, dict) else hooks
print(f"  webhooks received: {len(received)} (each signed with HMAC-SHA256 in X-Tixsync-Signature)")
empty = [kind for kind in ("contact", "order", "ticket") if not dump.get(kind)]
if empty or len(dump.get("order", [])) != sample_orders or len(received) != sample_orders:
    sys.exit(f"demo: expected {sample_orders} orders and webhooks in the CRM, and contacts and tickets")
PY
echo
echo "The queue, results and audit log stay in $build/demo/data (AOF). With scripts/demo.sh --serve the"
echo "node keeps running; then, in another terminal:"
echo "  $build/tixsync jobs --provider crm --redis unix://$build_abs/demo/data/redis.sock"
echo "  $build/tixsync jobs --nodes --redis unix://$build_abs/demo/data/redis.sock"
