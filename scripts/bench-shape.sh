#!/usr/bin/env bash
# Times the shape (3D) and shape2D families on lung2 (24644 ROI voxels): radlsig (median of 31
# runs, single thread) against PyRadiomics 3.1.4's RadiomicsShape / RadiomicsShape2D classes
# (median of 11 runs, on the mask cropped to the ROI's bounding box as its extractor does;
# RadiomicsShape's all-pairs maximum diameters dominate). Run from the repository root on a
# quiet machine:  scripts/bench-shape.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${RADLSIG_SHARED:-$(pwd)/../shared}"
cargo test --release -q -p radlsig-radiomics --test shape -- --ignored --nocapture shape_tests::bench_lung2_shape 2>&1 \
  | grep '^lung2'
python3 - "$SHARED" <<'PY'
import logging, statistics, sys, time
import numpy as np
import SimpleITK as sitk
from radiomics import imageoperations, shape, shape2D
logging.getLogger('radiomics').setLevel(logging.ERROR)
d = sys.argv[1] + '/pyradiomics-data/images/'
im = sitk.ReadImage(d + 'lung2_image.nrrd'); ma = sitk.ReadImage(d + 'lung2_label.nrrd')
bb, _ = imageoperations.checkMask(im, ma, label=1)
ci, cm = imageoperations.cropToTumorMask(im, ma, bb)

def median_ms(f, n=11):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3

def run3d():
    s = shape.RadiomicsShape(ci, cm, label=1); s.enableAllFeatures(); s.execute()
print('pyradiomics RadiomicsShape (mesh, diameters, PCA, features): %.3f ms (median of 11)' % median_ms(run3d))

# The middle slice of the ROI, as a one-slice mask cropped to its bounding box.
arr = sitk.GetArrayFromImage(cm)
z = arr.shape[0] // 2
one = np.zeros_like(arr); one[z] = arr[z]
m2 = sitk.GetImageFromArray(one); m2.CopyInformation(cm)
bb2, _ = imageoperations.checkMask(ci, m2, label=1)
ci2, cm2 = imageoperations.cropToTumorMask(ci, m2, bb2)
def run2d():
    s = shape2D.RadiomicsShape2D(ci2, cm2, label=1, force2D=True, force2Ddimension=0); s.enableAllFeatures(); s.execute()
print('pyradiomics RadiomicsShape2D (middle slice): %.3f ms (median of 11)' % median_ms(run2d))
PY
