#!/usr/bin/env bash
# Installs what the dashboard's browser test (tests/browser) needs: Debian's chromium, and Node.js
# with npm when they are missing (Debian's nodejs and npm packages), then the test's npm packages
# exactly as locked (npm ci: playwright-core only; it downloads no browser, the test drives
# /usr/bin/chromium). Idempotent. Run as root (or with sudo available).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# A Node.js installed some other way (with its own npm) is kept: installing Debian's npm beside it
# would conflict, so the commands are checked, not the package names.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || command -v nodejs >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install-browser-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-browser-deps: chromium, node and npm present"
fi

node_bin="$(command -v node || command -v nodejs)"
major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ]; then
  echo "install-browser-deps: Node.js $("$node_bin" --version) is too old; the browser test needs 18 or newer" >&2
  exit 1
fi

# npm ci: exactly the locked versions; skipped when the locked playwright-core is installed.
cd "$root/tests/browser"
if "$node_bin" -e '
  const locked = require("./package-lock.json").packages["node_modules/playwright-core"].version;
  const installed = require("./node_modules/playwright-core/package.json").version;
  process.exit(locked === installed ? 0 : 1);' 2>/dev/null; then
  echo "install-browser-deps: tests/browser packages up to date"
else
  echo "install-browser-deps: npm ci in tests/browser"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "install-browser-deps: done"
