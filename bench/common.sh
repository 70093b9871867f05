# Shell helpers of the benchmark scripts (bench/peer/run.sh, bench/hubspot/run.sh): the tools and
# the tixsync binary they need, their output folder and log, free loopback ports, a Redis without
# persistence, and stopping what they started by its PID. Sourced by a script that has set `root`
# (the tree) and `out` where noted.

# bench_require HINT TOOL...: exits 1 naming the first missing tool, with HINT (how to install).
bench_require() {
  local hint="$1" tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing ($hint)" >&2; exit 1; }
  done
}

# bench_positive VALUE...: exits 2 unless every value is a positive integer.
bench_positive() {
  local n
  for n in "$@"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: expected a positive integer, got '$n'" >&2; exit 2; }
  done
}

# bench_tixsync: sets `tixsync` to $TIXSYNC or the tree's build/tixsync, which must exist.
bench_tixsync() {
  tixsync="${TIXSYNC:-$root/build/tixsync}"
  if [ ! -x "$tixsync" ]; then
    echo "run.sh: $tixsync is missing: build it first (cmake --build build --target tixsync)" >&2
    exit 1
  fi
}

# bench_output NAME: sets `out` to $OUT or build/NAME/<UTC stamp> (created, with redis/ in it).
bench_output() {
  out="${OUT:-$root/build/$1/$(date -u +%Y%m%dT%H%M%SZ)}"
  mkdir -p "$out/redis"
  out="$(cd "$out" && pwd)"
}

# log TEXT: a time-stamped line on stderr and in $out/log.txt.
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$out/log.txt" >&2; }

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# stop_pid PID: SIGTERM, up to 15 s for it to end, then SIGKILL (nothing when it is gone).
stop_pid() {
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# bench_start_redis PORT: a redis-server without persistence on 127.0.0.1:PORT in $out/redis;
# sets `redis_pid` and waits until it answers (at most 10 s), else exits 1.
bench_start_redis() {
  redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --dir "$out/redis" \
    --logfile "$out/redis.log" &
  redis_pid=$!
  local _
  for _ in $(seq 100); do  # bounded: 10 s
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$(basename "$0"): redis-server did not start ($out/redis.log)" >&2
  exit 1
}
