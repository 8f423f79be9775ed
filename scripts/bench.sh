#!/usr/bin/env bash
# Runs every core benchmark natively, as Emscripten wasm under node and as WASI wasm under
# node:wasi, one after another in one run, and writes bench/results/core.md. The machine is
# shared and noisy: compare rows measured in the same run, not across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/core.md
tmp=$(mktemp)
{
  echo "# Core benchmarks"
  echo
  echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))."
  echo "Each row: nanoseconds per operation (lower is better). The three builds ran back to back in one run."
  echo
} > "$tmp"
shopt -s nullglob
for native in build/native-release/bench/*_bench; do
  name=$(basename "$native")
  echo "## $name" >> "$tmp"
  echo >> "$tmp"
  echo '```' >> "$tmp"
  echo "native:" >> "$tmp"; "$native" >> "$tmp"
  if [ -f "build/browser/bench/$name.js" ]; then
    echo "wasm (Emscripten, node):" >> "$tmp"; node "build/browser/bench/$name.js" >> "$tmp"
  fi
  if [ -f "build/worker/bench/$name.wasm" ]; then
    echo "wasm (WASI, node:wasi):" >> "$tmp"; node --no-warnings bench/run-wasi.mjs "build/worker/bench/$name.wasm" >> "$tmp"
  fi
  echo '```' >> "$tmp"
  echo >> "$tmp"
done
node bench/catalog_load.mjs >> "$tmp"
node scripts/wasm-size.mjs >> "$tmp"
mv "$tmp" "$out"
cat "$out"
