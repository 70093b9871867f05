# Shared by the peer benchmark's scripts (run.sh, instructions.sh), sourced after bench/common.sh
# with `here` set to bench/peer and `out` to the run's folder.

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
