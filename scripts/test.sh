#!/usr/bin/env bash
# The whole test suite: installs, builds, then runs every test with ctest. Tests start what they
# need themselves (redis-server on free ports in temporary folders, loopback HTTP servers).
# The dashboard's browser test drives Debian's headless Chromium with playwright-core from npm
# (scripts/install-browser-deps.sh). Pass ctest arguments to narrow it down, e.g.
# `scripts/test.sh -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
bash scripts/install-browser-deps.sh
ctest --test-dir build --output-on-failure --timeout 600 -j2 "$@"
