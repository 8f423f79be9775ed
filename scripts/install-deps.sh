#!/usr/bin/env bash
# Installs what Switchyard needs on Debian 12, idempotently: only missing Debian packages are
# installed (one apt-get update first, only when something is missing), and npm packages only
# when node_modules is absent or older than package-lock.json.
#
# Usage: scripts/install-deps.sh [core|all]   (core: compilers and libraries; all: + browser)
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
packages=(
  make cmake g++ git
  clang libclang-rt-14-dev                       # clang-14 + libFuzzer for the fuzz targets
  nlohmann-json3-dev catch2                       # test libraries (nlohmann: the reference the core's JSON is tested against)
  emscripten                                      # browser/npm build (3.1.6, clang-14 based)
  clang-16 lld-16 llvm-16 wasi-libc               # edge-worker build: a WASI SDK from Debian parts
  libc++-16-dev-wasm32 libc++abi-16-dev-wasm32 libclang-rt-16-dev-wasm32
  binaryen                                        # wasm-opt for the edge-worker build
  nodejs npm
)
# Headless Chromium for the browser suites (tests/browser/, driven by playwright-core, which
# cannot download a browser of its own here).
if [ "$what" = all ]; then packages+=(chromium); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The image's Node 20 lives outside dpkg; don't replace it with Debian's older one.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]}"

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
