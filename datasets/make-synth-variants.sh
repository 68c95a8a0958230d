#!/usr/bin/env bash
# Further synthetic cohorts (same generator, documented in datasets/README.md):
#   multiseq  — T1 and ADC per case (Image:T1/Image:ADC), 200 cases;
#   prepost   — pre and post treatment (Image:pre/Image:post) with the planted delta part;
#   null      — no signal at all (--auc 0.5), to check that a pipeline finds nothing;
#   large     — 1000 cases at 64³ voxels, for studies that need power.
#   datasets/make-synth-variants.sh [OUT_ROOT]   (default: datasets/generated)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-datasets/generated}"
cargo build --release -q -p radlsig
BIN=target/release/radlsig
$BIN synth --out "$ROOT/synth-multiseq" --seed 11 --sequences 2
$BIN synth --out "$ROOT/synth-prepost" --seed 12 --time-points 2
$BIN synth --out "$ROOT/synth-null" --seed 13 --auc 0.5
$BIN synth --out "$ROOT/synth-large" --seed 14 --cases 1000 --size 64 --split 0.6,0.2,0.2
