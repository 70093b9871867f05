#!/usr/bin/env bash
# The option parsing of the node benchmarks (node_bench, http_bench, scale_bench): --help prints
# the usage on stdout and exits 0, an unknown option is named on stderr with the usage and exits
# 2; neither starts a run. Each program is bounded by `timeout`.
#
# Usage: bench_options_test.sh BENCH_BUILD_DIR    (ctest: bench_options_test)
set -euo pipefail

bench_dir="$(cd "${1:?usage: bench_options_test.sh BENCH_BUILD_DIR}" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
  echo "FAIL: $*" >&2
  failed=1
}

for program in node_bench http_bench scale_bench; do
  rc=0
  timeout 30 "$bench_dir/$program" --help >"$tmp/out" 2>"$tmp/err" || rc=$?
  [[ $rc -eq 0 ]] || fail "$program --help exited $rc, expected 0"
  grep -q "^usage: $program " "$tmp/out" || fail "$program --help printed no usage on stdout"
  [[ ! -s "$tmp/err" ]] || fail "$program --help wrote to stderr: $(head -c 300 "$tmp/err")"

  rc=0
  timeout 30 "$bench_dir/$program" --no-such-option >"$tmp/out" 2>"$tmp/err" || rc=$?
  [[ $rc -eq 2 ]] || fail "$program --no-such-option exited $rc, expected 2"
  grep -q "^$program: unknown option --no-such-option$" "$tmp/err" ||
    fail "$program did not name the unknown option: $(head -c 300 "$tmp/err")"
  grep -q "^usage: $program " "$tmp/err" || fail "$program printed no usage for the unknown option"
  [[ ! -s "$tmp/out" ]] || fail "$program --no-such-option wrote to stdout"
done

[[ $failed -eq 0 ]] && echo "bench options: ok"
exit "$failed"
