#!/usr/bin/env bash
# The peer benchmark: tixsync and the BullMQ baseline side by side on this machine, against the
# same third-party mock CRM (mockcrm/server.js, Node.js) with the same realistic orders, Redis
# without persistence for both, interleaved over several rounds. Prints one table of medians with
# the ratios of tixsync to BullMQ and what each order costs the machine. Not part of the test
# suite: see README.md for what is measured and how.
#
# usage: bash bench/peer/run.sh [--orders N] [--positions P] [--rounds R] [--latencies 0,20]
#                               [--bullmq-concurrency N] [--concurrency N] [--connections N]
#   --orders N               orders per run (default 5000)
#   --positions P            positions per order (default 2)
#   --rounds R               interleaved rounds (default 3)
#   --latencies L1,L2        mock CRM latencies in ms (default 0,20)
#   --bullmq-concurrency N   BullMQ worker concurrency (default 100, as its README measures)
#   --concurrency N          tixsync orders and syncs in flight (default 2000)
#   --connections N          tixsync connections to the mock (default 1000)
#   --systems LIST           what each round runs, in order (default bullmq,feed,split,cpp):
#                            bullmq; feed = `run --feed`; split = `enqueue`, then `run`; cpp =
#                            split against `tixsync mock-crm` instead of the Node mock
# env: TIXSYNC (default build/tixsync), OUT (default build/peer/<UTC stamp>)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/bench/common.sh"
. "$here/common.sh"
orders=5000 positions=2 rounds=3 latencies=0,20 bullmq_concurrency=100 concurrency=2000 connections=1000
systems_list=bullmq,feed,split,cpp
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) orders="$2"; shift ;;
    --positions) positions="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --latencies) latencies="$2"; shift ;;
    --bullmq-concurrency) bullmq_concurrency="$2"; shift ;;
    --concurrency) concurrency="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --systems) systems_list="$2"; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
  shift
done
bench_positive "$orders" "$positions" "$rounds" "$bullmq_concurrency" "$concurrency" "$connections"
[[ "$latencies" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "run.sh: --latencies: expected e.g. 0,20" >&2; exit 2; }
[[ "$systems_list" =~ ^(bullmq|feed|split|cpp)(,(bullmq|feed|split|cpp))*$ ]] ||
  { echo "run.sh: --systems: expected a list of bullmq, feed, split, cpp, e.g. bullmq,split" >&2; exit 2; }

bench_require "apt-get install nodejs npm redis-server curl" node npm redis-server redis-cli curl
bench_tixsync
bench_output peer

if [ ! -d "$here/bullmq/node_modules/bullmq" ]; then
  log "installing the BullMQ baseline's packages as locked (npm ci)"
  (cd "$here/bullmq" && timeout 300 npm ci --no-audit --no-fund >"$out/npm-ci.log" 2>&1) ||
    { echo "run.sh: npm ci failed, see $out/npm-ci.log" >&2; exit 1; }
fi

redis_port="$(free_port)"
crm_port="$(free_port)"
crm="http://127.0.0.1:$crm_port"
cpp_port="$(free_port)"
cpp_crm="http://127.0.0.1:$cpp_port"

redis_pid="" crm_pid="" cpp_pid="" run_pid=""
cleanup() { stop_pid "$run_pid"; stop_pid "$cpp_pid"; stop_pid "$crm_pid"; stop_pid "$redis_pid"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_redis "$redis_port"
# The same requests against tixsync's own mock CRM: what the node's HTTP client costs against a
# server that writes its answers differently.
"$tixsync" mock-crm --port "$cpp_port" >"$out/cpp-mockcrm.log" 2>&1 &
cpp_pid=$!
peer_start_node_mock "$crm_port"
for _ in $(seq 100); do  # bounded: 10 s
  curl -fs "$cpp_crm/_mock/stats" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$cpp_crm/_mock/stats" >/dev/null || { echo "run.sh: tixsync mock-crm did not start ($out/cpp-mockcrm.log)" >&2; exit 1; }

event="$root/examples/sample-event.json"
node "$here/make-orders.js" "$root/examples/sample-orders.jsonl" "$orders" "$positions" >"$out/orders.jsonl"
peer_config "$redis_port" "$crm" "$concurrency" "$connections"
# tixsync mock-crm answers a lookup with {"results": [...]}, the Node mock with the object itself.
sed -e "s#$crm#$cpp_crm#" -e 's#not_found = "404" }#not_found = "404", results = "results" }#' \
  "$out/tixsync.toml" >"$out/tixsync-cpp.toml"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  peer_tixsync_line
  echo "node: $(node -v)  redis: $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')"
  echo "cpus: $(nproc) x $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "orders: $orders x $positions positions ($(wc -c <"$out/orders.jsonl") bytes)"
  echo "loadavg_before: $(cat /proc/loadavg)"
} >"$out/env.txt"
cat "$out/env.txt" >&2

results="$out/results.jsonl"
: >"$results"
redis_info() { redis-cli -p "$redis_port" info all | tr -d '\r'; }
info_field() { sed -n "s/^$1:\(.*\)$/\1/p" <<<"$2"; }
redis_cpu() { awk -v u="$(info_field used_cpu_user "$1")" -v s="$(info_field used_cpu_sys "$1")" 'BEGIN{print u+s}'; }
# The mock in use: node (mockcrm/server.js) or cpp (tixsync mock-crm); crm_cpu, crm_objects and
# fresh_state ask it.
mock=node
crm_cpu() {
  if [ "$mock" = cpp ]; then  # utime + stime of /proc/PID/stat, in clock ticks
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$cpp_pid/stat"
  else
    peer_mock_cpu
  fi
}
crm_objects() {
  local url="$crm/stats"
  [ "$mock" = cpp ] && url="$cpp_crm/_mock/stats"
  curl -fs "$url" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s).objects;console.log((o.ticketorders||0)+" "+(o.tickets||0))})'
}
fresh_state() {  # latency, then an empty CRM and an empty Redis
  if [ "$mock" = cpp ]; then
    curl -fs -X POST "$cpp_crm/_mock/reset" >/dev/null  # resets the faults as well: first
    curl -fs -X POST -H 'content-type: application/json' -d "{\"latency_ms\":$1}" "$cpp_crm/_mock/faults" >/dev/null
  else
    peer_reset_mock "$1"
  fi
  redis-cli -p "$redis_port" flushall >/dev/null
}

