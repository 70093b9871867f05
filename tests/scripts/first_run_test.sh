#!/usr/bin/env bash
# The README's first command builds the program only; the test command builds everything. Runs
# scripts/demo.sh (the main job, against BUILD_DIR's program) and scripts/build.sh with a `cmake`
# on PATH that records its arguments instead of building, and a `dpkg-query` that reports every
# package installed (so install-deps.sh installs nothing), then checks which targets each asked for.
#
# Usage: first_run_test.sh BUILD_DIR SOURCE_DIR    (ctest: first_run_test)
set -euo pipefail

build="$(cd "${1:?usage: first_run_test.sh BUILD_DIR SOURCE_DIR}" && pwd)"
source_dir="$(cd "${2:?usage: first_run_test.sh BUILD_DIR SOURCE_DIR}" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/bin"
cat >"$tmp/bin/cmake" <<'STUB'
#!/bin/sh
echo "cmake $*" >>"$FIRST_RUN_CMAKE_LOG"
STUB
cat >"$tmp/bin/dpkg-query" <<'STUB'
#!/bin/sh
printf 'install ok installed'
STUB
chmod 755 "$tmp/bin/cmake" "$tmp/bin/dpkg-query"
export PATH="$tmp/bin:$PATH"

# The main job: its build step asks for the program alone, then the job runs BUILD_DIR's program
# in a folder of its own (demo_script_test may use BUILD_DIR/demo meanwhile).
export FIRST_RUN_CMAKE_LOG="$tmp/demo-cmake.log"
mkdir "$tmp/build"
ln -s "$build/tixsync" "$tmp/build/tixsync"
if ! TIXSYNC_BUILD_DIR="$tmp/build" bash "$source_dir/scripts/demo.sh" >"$tmp/demo.log" 2>&1; then
  tail -n 40 "$tmp/demo.log" >&2
  echo "FAIL: scripts/demo.sh failed" >&2
  exit 1
fi
builds="$(grep -- ' --build ' "$FIRST_RUN_CMAKE_LOG" || true)"
if [ "$builds" != "cmake --build build --target tixsync" ]; then
  echo "FAIL: scripts/demo.sh should build only the target tixsync; it ran:" >&2
  cat "$FIRST_RUN_CMAKE_LOG" >&2
  exit 1
fi

# The test command's build step (scripts/build.sh without arguments) builds every target.
export FIRST_RUN_CMAKE_LOG="$tmp/all-cmake.log"
bash "$source_dir/scripts/build.sh" >"$tmp/build.log" 2>&1
builds="$(grep -- ' --build ' "$FIRST_RUN_CMAKE_LOG" || true)"
if [ "$builds" != "cmake --build build" ]; then
  echo "FAIL: scripts/build.sh without arguments should build everything; it ran:" >&2
  cat "$FIRST_RUN_CMAKE_LOG" >&2
  exit 1
fi
echo "first_run_test: ok"
