#!/usr/bin/env bash
# Where the node's CPU per order goes, against the peer benchmark's Node mock CRM: an order's six
# HTTP exchanges (per object a lookup, then a create) made
#   raw     by a bare loop (build/bench/http_floor --mode raw: one thread, epoll, one send() per
#           request): the least any program pays for them, almost all of it the kernel's loopback
#           work and the system calls;
#   client  by tixsync's HTTP client alone (http_floor --mode client);
#   node    by the whole node: `tixsync run` syncing enqueued peer orders (queue, order parsing,
#           mapping, actors, results), as run.sh's split runs measure it;
# interleaved in every round, medians over the rounds. What the node spends beyond `client` is
# everything but the exchanges. Not part of the test suite; see README.md.
#
# usage: bash bench/peer/floor.sh [--orders N] [--rounds R] [--latency L]
#   --orders N    orders per run (default 20000; 2 positions, 6 exchanges each)
#   --rounds R    rounds of the three runs (default 5)
#   --latency L   mock CRM latency in ms (default 0)
# env: TIXSYNC (default build/tixsync), HTTP_FLOOR (default build/bench/http_floor),
#      OUT (default build/peer-floor/<UTC stamp>)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/bench/common.sh"
. "$here/common.sh"
orders=20000 positions=2 rounds=5 latency=0
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) orders="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --latency) latency="$2"; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "floor.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
  shift
done
bench_positive "$orders" "$rounds"
[[ "$latency" =~ ^[0-9]+$ ]] || { echo "floor.sh: --latency: expected a number of ms" >&2; exit 2; }

bench_require "apt-get install nodejs redis-server curl" node redis-server redis-cli curl
bench_tixsync
floor="${HTTP_FLOOR:-$root/build/bench/http_floor}"
[ -x "$floor" ] || { echo "floor.sh: $floor is missing (bash scripts/build.sh http_floor)" >&2; exit 1; }
bench_output peer-floor

peer_start_services
results="$out/results.jsonl"

# exchanges MODE ROUND: the six exchanges per order by http_floor in MODE, into the emptied mock.
exchanges() {
  peer_reset_mock "$latency"
  local line
  line=$("$floor" --url "$crm" --mode "$1" --orders "$orders") ||
    { echo "floor.sh: http_floor --mode $1 failed" >&2; exit 1; }
  echo "${line%\}},\"round\":$2}" >>"$results"
}

# whole_node ROUND: `tixsync run` syncing N enqueued peer orders; its CPU by the subshell's `times`.
whole_node() {
  peer_enqueue "$orders"
  local mock0 mock1 t0 t1 user system
  mock0=$(peer_mock_cpu)
  t0=$(date +%s%N)
  ( "$tixsync" run --config "$out/tixsync.toml" --data-dir "$out/data" --exit-when-drained \
      >"$out/run-$orders.out" 2>&1 || exit 1; times >"$out/node.times" ) ||
    { echo "floor.sh: tixsync run failed ($out/run-$orders.out)" >&2; exit 1; }
  t1=$(date +%s%N)
  mock1=$(peer_mock_cpu)
  peer_check_synced "$orders"
  read -r user system < <(peer_children_cpu "$out/node.times")
  awk -v n="$orders" -v r="$1" -v a="$t0" -v b="$t1" -v u="$user" -v s="$system" -v m0="$mock0" \
    -v m1="$mock1" 'BEGIN {
      printf "{\"mode\":\"node\",\"orders\":%d,\"orders_per_s\":%.0f,\"cpu_ms_per_order\":%.4f,", n, n / ((b - a) / 1e9), 1e3 * (u + s) / n
      printf "\"user_ms_per_order\":%.4f,\"system_ms_per_order\":%.4f,", 1e3 * u / n, 1e3 * s / n
      printf "\"mock_cpu_ms_per_order\":%.4f,\"round\":%d}\n", 1e3 * (m1 - m0) / n, r }' >>"$results"
}

for round in $(seq "$rounds"); do
  # Reversed every other round, so that drift of the shared machine hits all three alike.
  steps="raw client node"
  [ $((round % 2)) -eq 0 ] && steps="node client raw"
  for step in $steps; do
    log "round $round: $step"
    if [ "$step" = node ]; then whole_node "$round"; else exchanges "$step" "$round"; fi
  done
done

{
  peer_tixsync_line
  echo "orders: $orders x $positions positions per run, mock latency $latency ms, $rounds rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  node -e '
    const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
    const median = (v) => { v = [...v].sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
    const of = (mode, key) => median(rows.filter((r) => r.mode === mode).map((r) => r[key]));
    const node = of("node", "cpu_ms_per_order");
    console.log("CPU ms per order, medians (user + system); share of the whole node");
    console.log("| run | CPU | user | system | share | orders/s | mock CPU |");
    console.log("|---|---|---|---|---|---|---|");
    for (const [mode, label] of [["raw", "six exchanges, bare epoll loop"], ["client", "six exchanges, tixsync HTTP client"], ["node", "whole node, tixsync run"]]) {
      const cpu = of(mode, "cpu_ms_per_order");
      console.log(`| ${label} | ${cpu.toFixed(3)} | ${of(mode, "user_ms_per_order").toFixed(3)} | ${of(mode, "system_ms_per_order").toFixed(3)} | ${(100 * cpu / node).toFixed(0)} % | ${of(mode, "orders_per_s").toFixed(0)} | ${of(mode, "mock_cpu_ms_per_order").toFixed(3)} |`);
    }
    console.log(`everything but the exchanges (node - client): ${(node - of("client", "cpu_ms_per_order")).toFixed(3)} ms per order`);
  ' "$results"
} | tee "$out/summary.txt"
