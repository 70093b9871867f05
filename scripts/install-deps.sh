#!/usr/bin/env bash
# Installs everything tixsync needs to build, test and run on Debian 12, from Debian's packages only.
# Idempotent: packages already present are left as they are. Run as root (or with sudo available).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # the stack of the design card (Beast/Asio are in libboost-dev; TLS and HMAC from libssl-dev)
  libcaf-dev libboost-dev libboost-system-dev libsimdjson-dev libhiredis-dev redis-server redis-tools
  # well-kept libraries instead of hand-written code
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev libidn-dev libssl-dev
  libjemalloc-dev
  # fuzzing only (scripts/fuzz.sh): clang with libFuzzer and the sanitizers
  clang libclang-rt-14-dev llvm
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev openssl ca-certificates wrk python3-prometheus-client
  # the Debian package (cpack -G DEB: dpkg-shlibdeps and file find its library dependencies)
  dpkg-dev file
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packaged redis-server starts a system service on install; tixsync's tests and the embedded
# mode start their own servers on free ports, so the system one is not needed.
echo "install-deps: done"
