#!/usr/bin/env bash
# The quota benchmark: tixsync against the HubSpot-shaped stand-in (`tixsync mock-crm --flavor
# hubspot`) at HubSpot's per-app quota, with a real redis-server, realistic orders enqueued with
# `tixsync enqueue` and 1 or 3 `tixsync run` nodes syncing them until the queue is drained. The
# configs are a parameter, so the same command measures any HubSpot-shaped config (one request
# per object, batched, paced). Prints one table of medians; every run is verified record by
# record against the stand-in's dump. Not part of the test suite: see bench/README.md, "Against
# a CRM's quota".
#
# usage: bash bench/hubspot/run.sh [--orders N] [--nodes 1,3] [--config FILE[,FILE...]]
#                                  [--rounds R] [--quota N] [--window-ms MS] [--search-quota N]
#                                  [--unique TYPE:PROPERTY] [--timeout S] [--set KEY=VALUE]...
#   --orders N              orders of 2 positions per run (default 300)
#   --nodes K[,K...]        nodes per run, each value a run of its own (default 1,3)
#   --config FILE[,FILE]    HubSpot-shaped tixsync configs, each measured on its own; their
#                           base_url, [redis], [node] name and [http] are replaced per run
#                           (default: examples/hubspot.toml and, where the tree has it,
#                           examples/hubspot-batched.toml)
#   --rounds R              rounds; each round runs every config and node count once (default 1)
#   --quota N               the stand-in's requests per window and token (default 190)
#   --window-ms MS          the stand-in's rolling window (default 10000)
#   --search-quota N        the stand-in's search requests per second and token (default 5)
#   --unique TYPE:PROPERTY  a unique property of the stand-in besides contacts' email (default
#                           2-12345678:ticket_id, the example's custom ticket object)
#   --timeout S             the longest one run may take to drain (default 1800)
#   --set TABLE.KEY=VALUE   a key of every config replaced or added, VALUE as TOML, e.g.
#                           --set 'providers.limits.max_wait="10m"' (repeatable; a variant)
# env: TIXSYNC (default build/tixsync), OUT (default build/hubspot-bench/<UTC stamp>)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/bench/common.sh"
orders=300 nodes_list=1,3 configs="" rounds=1 quota=190 window_ms=10000
search_quota=5 unique=2-12345678:ticket_id timeout_s=1800 overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) orders="$2"; shift ;;
    --nodes) nodes_list="$2"; shift ;;
    --config) configs="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --quota) quota="$2"; shift ;;
    --window-ms) window_ms="$2"; shift ;;
    --search-quota) search_quota="$2"; shift ;;
    --unique) unique="$2"; shift ;;
    --timeout) timeout_s="$2"; shift ;;
    --set) [[ "$2" =~ ^[A-Za-z0-9_.-]+\.[A-Za-z0-9_-]+=.+$ ]] ||
             { echo "run.sh: --set: expected TABLE.KEY=VALUE, got '$2'" >&2; exit 2; }
           overrides+=("$2"); shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
  shift
done
bench_positive "$orders" "$rounds" "$quota" "$window_ms" "$search_quota" "$timeout_s"
[[ "$nodes_list" =~ ^[1-9][0-9]?(,[1-9][0-9]?)*$ ]] || { echo "run.sh: --nodes: expected e.g. 1,3" >&2; exit 2; }
[[ "$unique" =~ ^[^:]+:[^:]+$ ]] || { echo "run.sh: --unique: expected TYPE:PROPERTY" >&2; exit 2; }
if [ -z "$configs" ]; then
  configs="$root/examples/hubspot.toml"
  if [ -f "$root/examples/hubspot-batched.toml" ]; then
    configs="$configs,$root/examples/hubspot-batched.toml"
  else
    echo "run.sh: examples/hubspot-batched.toml is not in this tree: the batched case is not measured" >&2
  fi
