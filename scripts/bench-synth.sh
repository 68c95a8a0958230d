#!/usr/bin/env bash
# Times `radlsig synth` (release build, all cores): 200 cases at 64³ voxels (the issue's
# benchmark), then the default demo cohort (200 cases at 64×64×24), best of 3 runs each, every
# run into a fresh temporary folder (gzip-compressed NIfTI images, masks and habitat maps,
# manifest, truth.csv). Run from the repository root on a quiet machine:  scripts/bench-synth.sh
# Optional: JOBS=N (threads), RUNS=N.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p radlsig
BIN=target/release/radlsig
RUNS="${RUNS:-3}"
JOBS_FLAG=()
if [[ -n "${JOBS:-}" ]]; then JOBS_FLAG=(--jobs "$JOBS"); fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
bench() {
  local label="$1"; shift
  local best=""
  for i in $(seq "$RUNS"); do
    local out="$TMP/run$i"
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" synth --out "$out" "${JOBS_FLAG[@]}" "$@" > /dev/null
    t1=$(date +%s.%N)
    local dt
    dt=$(echo "$t1 - $t0" | bc)
    if [[ -z "$best" ]] || (( $(echo "$dt < $best" | bc) )); then best="$dt"; fi
    size=$(du -sh "$out" | cut -f1)
    rm -rf "$out"
  done
  printf '%s: best of %s runs %.2f s (output %s), %s cores\n' "$label" "$RUNS" "$best" "$size" "${JOBS:-$(nproc)}"
}
bench "synth 200 cases at 64x64x64" --cases 200 --size 64
bench "synth 200 cases at 64x64x24 (demo default)" --cases 200
