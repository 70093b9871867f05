#!/bin/sh
# Interleaved A/B of two builds of tixsync on the backlog scenario: the machine's speed drifts
# (by up to a quarter over a day on a shared host), so two trees compare only in runs taken
# turn about. Usage: bench/scale/compare_builds.sh BASE_BUILD WORK_BUILD OUT ROUNDS [K...]
#   BASE_BUILD, WORK_BUILD  build folders holding a `tixsync` binary (WORK_BUILD also scale_bench)
#   OUT                     JSON lines are appended here (labels "base K=n" and "work K=n")
#   ROUNDS                  rounds; each runs every K with base, then with work
#   K...                    node counts (default: 1 3)
# Prints the medians per label. 20,000 orders x 2 positions at L = 20 ms, as the suite's case.
set -eu
base=$1
work=$2
out=$3
rounds=$4
shift 4
[ $# -gt 0 ] || set -- 1 3
i=0
while [ "$i" -lt "$rounds" ]; do
  i=$((i + 1))
  for k in "$@"; do
    for side in base work; do
      if [ "$side" = base ]; then dir=$base; else dir=$work; fi
      echo "== round $i: $side K=$k" >&2
      "$work/bench/scale_bench" --scenario backlog --orders 20000 --positions 2 --latency-ms 20 \
        --nodes "$k" --binary "$dir/tixsync" --label "$side K=$k" --out "$out" --timeout 900 \
        >/dev/null
    done
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    run = json.loads(line)
    rows.setdefault(run["label"], []).append(run)
for label in sorted(rows):
    runs = rows[label]
    med = lambda key: statistics.median(r[key] for r in runs)
    print(f"{label:10s} runs {len(runs)}  orders/s {med('orders_per_s'):7.0f}  node CPU ms/order "
          f"{med('node_cpu_ms_per_order'):.4f}  mock {med('mock_cpu_ms_per_order'):.4f}  "
          f"redis {med('redis_cpu_ms_per_order'):.4f}  machine busy {med('machine_busy_fraction'):.2f}")
PY
