#!/usr/bin/env bash
# Runs tixsync's libFuzzer targets (fuzz/) for a bounded time each: configures a separate clang
# build with -DTIXSYNC_FUZZ=ON, builds only the mapping library and the targets, seeds a corpus
# from tests/data/, replays fuzz/regressions/, then fuzzes. Exits non-zero on any crash, leak,
# timeout or sanitizer report, or when clang++/libFuzzer are missing (saying what to install).
#
# Usage: scripts/fuzz.sh [seconds-per-target]   (default 30)
# Env:   TIXSYNC_FUZZ_BUILD_DIR  clang build dir (default <repo>/build-fuzz)
#        TIXSYNC_FUZZ_JOBS       ninja -j (default 2)
set -euo pipefail

seconds="${1:-30}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: seconds-per-target must be a positive integer, got '$seconds'" >&2
  exit 2
fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TIXSYNC_FUZZ_BUILD_DIR:-$repo/build-fuzz}"
jobs="${TIXSYNC_FUZZ_JOBS:-2}"
targets=(order_reader_fuzz mapping_fuzz)
data="$repo/tests/data"

missing_toolchain() {
  echo "fuzz.sh: FAILED: $1" >&2
  echo "fuzz.sh: the fuzz run needs clang++ with libFuzzer; on Debian 12 install them with" >&2
  echo "fuzz.sh:   apt-get install clang libclang-rt-14-dev   (or run scripts/install-deps.sh)" >&2
  exit 3
}

# --- toolchain check: clang++ must link a trivial fuzzer with the sanitizers ------------------
command -v clang++ >/dev/null 2>&1 || missing_toolchain "clang++ not found in PATH"
for tool in cmake ninja; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fuzz.sh: FAILED: $tool not found" >&2; exit 3; }
done
probe_dir="$(mktemp -d)"
trap 'rm -rf "$probe_dir"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
  >"$probe_dir/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cpp" -o "$probe_dir/probe" \
     >"$probe_dir/probe.log" 2>&1; then
  cat "$probe_dir/probe.log" >&2
  missing_toolchain "clang++ cannot link with -fsanitize=fuzzer (libFuzzer runtime missing)"
fi

# --- configure and build only what the fuzzers need -------------------------------------------
echo "fuzz.sh: building in $build"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DTIXSYNC_FUZZ=ON >/dev/null
ninja -C "$build" -j"$jobs" "${targets[@]}"

# --- seed corpora from tests/data (rebuilt every run, so fixture changes are picked up) -------
seeds="$build/fuzz-seeds"
rm -rf "$seeds"
mkdir -p "$seeds/order_reader_fuzz" "$seeds/mapping_fuzz"
n=0
while IFS= read -r line; do
  [ -n "$line" ] || continue
  n=$((n + 1))
  printf '%s' "$line" >"$seeds/order_reader_fuzz/order-$n.json"
done <"$data/orders.jsonl"
cp "$data/event.json" "$data/webhook-example.json" "$seeds/order_reader_fuzz/"
cp "$data/mappings-example.json" "$data/mappings-problems.json" "$seeds/mapping_fuzz/"

# --- replay the minimised crashes of fuzz/regressions/<target>/, then fuzz --------------------
status=0
logs="$build/fuzz-logs"
mkdir -p "$logs"
for target in "${targets[@]}"; do
  binary="$build/fuzz/$target"
  regressions="$repo/fuzz/regressions/$target"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions" 2>/dev/null)" ]; then
    echo "fuzz.sh: $target: replaying $(ls "$regressions" | wc -l) regression input(s)"
    if ! "$binary" "$regressions"/* >"$logs/$target-regressions.log" 2>&1; then
      tail -n 60 "$logs/$target-regressions.log" >&2
      echo "fuzz.sh: $target: a regression input fails again ($logs/$target-regressions.log)" >&2
      status=1
    fi
  fi

  # The corpus grows across runs in the build dir; new crash inputs land in artifacts/.
  corpus="$build/fuzz-corpus/$target"
  artifacts="$build/fuzz-artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz.sh: $target: fuzzing for ${seconds}s"
  set +e
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1" \
    "$binary" "$corpus" "$seeds/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
      -dict="$repo/fuzz/json.dict" -artifact_prefix="$artifacts" -print_final_stats=1 \
      >"$logs/$target.log" 2>&1
  rc=$?
  set -e
  # libFuzzer exits non-zero on crash, leak, timeout and OOM; a sanitizer line in the log counts
  # as a failure too, in case a report did not end the run.
  if [ $rc -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' \
       "$logs/$target.log"; then
    tail -n 80 "$logs/$target.log" >&2
    echo "fuzz.sh: $target: FAILED (exit $rc); inputs in $artifacts, log $logs/$target.log" >&2
    status=1
  else
    echo "fuzz.sh: $target: ok ($(grep -E '^stat::number_of_executed_units' "$logs/$target.log" \
      | awk '{print $2}') runs, corpus $(ls "$corpus" | wc -l) inputs)"
  fi
done

if [ $status -ne 0 ]; then
  echo "fuzz.sh: FAILED" >&2
  exit 1
fi
echo "fuzz.sh: all targets ok"