# measure NAME -- command...: runs the command with its CPU (user+sys of it and its children, by
# the subshell's `times`), wall time and peak RSS (VmHWM, sampled every 50 ms). Sets m_wall_s,
# m_cpu_s, m_rss_mib, m_rc.
measure() {
  local name="$1"; shift 2
  local t0 t1
  t0=$(date +%s%N)
  ( "$@" >"$out/$name.out" 2>&1 & echo $! >"$out/$name.pid"; wait $!; rc=$?; times >"$out/$name.times"; exit $rc ) &
  local sub=$!
  local hwm=0 pid="" key value unit pause_fd
  # Sampling with shell builtins only (a read of /proc, a timed read of a FIFO as the pause):
  # forking awk and sleep 20 times a second would take CPU from the run being measured, which
  # BullMQ's runs (not sampled) would not pay.
  [ -p "$out/.pause" ] || mkfifo "$out/.pause"
  exec {pause_fd}<>"$out/.pause"
  for _ in $(seq 12000); do  # bounded: 10 minutes
    [ -z "$pid" ] && [ -s "$out/$name.pid" ] && read -r pid <"$out/$name.pid" && run_pid=$pid
    if [ -n "$pid" ]; then
      while read -r key value unit; do
        if [ "$key" = "VmHWM:" ]; then
          [ "$value" -gt "$hwm" ] && hwm=$value
          break
        fi
      done 2>/dev/null <"/proc/$pid/status" || true
    fi
    kill -0 "$sub" 2>/dev/null || break
    read -r -t 0.05 -u "$pause_fd" _ || true
  done
  exec {pause_fd}>&-
  m_rc=0
  wait "$sub" || m_rc=$?
  run_pid=""
  t1=$(date +%s%N)
  m_wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
  m_cpu_s=$(peer_children_cpu "$out/$name.times" | awk '{ printf "%.3f", $1 + $2 }')
  m_rss_mib=$(awk -v k="$hwm" 'BEGIN{printf "%.1f", k/1024}')
}

