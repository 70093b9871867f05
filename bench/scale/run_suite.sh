#!/bin/sh
# The scale_bench scenarios, one after the other (never two at a time), each run's
# JSON line appended to OUT. Usage: bench/scale/run_suite.sh BUILD_DIR OUT [--quick] [RUNS]
#   BUILD_DIR  a build with the targets tixsync and scale_bench (ninja -C BUILD_DIR scale_bench)
#   OUT        file the JSON lines are appended to (compare two with scale_bench --compare)
#   --quick    small numbers: a smoke run of every scenario in about a minute
#   RUNS       runs of each scenario (default 1); take medians of the JSON lines
set -eu
build=$1
out=$2
shift 2
quick=""
if [ "${1:-}" = "--quick" ]; then quick="--quick"; shift; fi
runs=${1:-1}
# Full size unless --quick (then scale_bench's small --quick numbers apply).
n20k="--orders 20000"; n100k="--orders 100000"; steady="--rate 1000 --seconds 20"
if [ -n "$quick" ]; then n20k=""; n100k=""; steady=""; fi
bench="$build/bench/scale_bench"
status=0
run() {
  echo "== scale_bench $* $quick" >&2
  "$bench" "$@" $quick --out "$out" --timeout 900 || status=1
}
i=0
while [ "$i" -lt "$runs" ]; do
  i=$((i + 1))
  for latency in 0 20; do
    for nodes in 1 3; do
      run --scenario backlog $n20k --positions 2 --latency-ms "$latency" --nodes "$nodes" \
        --label "backlog L=$latency K=$nodes"
    done
  done
  # One position: a snapshot of about 2 KB, the size for Redis memory per pending order.
  run --scenario backlog $n20k --positions 1 --latency-ms 20 --label "backlog P=1 L=20 K=1"
  run --scenario resync $n20k --latency-ms 20 --label "resync"
  run --scenario resync $n20k --latency-ms 20 --resync-changed --label "resync changed"
  run --scenario resync $n20k --latency-ms 20 --change-detection \
    --label "resync change detection"
  run --scenario fairness $n100k --latency-ms 20 --label "fairness"
  run --scenario rate $steady --latency-ms 20 --label "rate 1000/s"
done
exit $status
