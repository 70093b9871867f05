# Shared by the peer benchmark's scripts (run.sh, instructions.sh, syscalls.sh, floor.sh), sourced after
# bench/common.sh with `here` set to bench/peer and `out` to the run's folder.

# peer_start_node_mock PORT: starts the Node mock CRM on 127.0.0.1:PORT (its log in
# $out/mockcrm.log), sets crm_pid, and waits until it answers (at most 10 s) or exits 1.
peer_start_node_mock() {
  node "$here/mockcrm/server.js" --port "$1" >"$out/mockcrm.log" 2>&1 &
  crm_pid=$!
  local _
  for _ in $(seq 100); do  # bounded: 10 s
    curl -fs "http://127.0.0.1:$1/stats" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$(basename "$0"): the mock CRM did not start ($out/mockcrm.log)" >&2
  exit 1
}

# peer_config REDIS_PORT CRM_URL CONCURRENCY CONNECTIONS: writes $out/tixsync.toml (the REST
# provider of tixsync.toml.in against CRM_URL) and copies its mappings beside it.
peer_config() {
  cp "$here/mappings.json" "$out/"
  sed -e "s#@REDIS_URL@#redis://127.0.0.1:$1/0#" -e "s#@CRM_URL@#$2#" \
    -e "s#@CONCURRENCY@#$3#" -e "s#@CONNECTIONS@#$4#" "$here/tixsync.toml.in" >"$out/tixsync.toml"
}

# peer_start_services: one redis-server without persistence and the Node mock on free loopback
# ports (redis_port, crm_port, crm; stopped by their PIDs when the script exits), and
# $out/tixsync.toml for them (concurrency 2,000, 1,000 connections).
peer_start_services() {
  redis_port="$(free_port)"
  crm_port="$(free_port)"
  crm="http://127.0.0.1:$crm_port"
  redis_pid="" crm_pid=""
  trap 'stop_pid "$crm_pid"; stop_pid "$redis_pid"' EXIT
  trap 'exit 130' INT TERM
  bench_start_redis "$redis_port"
  peer_start_node_mock "$crm_port"
  peer_config "$redis_port" "$crm" 2000 1000
}

# peer_tixsync_line: "tixsync: <commit>", and the binary when TIXSYNC names one, for the reports.
peer_tixsync_line() {
  echo "tixsync: $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)${TIXSYNC:+ (binary: $TIXSYNC)}"
}

# peer_reset_mock LATENCY: the Node mock at $crm emptied, answering after LATENCY ms, failing nothing.
peer_reset_mock() {
  curl -fs -X POST -H 'content-type: application/json' -d "{\"latency_ms\":$1,\"fail_rate\":0}" \
    "$crm/config" >/dev/null
  curl -fs -X POST "$crm/reset" >/dev/null
}

# peer_mock_cpu: the Node mock's own CPU seconds so far (user + system), from its /stats.
peer_mock_cpu() {
  curl -fs "$crm/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
    const p=JSON.parse(s).process;console.log(p.cpu_user_s+p.cpu_system_s)})'
}

# peer_children_cpu FILE: "USER SYSTEM", the seconds of line 2 of bash's `times` output in FILE
# (the CPU of the subshell's children, as XmY.ZZZs XmY.ZZZs).
peer_children_cpu() {
  awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t[i] = p[1] * 60 + p[2] }
    printf "%.3f %.3f\n", t[1], t[2] }' "$1"
}

# peer_enqueue N: N peer orders of `positions` positions in $out/orders-N.jsonl, the Node mock at
# $crm emptied and set to `latency` ms, Redis at `redis_port` flushed, and the orders enqueued with
# `tixsync enqueue` ($tixsync, config $out/tixsync.toml), ready for one `tixsync run` to sync.
peer_enqueue() {
  local n="$1"
  node "$here/make-orders.js" "$root/examples/sample-orders.jsonl" "$n" "$positions" >"$out/orders-$n.jsonl"
  peer_reset_mock "$latency"
  redis-cli -p "$redis_port" flushall >/dev/null
  "$tixsync" enqueue --config "$out/tixsync.toml" --provider crm --event nordlicht/ndd25 \
    --order "$out/orders-$n.jsonl" --event-file "$root/examples/sample-event.json" \
    --trigger order_placed >"$out/enqueue-$n.out" 2>&1
}

# peer_check_synced N: exits 1 unless the Node mock holds exactly the objects of N synced orders.
peer_check_synced() {
  local n="$1" synced
  synced=$(curl -fs "$crm/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
    const o=JSON.parse(s).objects;console.log((o.ticketorders||0)+" "+(o.tickets||0))})')
  [ "$synced" = "$n $((n * positions))" ] ||
    { echo "$(basename "$0"): the CRM holds $synced objects after $n orders ($out/run-$n.out)" >&2; exit 1; }
}
