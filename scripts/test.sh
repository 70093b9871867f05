#!/usr/bin/env bash
# The whole test suite: installs, builds, then runs every test with ctest. Tests start what they
# need themselves (redis-server on free ports in temporary folders, loopback HTTP servers).
# Pass ctest arguments to narrow it down, e.g. `scripts/test.sh -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 600 -j2 "$@"
