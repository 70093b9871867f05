#!/usr/bin/env bash
# Builds the Debian package with CPack from a build folder (its already built build/tixsync, no
# rebuild) and checks what an operator installs: the files and their modes, the conffiles, the
# dependencies (every shared library the program needs, redis-server for the sample config's
# embedded Redis), the systemd unit's sandbox, a sample config the packaged program accepts, and the
# Dockerfile's run stage (non-root, Debian 12, the package itself, the config's port).
#
# Usage: package_test.sh BUILD_DIR SOURCE_DIR    (ctest: package_test)
set -euo pipefail

build="$(cd "${1:?usage: package_test.sh BUILD_DIR SOURCE_DIR}" && pwd)"
source_dir="$(cd "${2:?usage: package_test.sh BUILD_DIR SOURCE_DIR}" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
check() {  # check WHAT COMMAND...: runs the command, a failure is reported with WHAT
  local what="$1"
  shift
  "$@" || fail "$what"
}

for tool in cpack dpkg-deb dpkg-shlibdeps file objdump; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$build/tixsync" ] || { echo "FAIL: $build/tixsync is not built" >&2; exit 1; }

# --- build the package ------------------------------------------------------------------------
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log" >&2
  echo "FAIL: cpack -G DEB failed" >&2
  exit 1
fi
debs=("$tmp"/out/tixsync_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "FAIL: expected one tixsync_*.deb, got: ${debs[*]}" >&2; exit 1; }
deb="${debs[0]}"
echo "package: $(basename "$deb")"
root="$tmp/root"
control="$tmp/control"
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$control"

# --- control fields -----------------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
version="$("$build/tixsync" --version | awk '{print $2}')"
check "Package is $(field Package), expected tixsync" [ "$(field Package)" = tixsync ]
check "Version $(field Version) differs from tixsync --version ($version)" [ "$(field Version)" = "$version" ]
check "Architecture $(field Architecture) is not this machine's" \
  [ "$(field Architecture)" = "$(dpkg --print-architecture)" ]
