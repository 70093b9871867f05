#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds everything into build/ with Ninja and
# ccache. The program ends up at build/tixsync.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build
