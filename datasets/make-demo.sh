#!/usr/bin/env bash
# The demo cohort: `radlsig synth` with its defaults (seed 1, 200 cases of 64×64×24 voxels,
# 3 centres, prevalence 0.5, image-visible AUC 0.95 split equally between the global and the
# spatial part, split 80/20 train/val). About 19 MB, a few seconds.
#   datasets/make-demo.sh [OUT]      (default OUT: datasets/generated/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-datasets/generated/demo}"
cargo build --release -q -p radlsig
target/release/radlsig synth --out "$OUT" --seed 1
