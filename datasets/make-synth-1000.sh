#!/usr/bin/env bash
# The large planted-signal check of the experiment runner: 1000 synthetic cases (seed 7, demo
# settings otherwise; ~90 MB, ~30 s), then experiments/demo.toml on them as run "synth-1000"
# (a few minutes on 2 cores). Validation AUCs of RAsig, DLsig and RADLsig are printed.
#   datasets/make-synth-1000.sh [OUT]   (default OUT: datasets/generated/synth-1000)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-datasets/generated/synth-1000}"
cargo build --release -q -p radlsig
if [[ ! -f "$OUT/manifest.csv" ]]; then
  target/release/radlsig synth --out "$OUT" --cases 1000 --seed 7
fi
target/release/radlsig run experiments/demo.toml --manifest "$OUT/manifest.csv" --name synth-1000
