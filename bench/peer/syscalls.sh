#!/usr/bin/env bash
# System calls, futex calls and context switches per synced order of `tixsync run`, counted by
# `perf stat`: the peer benchmark's sync (realistic orders, the Node mock CRM, Redis without
# persistence) run with N and with 2N orders, so that the difference is the cost of N orders
# without the start and the stop. On these virtual machines a system call costs about a
# microsecond before it does anything, and every hand-off between the node's threads costs wake-ups
# and context switches: these counts show changes to that part of the node's CPU, which neither
# callgrind (instructions.sh) nor CPU seconds on a shared machine (run.sh) resolve. Not part of the
# test suite.
#
# usage: bash bench/peer/syscalls.sh [--orders N] [--positions P] [--latency L]
#   --orders N      orders of the smaller run (default 10000; the larger one has 2N)
#   --positions P   positions per order (default 2)
#   --latency L     mock CRM latency in ms (default 20)
# env: TIXSYNC (default build/tixsync), OUT (default build/peer-syscalls/<UTC stamp>)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/bench/common.sh"
. "$here/common.sh"
orders=10000 positions=2 latency=20
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) orders="$2"; shift ;;
    --positions) positions="$2"; shift ;;
    --latency) latency="$2"; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "syscalls.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
  shift
done
bench_positive "$orders" "$positions"
[[ "$latency" =~ ^[0-9]+$ ]] || { echo "syscalls.sh: --latency: expected a number of ms" >&2; exit 2; }

bench_require "apt-get install nodejs redis-server curl linux-perf" node redis-server redis-cli curl perf
bench_tixsync
bench_output peer-syscalls

# What perf counts; the names are printed as they are.
events="raw_syscalls:sys_enter,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom"
events+=",syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,context-switches,task-clock"
perf stat -e "$events" -x, -o /dev/null true 2>/dev/null ||
  { echo "syscalls.sh: perf cannot count $events here (root, or kernel.perf_event_paranoid <= -1)" >&2; exit 1; }

peer_start_services

# count N: enqueues N orders, then counts the events of `run` syncing them into $out/perf-N.csv.
count() {
  local n="$1"
  peer_enqueue "$n"
  timeout 1800 perf stat -e "$events" -x, -o "$out/perf-$n.csv" \
    "$tixsync" run --config "$out/tixsync.toml" --data-dir "$out/data" --exit-when-drained \
    >"$out/run-$n.out" 2>&1 || { echo "syscalls.sh: the run of $n orders failed ($out/run-$n.out)" >&2; exit 1; }
  peer_check_synced "$n"
}

log "counting $orders orders"
count "$orders"
log "counting $((2 * orders)) orders"
count "$((2 * orders))"
{
  peer_tixsync_line
  echo "orders: $orders and $((2 * orders)) x $positions positions, mock latency $latency ms"
  echo "per synced order (the difference of the two runs; task-clock in ms):"
  # perf's CSV: value,unit,event,... per line; lines without a number (not counted) are skipped.
  awk -F, -v n="$orders" '
    FNR == 1 { file++ }
    $1 ~ /^[0-9.]+$/ { v[file, $3] = $1; if (file == 1) names[++k] = $3 }
    END { for (i = 1; i <= k; i++) printf "  %-30s %10.2f\n", names[i], (v[2, names[i]] - v[1, names[i]]) / n }
  ' "$out/perf-$orders.csv" "$out/perf-$((2 * orders)).csv"
} | tee "$out/summary.txt"
