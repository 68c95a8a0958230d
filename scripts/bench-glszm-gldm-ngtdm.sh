#!/usr/bin/env bash
# Times the GLSZM, GLDM and NGTDM families on lung2 (24644 ROI voxels, binWidth 25, PyRadiomics
# defaults): radlsig (median of 31 runs, single thread; crop + discretisation timed separately)
# against PyRadiomics 3.1.4's RadiomicsGLSZM / RadiomicsGLDM / RadiomicsNGTDM classes (median of
# 11 runs, binning included, image already cropped). Run from the repository root on a quiet
# machine:  scripts/bench-glszm-gldm-ngtdm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${RADLSIG_SHARED:-$(pwd)/../shared}"
cargo test --release -q -p radlsig-radiomics --test glszm_gldm_ngtdm -- --ignored --nocapture \
  bench_lung2_glszm_gldm_ngtdm 2>&1 | grep '^lung2'
python3 - "$SHARED" <<'PY'
import logging, statistics, sys, time
import SimpleITK as sitk
from radiomics import gldm, glszm, imageoperations, ngtdm
logging.getLogger('radiomics').setLevel(logging.ERROR)
d = sys.argv[1] + '/pyradiomics-data/images/'
im = sitk.ReadImage(d + 'lung2_image.nrrd'); ma = sitk.ReadImage(d + 'lung2_label.nrrd')
bb, _ = imageoperations.checkMask(im, ma, label=1)
ci, cm = imageoperations.cropToTumorMask(im, ma, bb, padDistance=5)
for cls in (glszm.RadiomicsGLSZM, gldm.RadiomicsGLDM, ngtdm.RadiomicsNGTDM):
    ts = []
    for _ in range(11):
        t = time.perf_counter(); fc = cls(ci, cm, binWidth=25); fc.execute(); ts.append(time.perf_counter() - t)
    print('pyradiomics %s (binning + matrix + features): %.3f ms (median of 11)' % (cls.__name__, statistics.median(ts) * 1e3))
PY
