#!/usr/bin/env bash
# scripts/include_layers.sh on this source tree (no include runs upward between the top-level
# folders), and on a small tree where config/ and providers/ include each other (refused, naming
# the file and line of the upward include).
#
# Usage: include_layers_test.sh SOURCE_DIR    (ctest: include_layers_test)
set -euo pipefail

source_dir="$(cd "${1:?usage: include_layers_test.sh SOURCE_DIR}" && pwd)"
check="$source_dir/scripts/include_layers.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

bash "$check" "$source_dir"

mkdir -p "$tmp/config" "$tmp/providers"
printf '#pragma once\n#include "providers/retry_policy.hpp"\n' >"$tmp/config/tixsync_config.hpp"
printf '#pragma once\n#include "config/tixsync_config.hpp"\n' >"$tmp/providers/retry_policy.hpp"
if bash "$check" "$tmp" >"$tmp/out" 2>&1; then
  echo "FAIL: a config <-> providers loop passed the check" >&2
  exit 1
fi
grep -q '^config/tixsync_config.hpp:2: includes providers/retry_policy.hpp' "$tmp/out" || {
  echo "FAIL: the upward include is not named:" >&2
  cat "$tmp/out" >&2
  exit 1
}
if grep -q '^providers/' "$tmp/out"; then
  echo "FAIL: the downward include providers -> config was refused:" >&2
  cat "$tmp/out" >&2
  exit 1
fi
echo "include_layers_test: ok"