fi
config_files=()
for c in ${configs//,/ }; do
  [ -f "$c" ] || { echo "run.sh: --config $c: no such file" >&2; exit 2; }
  config_files+=("$(cd "$(dirname "$c")" && pwd)/$(basename "$c")")
done

bench_require "apt-get install nodejs redis-server curl" node redis-server redis-cli curl
bench_tixsync
bench_output hubspot-bench
now_ms() { date +%s%3N; }

# provider_key KEY FILE: a string key of the first [[providers]] entry.
provider_key() {
  awk -v key="$1" '/^\[\[providers\]\]/{p=1; next} /^\[/{p=0}
    p && $0 ~ "^" key " *=" {sub(/^[^"]*"/, ""); sub(/".*/, ""); print; exit}' "$2"
}
# use_config FILE: sets config, provider_id, mappings and joiner (the first [[providers]] entry).
use_config() {
  config="$1"
  provider_id=$(provider_key id "$config")
  mappings=$(provider_key mappings "$config")
  joiner=$(provider_key list_joiner "$config")
  [ -n "$provider_id" ] && [ -n "$mappings" ] || { echo "run.sh: $config: no [[providers]] id and mappings" >&2; exit 2; }
  case "$mappings" in /*) ;; *) mappings="$(dirname "$config")/$mappings" ;; esac
  [ -f "$mappings" ] || { echo "run.sh: the mappings $mappings of $config are missing" >&2; exit 2; }
}

# bench_config K: the current config for node K: every other line as written, with the
# stand-in's URL, this benchmark's Redis, the node's own name, no HTTP listener, the mappings'
# full path and the --set keys.
bench_config() {
  local extra
  extra=$(printf '%s\n' "${overrides[@]+"${overrides[@]}"}")
  awk -v url="$crm" -v redis="redis://127.0.0.1:$redis_port/0" -v name="hsbench-$1" -v maps="$mappings" \
    -v extra="$extra" '
    function header(line) { return line ~ /^\[/ }
    function set_in(section, key, value) { sets[section] = sets[section] key " = " value "\n" }
    BEGIN {
      set_in("[redis]", "url", "\"" redis "\""); set_in("[redis]", "prefix", "\"hsbench\"")
      set_in("[node]", "name", "\"" name "\""); set_in("[http]", "enabled", "false")
      set_in("[providers.rest]", "base_url", "\"" url "\"")
      n = split(extra, lines, "\n")
      for (i = 1; i <= n; i++) {
        if (lines[i] == "") continue
        eq = index(lines[i], "="); path = substr(lines[i], 1, eq - 1)
        dot = match(path, /\.[^.]*$/)
        set_in("[" substr(path, 1, dot - 1) "]", substr(path, dot + 1), substr(lines[i], eq + 1))
      }
    }
    header($0) {
      section = $0; sub(/[ \t]*(#.*)?$/, "", section); print; seen[section] = 1
      if (section in sets) printf "%s", sets[section]
      next
    }
    section in sets {  # a key this benchmark sets is left out
      k = $0; sub(/[ \t]*=.*/, "", k)
      if (index(sets[section], k " = ") == 1 || index(sets[section], "\n" k " = ") > 0) next
    }
    section == "[[providers]]" && /^mappings *=/ { print "mappings = \"" maps "\""; next }
    { print }
    END { for (s in sets) if (!(s in seen)) printf "\n%s\n%s", s, sets[s] }' "$config"
}

redis_port="$(free_port)"
redis_pid="" crm_pid="" node_pids=()
stop_nodes() { for pid in "${node_pids[@]}"; do stop_pid "$pid"; done; node_pids=(); }
cleanup() { stop_nodes; stop_pid "$crm_pid"; stop_pid "$redis_pid"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_redis "$redis_port"
export HUBSPOT_TOKEN="hsbench-token"  # the bearer token of the example config, on loopback only
"$tixsync" mock-crm --flavor hubspot --port 0 --token-env HUBSPOT_TOKEN --rate-limit "$quota" \
  --rate-window-ms "$window_ms" --search-rate-limit "$search_quota" --unique "$unique" \
  >"$out/mock-crm.log" 2>&1 &
crm_pid=$!
crm=""
for _ in $(seq 100); do  # bounded: 10 s
  [ -z "$crm" ] && crm=$(sed -n 's/^mock-crm listening on \(http:[^ ]*\).*/\1/p' "$out/mock-crm.log")
  [ -n "$crm" ] && break
  sleep 0.1
done
[ -n "$crm" ] && curl -fs "$crm/_mock/stats" >/dev/null || { echo "run.sh: the stand-in did not start ($out/mock-crm.log)" >&2; exit 1; }

event_file="$root/examples/sample-event.json"
node "$root/bench/peer/make-orders.js" "$root/examples/sample-orders.jsonl" "$orders" 2 >"$out/orders.jsonl"
# Per config c1, c2, ...: what every order must become (the objects a sync sends, as `tixsync
# preview` evaluates them) and one config file per node.
max_nodes=$(tr ',' '\n' <<<"$nodes_list" | sort -n | tail -n1)
for i in "${!config_files[@]}"; do
  use_config "${config_files[$i]}"
  dir="$out/c$((i + 1))"
  mkdir -p "$dir"
  "$tixsync" preview --event "$event_file" --order "$out/orders.jsonl" --mappings "$mappings" \
    --joiner "${joiner:-,}" >"$dir/expected.jsonl"
  for k in $(seq "$max_nodes"); do bench_config "$k" >"$dir/node-$k.toml"; done
  "$tixsync" check-config "$dir/node-1.toml" >"$dir/check-config.txt" 2>&1 ||
    { echo "run.sh: the benchmark's copy of $config does not check ($dir/check-config.txt)" >&2; exit 1; }
done
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "tixsync: $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown), binary $tixsync"
  for i in "${!config_files[@]}"; do echo "config c$((i + 1)): ${config_files[$i]}"; done
  for o in "${overrides[@]+"${overrides[@]}"}"; do echo "set: $o"; done
  echo "stand-in: $quota requests per $window_ms ms, search $search_quota per second"
  echo "orders: $orders x 2 positions"
  echo "cpus: $(nproc) x $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "loadavg_before: $(cat /proc/loadavg)"
} >"$out/env.txt"
cat "$out/env.txt" >&2

# Per order key of the audit logs: the first "enqueued" and the first "synced" time and how
# many "synced" entries it has (audit logs are newest first).
audit_lua='
local out, cursor = {}, "0"
repeat
  local page = redis.call("SCAN", cursor, "MATCH", ARGV[1], "COUNT", 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    local enqueued, synced, n = 0, 0, 0
    for _, e in ipairs(redis.call("LRANGE", key, 0, -1)) do
      local ok, entry = pcall(cjson.decode, e)
      if ok and type(entry) == "table" then
        if entry.what == "enqueued" then enqueued = entry.at end
        if entry.what == "synced" then synced = entry.at; n = n + 1 end
      end
    end
    out[#out + 1] = key .. " " .. tostring(enqueued) .. " " .. tostring(synced) .. " " .. n
  end
until cursor == "0"
return out'

# queue_pending: items due, scheduled, following up or in flight (parked ones need a person).
queue_pending() {
  "$tixsync" jobs --config "$dir/node-1.toml" --provider "$provider_id" --json 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const c=JSON.parse(s).states;
      let n=0;for(const k of ["due","scheduled","follow_up","in_flight"])n+=Number(c[k]);console.log(n)})'
}

results="$out/results.jsonl"
: >"$results"
one_run() {  # NAME NODES, with the current config in $dir
  local name="$1" k="$2" i
  curl -fs -X POST "$crm/_mock/reset" >/dev/null
  redis-cli -p "$redis_port" flushall >/dev/null
  local t_enqueue t_start t_drained pending=-1 drained=false
  t_enqueue=$(now_ms)
  "$tixsync" enqueue --config "$dir/node-1.toml" --provider "$provider_id" --event nordlicht/ndd25 \
    --order "$out/orders.jsonl" --event-file "$event_file" --trigger order_placed >"$out/$name-enqueue.out" 2>&1 ||
    { log "  $name: enqueue failed ($out/$name-enqueue.out)"; return 0; }
  t_start=$(now_ms)
  for i in $(seq "$k"); do
    "$tixsync" run --config "$dir/node-$i.toml" >"$out/$name-node-$i.log" 2>&1 &
    node_pids+=($!)
  done
  local deadline=$((t_start + timeout_s * 1000))
  while [ "$(now_ms)" -lt "$deadline" ]; do  # bounded by --timeout
    sleep 1
    pending=$(queue_pending || echo -1)
    [ "$pending" = 0 ] && { drained=true; break; }
    for pid in "${node_pids[@]}"; do kill -0 "$pid" 2>/dev/null || { log "  $name: a node exited early"; break 2; }; done
  done
  t_drained=$(now_ms)
  stop_nodes
  curl -fs "$crm/_mock/stats" >"$out/$name-stats.json"
  curl -fs "$crm/_mock/dump" >"$out/$name-dump.json"
  redis-cli -p "$redis_port" --raw eval "$audit_lua" 0 "hsbench:{$provider_id}:log:*" >"$out/$name-audit.txt"
  "$tixsync" jobs --config "$dir/node-1.toml" --provider "$provider_id" --json >"$out/$name-jobs.json" 2>&1 || true
  node "$here/verify.js" --name "$name" --config "$config" --nodes "$k" --orders "$orders" \
    --drained "$drained" --t-start "$t_start" --t-enqueue "$t_enqueue" --t-drained "$t_drained" \
    --expected "$dir/expected.jsonl" --stats "$out/$name-stats.json" --dump "$out/$name-dump.json" \
    --audit "$out/$name-audit.txt" --quota "$quota" --window-ms "$window_ms" \
    --search-quota "$search_quota" --jobs "$out/$name-jobs.json" \
    --sets "${overrides[*]+"${overrides[*]}"}" | tee -a "$results" >&2
}

for round in $(seq "$rounds"); do
  for i in "${!config_files[@]}"; do
    use_config "${config_files[$i]}"
    dir="$out/c$((i + 1))"
    for k in ${nodes_list//,/ }; do
      name="r$round-c$((i + 1))-n$k"
      log "round $round: $(basename "$config"), $k node(s), $orders orders"
      one_run "$name" "$k"
    done
  done
done
echo "loadavg_after: $(cat /proc/loadavg)" >>"$out/env.txt"
cleanup
node "$here/report.js" "$results" "$out/env.txt" | tee "$out/report.md"
log "results: $out (results.jsonl, report.md, per run: stats, dump, audit, node logs)"
