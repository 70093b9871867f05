#!/usr/bin/env bash
# User-space instructions per synced order of `tixsync run`, counted by valgrind's callgrind: the
# peer benchmark's sync (realistic orders, the Node mock CRM, Redis without persistence) run twice,
# with N and with 2N orders, so that the difference is the cost of N orders without the start and
# the stop. Instruction counts do not drift with the machine's load the way CPU seconds do, so a
# change worth a few percent shows here when `run.sh` cannot see it. They are not time: system
# calls, cache misses and waits between threads count nothing here (see README.md). Not part of
# the test suite.
#
# usage: bash bench/peer/instructions.sh [--orders N] [--positions P] [--latency L] [--top K]
#   --orders N      orders of the smaller run (default 1000; the larger one has 2N)
#   --positions P   positions per order (default 2)
#   --latency L     mock CRM latency in ms (default 0)
#   --top K         functions listed by their inclusive instructions per order (default 25)
# env: TIXSYNC (default build/tixsync), OUT (default build/peer-instructions/<UTC stamp>)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/bench/common.sh"
. "$here/common.sh"
orders=1000 positions=2 latency=0 top=25
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) orders="$2"; shift ;;
    --positions) positions="$2"; shift ;;
    --latency) latency="$2"; shift ;;
    --top) top="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "instructions.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
  shift
done
bench_positive "$orders" "$positions" "$top"
[[ "$latency" =~ ^[0-9]+$ ]] || { echo "instructions.sh: --latency: expected a number of ms" >&2; exit 2; }

bench_require "apt-get install nodejs redis-server curl valgrind" node redis-server redis-cli curl \
  valgrind callgrind_annotate
bench_tixsync
bench_output peer-instructions

peer_start_services

# count N: enqueues N orders, then counts the instructions of `run` syncing them; prints the total.
count() {
  local n="$1"
  peer_enqueue "$n"
  timeout 1800 valgrind --tool=callgrind --callgrind-out-file="$out/callgrind-$n.out" \
    "$tixsync" run --config "$out/tixsync.toml" --data-dir "$out/data" --exit-when-drained \
    >"$out/run-$n.out" 2>&1 || { echo "instructions.sh: the run of $n orders failed ($out/run-$n.out)" >&2; exit 1; }
  peer_check_synced "$n"
  callgrind_annotate "$out/callgrind-$n.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

log "counting $orders orders"
small=$(count "$orders")
log "counting $((2 * orders)) orders"
large=$(count "$((2 * orders))")
per_order=$(( (large - small) / orders ))
{
  peer_tixsync_line
  echo "orders: $orders and $((2 * orders)) x $positions positions, mock latency $latency ms"
  echo "instructions: $small for $orders orders, $large for $((2 * orders))"
  echo "user-space instructions per synced order: $per_order"
  echo "the start and the stop: $(( small - per_order * orders ))"
  echo
  echo "inclusive instructions per order of the larger run's top functions (start and stop included):"
  callgrind_annotate --inclusive=yes "$out/callgrind-$((2 * orders)).out" 2>/dev/null |
    awk -v n="$((2 * orders))" -v k="$top" '
      /^ *[0-9,]+ +\([ 0-9.]+%\) +[^ ]/ && !/PROGRAM TOTALS/ {
        v = $1; gsub(",", "", v); $1 = ""; $2 = ""; sub(/^ +/, "");
        if (++shown > k) exit; printf "%10.0f  %s\n", v / n, substr($0, 1, 150) }'
} | tee "$out/summary.txt"