# tixsync_run NAME LATENCY MODE: MODE feed = `run --feed` (enqueue included); split = `tixsync
# enqueue` measured, then `run` syncing only; cpp = split against tixsync mock-crm.
tixsync_run() {
  local name="$1" latency="$2" mode="$3"
  local cfg="$out/tixsync.toml"
  mock=node
  [ "$mode" = cpp ] && mock=cpp && cfg="$out/tixsync-cpp.toml"
  fresh_state "$latency"
  local info0 crm0 enqueue_cpu=0 info1 crm1
  info0=$(redis_info); crm0=$(crm_cpu)
  if [ "$mode" != feed ]; then
    measure "$name-enqueue" -- "$tixsync" enqueue --config "$cfg" --provider crm --event nordlicht/ndd25 \
      --order "$out/orders.jsonl" --event-file "$event" --trigger order_placed
    [ "$m_rc" = 0 ] || { log "  $name: enqueue failed (rc $m_rc, $out/$name-enqueue.out)"; return 0; }
    enqueue_cpu=$m_cpu_s
    info0=$(redis_info); crm0=$(crm_cpu)
    measure "$name" -- "$tixsync" run --config "$cfg" --data-dir "$out/data" --exit-when-drained
  else
    measure "$name" -- "$tixsync" run --config "$cfg" --data-dir "$out/data" --feed "$out/orders.jsonl" \
      --feed-event "$event" --exit-when-drained
  fi
  info1=$(redis_info); crm1=$(crm_cpu)
  read -r n_orders n_tickets < <(crm_objects)
  local ok=false
  [ "$m_rc" = 0 ] && [ "$n_orders" = "$orders" ] && [ "$n_tickets" = $((orders * positions)) ] && ok=true
  node -e '
    const [name, system, latency, ok, orders, wall, cpu, enq, rss, r0, r1, c0, c1, cmd0, cmd1] = process.argv.slice(1);
    const n = Number(orders), w = Number(wall);
    console.log(JSON.stringify({ label: name, system, latency_ms: Number(latency), ok: ok === "true",
      orders: n, wall_s: w, orders_per_s: Math.round(n / w),
      cpu_ms_per_order: { process: 1e3 * Number(cpu) / n, enqueue: 1e3 * Number(enq) / n,
        redis: 1e3 * (r1 - r0) / n, mock: 1e3 * (c1 - c0) / n },
      redis_commands_per_order: (cmd1 - cmd0) / n, peak_rss_mib: Number(rss) }));' \
    "$name" "tixsync-$mode" "$latency" "$ok" "$orders" "$m_wall_s" "$m_cpu_s" "$enqueue_cpu" "$m_rss_mib" \
    "$(redis_cpu "$info0")" "$(redis_cpu "$info1")" "$crm0" "$crm1" \
    "$(info_field total_commands_processed "$info0")" "$(info_field total_commands_processed "$info1")" \
    | tee -a "$results" >&2
  [ "$ok" = true ] || log "  $name: NOT VERIFIED (rc $m_rc, CRM holds $n_orders orders and $n_tickets tickets; $out/$name.out)"
}

bullmq_run() {
  local name="$1" latency="$2"
  fresh_state "$latency"
  local rc=0
  env ORDERS_FILE="$out/orders.jsonl" EVENT_FILE="$event" CONCURRENCY="$bullmq_concurrency" \
    REDIS_URL="redis://127.0.0.1:$redis_port" CRM_URL="$crm" RESET_CRM=0 LABEL="$name" TIMEOUT_S=400 \
    timeout 480 node "$here/bullmq/run.js" >"$out/$name.json" 2>"$out/$name.stderr" || rc=$?
  node -e '
    const fs = require("fs"); const [file, latency] = process.argv.slice(1);
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    if (r.error) { console.log(JSON.stringify({ label: r.label, system: "bullmq", ok: false, error: r.error.split("\n")[0] })); process.exit(0); }
    console.log(JSON.stringify({ label: r.label, system: "bullmq", latency_ms: Number(latency), ok: r.ok,
      orders: r.params.orders, wall_s: r.wall_s, orders_per_s: r.orders_per_s,
      cpu_ms_per_order: { process: r.cpu.bench_node_ms_per_order, redis: r.cpu.redis_ms_per_order,
        mock: r.cpu.mockcrm_ms_per_order },
      redis_commands_per_order: r.redis.commands_per_order }));' "$out/$name.json" "$latency" \
    | tee -a "$results" >&2
  [ "$rc" = 0 ] || log "  $name: rc $rc ($out/$name.stderr)"
}

for round in $(seq "$rounds"); do
  for latency in ${latencies//,/ }; do
    # Interleaved, and the order of the systems alternates from round to round.
    systems="${systems_list//,/ }"
    [ $((round % 2)) = 0 ] && systems="$(tr ' ' '\n' <<<"$systems" | tac | tr '\n' ' ')"
    for system in $systems; do
      name="r$round-L$latency-$system"
      log "round $round, L = $latency ms: $system"
      if [ "$system" = bullmq ]; then bullmq_run "$name" "$latency"; else tixsync_run "$name" "$latency" "$system"; fi
    done
  done
done
echo "loadavg_after: $(cat /proc/loadavg)" >>"$out/env.txt"
cleanup
node "$here/report.js" "$results" "$out/env.txt" | tee "$out/report.md"
log "results: $out (results.jsonl, report.md, one .out/.json per run)"
