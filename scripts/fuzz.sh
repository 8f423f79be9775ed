#!/usr/bin/env bash
# Runs every libFuzzer target in build/fuzz for N seconds (default 10) on its seed corpus.
# `make fuzz-long` runs them for 10 minutes each.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
shopt -s nullglob
targets=(build/fuzz/tests/fuzz/fuzz_*)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets built in build/fuzz/tests/fuzz" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  corpus=tests/fuzz/corpus/${name#fuzz_}
  mkdir -p "$work/$name"
  seeds=()
  [ -d "$corpus" ] && seeds+=("$corpus")
  # New inputs go to a scratch dir; the committed seed corpus stays as it is.
  if ! "$t" -max_total_time="$seconds" -print_final_stats=0 -artifact_prefix="$work/$name/" \
        "$work/$name" "${seeds[@]}" >"$work/$name.log" 2>&1; then
    echo "fuzz: $name FAILED" >&2
    tail -40 "$work/$name.log" >&2
    mkdir -p build/fuzz-artifacts && cp -r "$work/$name" build/fuzz-artifacts/ || true
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$name.log" | awk '{print $2}' || true)
  [ -n "$runs" ] || runs=$(grep -Eo '#[0-9]+' "$work/$name.log" | tail -1 | tr -d '#')
  echo "fuzz: $name ok (${runs:-?} runs in ${seconds}s)"
done
