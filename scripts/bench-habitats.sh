#!/usr/bin/env bash
# Times habitat fitting (voxel features, k-means with k chosen by silhouette on 2..5) and
# per-case habitat extraction (assignment, descriptors, all feature families per habitat) on a
# seeded synthetic cohort, default habitat settings. Numbers are only meaningful on a quiet
# machine.
#   scripts/bench-habitats.sh                 # 40 cases of ~12k mask voxels
#   CASES=100 SCALE=3 scripts/bench-habitats.sh
#   RAYON_NUM_THREADS=1 scripts/bench-habitats.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release -p radlsig-radiomics --test habitats habitat_bench_fit_and_extract \
    -- --ignored --nocapture --exact