depends="$(field Depends)"
echo "depends: $depends"
has_dep() { tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//' | grep -qx "$1"; }

# Every library the program links against directly comes from a package it depends on.
for soname in $(objdump -p "$build/tixsync" | awk '$1 == "NEEDED" {print $2}'); do
  path="$(ldd "$build/tixsync" | awk -v so="$soname" '$1 == so {print $3}')"
  [ -n "$path" ] || { fail "ldd cannot resolve $soname"; continue; }
  owner=""
  for candidate in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr${path}"; do
    owner="$(dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1)" && [ -n "$owner" ] && break
  done
  [ -n "$owner" ] || { fail "no Debian package owns $path ($soname)"; continue; }
  check "Depends lacks $owner (for $soname)" has_dep "$owner"
done

# The sample config decides how Redis runs: embedded (no [redis] section) needs redis-server.
sample="$root/etc/tixsync/tixsync.toml"
if grep -q '^\[redis\]' "$sample"; then
  check "a sample config with [redis] should recommend, not depend on, redis-server" \
    bash -c "! grep -q redis-server <<<'$depends'"
  check "Recommends lacks redis-server" grep -q redis-server <<<"$(field Recommends)"
else
  check "the sample config runs an embedded Redis, so Depends needs redis-server" has_dep redis-server
fi

# --- files --------------------------------------------------------------------------------------
listing="$(dpkg-deb -c "$deb")"
for path in ./usr/bin/tixsync ./lib/systemd/system/tixsync.service ./etc/tixsync/tixsync.toml \
            ./etc/tixsync/mappings.json ./usr/share/doc/tixsync/README.md \
            ./usr/share/doc/tixsync/docs/config.md ./usr/share/doc/tixsync/docs/http-api.md; do
  check "the package lacks $path" grep -q " $path\$" <<<"$listing"
done
check "/usr/bin/tixsync is not -rwxr-xr-x root/root" \
  grep -qE '^-rwxr-xr-x root/root .* \./usr/bin/tixsync$' <<<"$listing"
check "the packaged program is not stripped" bash -c "file '$root/usr/bin/tixsync' | grep -q ', stripped'"
check "the packaged program does not run" bash -c "\"\$1\" --version >/dev/null" _ "$root/usr/bin/tixsync"
bad_paths="$(awk '{print $6}' <<<"$listing" | grep -vE '^\./(usr/bin|usr/share/doc/tixsync|lib/systemd/system|etc/tixsync)(/|$)|^\./(usr|usr/share|usr/share/doc|lib|lib/systemd|etc)?/?$' || true)"
check "files outside the expected folders: $bad_paths" [ -z "$bad_paths" ]

# Every file under /etc is a conffile, and every conffile is in the package.
conffiles="$(cat "$control/conffiles" 2>/dev/null || true)"
for etc_file in $(awk '$1 ~ /^-/ {print $6}' <<<"$listing" | grep '^\./etc/' | sed 's/^\.//'); do
  check "$etc_file is not a conffile" grep -qx "$etc_file" <<<"$conffiles"
done
for conffile in $conffiles; do
  check "conffile $conffile is not in the package" [ -f "$root$conffile" ]
done
for script in postinst prerm postrm; do
  check "maintainer script $script is missing or not executable" [ -x "$control/$script" ]
  check "maintainer script $script is no valid sh" sh -n "$control/$script"
done

# The sample config as installed is one the packaged program accepts.
if ! "$root/usr/bin/tixsync" check-config "$sample" >"$tmp/check-config.log" 2>&1; then
  cat "$tmp/check-config.log" >&2
  fail "tixsync check-config rejects the packaged sample config"
fi

# --- the systemd unit ---------------------------------------------------------------------------
unit="$root/lib/systemd/system/tixsync.service"
# The value of KEY in section [Service] (the last one wins, as in systemd).
directive() { awk -v key="$1" '/^\[/ {s = $0} s == "[Service]" && index($0, key "=") == 1 {v = substr($0, length(key) + 2)} END {print v}' "$unit"; }
expect() {  # expect KEY VALUE
  local seen
  seen="$(directive "$1")"
  check "tixsync.service: $1=$seen, expected $1=$2" [ "$seen" = "$2" ]
}
expect DynamicUser yes
expect ProtectSystem strict
expect ProtectHome yes
expect PrivateTmp yes
expect NoNewPrivileges yes
expect StateDirectory tixsync
expect Restart on-failure
expect EnvironmentFile -/etc/tixsync/env
expect KillMode mixed
exec_start="$(directive ExecStart)"
config_path="$(sed -n 's/.* --config \([^ ]*\).*/\1/p' <<<"$exec_start")"
data_dir="$(sed -n 's/.* --data-dir \([^ ]*\).*/\1/p' <<<"$exec_start")"
check "ExecStart does not run /usr/bin/tixsync run: $exec_start" grep -q '^/usr/bin/tixsync run ' <<<"$exec_start"
check "ExecStart's config $config_path is not a conffile" grep -qx "$config_path" <<<"$conffiles"
# Under ProtectSystem=strict only the state directory is writable: the embedded Redis lives there.
check "ExecStart's --data-dir '$data_dir' is not the state directory /var/lib/$(directive StateDirectory)" \
  [ "$data_dir" = "/var/lib/$(directive StateDirectory)" ]
check "WantedBy is not multi-user.target" grep -qx 'WantedBy=multi-user.target' "$unit"
if command -v systemd-analyze >/dev/null; then
  # verify reports unknown keys and bad values on stderr but exits 0: any output is a failure.
  if ! systemd-analyze verify --recursive-errors=no --root="$root" "$unit" >"$tmp/verify.log" 2>&1 ||
     [ -s "$tmp/verify.log" ]; then
    cat "$tmp/verify.log" >&2
    fail "systemd-analyze verify finds problems in tixsync.service"
  fi
  # The sandbox's exposure on systemd's scale (0 best, 10 worst) stays below 4.0.
  if ! systemd-analyze security --offline=true --threshold=40 --root="$root" "$unit" >"$tmp/security.log" 2>&1; then
    tail -n 3 "$tmp/security.log" >&2
    fail "systemd-analyze security rates tixsync.service's exposure above 4.0"
  fi
else
  echo "systemd-analyze not installed: the unit was checked by parsing only"
fi

# --- the Dockerfile (no docker here: what can be read) ------------------------------------------
dockerfile="$source_dir/Dockerfile"
if [ ! -f "$dockerfile" ]; then
  fail "no Dockerfile in $source_dir"
else
  run_stage="$(awk '/^FROM / {stage = ""} {stage = stage $0 "\n"} END {printf "%s", stage}' "$dockerfile")"
  check "every stage of the Dockerfile is Debian 12" \
    bash -c "! grep '^FROM ' '$dockerfile' | grep -vqE '^FROM debian:(12|bookworm)(-slim)?( |$)'"
  user="$(grep '^USER ' <<<"$run_stage" | tail -n 1 | awk '{print $2}')"
  check "the run stage's USER '$user' is empty or root" bash -c "[ -n '$user' ] && [ '${user%%:*}' != root ] && [ '${user%%:*}' != 0 ]"
  check "the run stage does not install the tixsync package" grep -qE 'apt-get install .*tixsync_.*\.deb' <<<"$run_stage"
  port="$(sed -n 's/^port = \([0-9]*\).*/\1/p' "$sample")"
  check "the run stage does not EXPOSE the sample config's port $port" grep -qx "EXPOSE $port" <<<"$run_stage"
  # The run stage opens the listener to the container's network by rewriting this line.
  check "the sample config lacks the line the Dockerfile rewrites" grep -qx 'listen = "127.0.0.1"' "$sample"
  check "the run stage does not start the packaged config $config_path" grep -q -- "--config\", \"$config_path\"" <<<"$run_stage"
fi

if [ "$failures" -gt 0 ]; then
  echo "package_test: $failures problem(s)" >&2
  exit 1
fi
echo "package_test: ok"
