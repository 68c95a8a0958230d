#!/usr/bin/env bash
# AdrenalMNIST3D (MedMNIST v2, CC BY 4.0) from ../shared/data (see its SOURCE.md) as NIfTI
# images, masks and a manifest that keeps the official train/val/test split (1188/98/298).
# 28³ at 64/28 mm and 64³ at 1 mm (nominal; see datasets/README.md).
#   datasets/make-adrenalmnist3d.sh [OUT_ROOT]   (default: datasets/generated)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-datasets/generated}"
SHARED="${RADLSIG_SHARED:-../shared}"
(cd "$SHARED/data" && sha256sum -c --quiet SHA256SUMS)
cargo build --release -q -p radlsig
target/release/radlsig import medmnist "$SHARED/data/adrenalmnist3d.npz" --out "$ROOT/adrenalmnist3d_28"
target/release/radlsig import medmnist "$SHARED/data/adrenalmnist3d_64.npz" --out "$ROOT/adrenalmnist3d_64"
