#!/usr/bin/env bash
# The include direction between the top-level source folders: each folder has a layer, and a file
# may include project headers only from its own folder or from a lower layer, so no two folders
# point at each other. `include_layers.sh [ROOT]` checks ROOT (default: this repository) and
# prints every include that breaks the rule (exit 1); `--list [ROOT]` prints folder -> folder
# include counts. The layers are README.md's "Layout" table, bottom first.
set -euo pipefail

layer_of() {
  case "$1" in
    mapping) echo 0 ;;
    config | persistence) echo 1 ;;
    providers) echo 2 ;;
    alerts) echo 3 ;;
    actors) echo 4 ;;
    api) echo 5 ;;   # the node's HTTP face: it shows actors/' counters (node_stats.hpp, no CAF)
    app) echo 6 ;;
    bench | fuzz | tests) echo 7 ;;  # above everything; not checked as includers
    *) echo "" ;;
  esac
}
checked_folders=(mapping config persistence providers alerts actors api app)

list=false
if [ "${1:-}" = "--list" ]; then
  list=true
  shift
fi
root="${1:-$(dirname "$0")/..}"
cd "$root"

# Lines "FILE:LINE:TARGET" for every #include "folder/..." in the checked folders.
project_includes() {
  grep -rnoE --include='*.hpp' --include='*.cpp' --include='*.h' --include='*.in' \
    '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/[^"]+"' "${checked_folders[@]}" |
    sed -E 's/^([^:]+):([0-9]+):.*"([^"]+)".*/\1:\2:\3/'
}

if $list; then
  project_includes | awk -F: '{ split($1, a, "/"); split($3, b, "/");
    if (a[1] != b[1]) n[a[1] " -> " b[1]]++ } END { for (k in n) print n[k], k }' | sort -k2
  exit 0
fi

broken=0
while IFS=: read -r file line target; do
  from="${file%%/*}"
  to="${target%%/*}"
  [ "$from" = "$to" ] && continue
  from_layer="$(layer_of "$from")"
  to_layer="$(layer_of "$to")"
  if [ -z "$to_layer" ]; then
    [ -d "$to" ] || continue  # a library's header, e.g. "caf/all.hpp" is included with <>
    echo "$file:$line: includes $target: folder '$to' has no layer in scripts/include_layers.sh"
    broken=1
  elif [ "$to_layer" -ge "$from_layer" ]; then
    echo "$file:$line: includes $target: $from/ (layer $from_layer) may include only folders" \
      "of a lower layer, $to/ is layer $to_layer"
    broken=1
  fi
done < <(project_includes)
if [ "$broken" -ne 0 ]; then
  echo "include layers: broken (see README.md, Layout)" >&2
  exit 1
fi
echo "include layers: ok (${checked_folders[*]})"
