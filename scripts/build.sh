#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds into build/ with Ninja and ccache. Without
# arguments it builds everything (the program, the tests, the benchmarks); arguments name the
# targets to build instead, e.g. `scripts/build.sh tixsync` for the program alone. The program
# ends up at build/tixsync.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build build --target "$@"
else
  cmake --build build
fi
