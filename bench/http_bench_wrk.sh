#!/bin/sh
# The mock CRM's own request rate, measured with wrk (for bench/README.md, "One node over real HTTP into the mock CRM"): starts
# `tixsync mock-crm` (latency 0, no token) on a free port, creates one contact, then runs wrk
# with GET /api/contact/1, with POST /api/contact (a small Lua script), and with the node's own
# mix (a lookup GET /api/order?number=N that finds nothing, then a POST /api/order creating N,
# alternately), and stops the mock by PID. The node's HTTP requests/s (bench/http_bench) is
# compared with these figures; the mix is the like-for-like one.
# Usage: bench/http_bench_wrk.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -eu
build=${1:-build}
seconds=${2:-10}
connections=${3:-64}
work=$(mktemp -d /tmp/tixsync-wrk-XXXXXX)
out="$work/mock.out"
"$build/tixsync" mock-crm --port 0 >"$out" &
mock=$!
trap 'kill "$mock" 2>/dev/null; wait "$mock" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
i=0
while ! grep -q 'listening on' "$out" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -lt 100 ] || { echo "mock-crm did not start" >&2; exit 1; }
  sleep 0.1
done
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$out" | head -n 1)
curl -s -o /dev/null -X POST -d '{"email":"a@example.org"}' "$url/api/contact" 2>/dev/null || true
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"email":"bench@example.org","name":"Bench"}'
wrk.headers["Content-Type"] = "application/json"
LUA
echo "== GET $url/api/contact/1 (-t1 -c$connections -d${seconds}s)"
wrk -t1 -c"$connections" -d"${seconds}s" "$url/api/contact/1"
echo "== POST $url/api/contact (-t1 -c$connections -d${seconds}s)"
wrk -t1 -c"$connections" -d"${seconds}s" -s "$work/post.lua" "$url/api/contact"
cat >"$work/mix.lua" <<'LUA'
-- The node's requests for a new object: look it up (not found), then create it.
local n = 0
local json = { ["Content-Type"] = "application/json" }
request = function()
  n = n + 1
  local number = "W" .. math.floor((n + 1) / 2)
  if n % 2 == 1 then
    return wrk.format("GET", "/api/order?number=" .. number)
  end
  return wrk.format("POST", "/api/order", json,
                    '{"number":"' .. number .. '","email":"bench@example.org"}')
end
LUA
echo "== mix: GET /api/order?number=N, then POST /api/order (-t1 -c$connections -d${seconds}s)"
wrk -t1 -c"$connections" -d"${seconds}s" -s "$work/mix.lua" "$url"
