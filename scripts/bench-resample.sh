#!/usr/bin/env bash
# Times resampling of the PyRadiomics lung2 case (512 x 512 x 61) in radlsig and in
# SimpleITK / PyRadiomics (resampleImage to [2, 2, 2] mm around the ROI, padDistance 5, and the
# whole image to 1 mm isotropic with sitkBSpline). Best of several runs; run on a quiet machine.
# Usage: scripts/bench-resample.sh   (needs ../shared or $RADLSIG_SHARED, SimpleITK, pyradiomics)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release -p radlsig-volume --test resample resample_bench -- --ignored --nocapture 2>&1 \
  | grep -E ' ms$'
IMAGES="${RADLSIG_SHARED:-../shared}/pyradiomics-data/images" python3 - <<'PY'
import logging, math, os, time
import SimpleITK as sitk
from radiomics import imageoperations as io
logging.getLogger('radiomics').setLevel(logging.ERROR)
d = os.environ['IMAGES']
image = sitk.ReadImage(os.path.join(d, 'lung2_image.nrrd'))
mask = io.getMask(sitk.ReadImage(os.path.join(d, 'lung2_label.nrrd')))
for threads in [1, os.cpu_count()]:
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(threads)
    for interp in ['sitkNearestNeighbor', 'sitkLinear', 'sitkBSpline']:
        best = math.inf
        for _ in range(5):
            t = time.perf_counter()
            io.resampleImage(image, mask, resampledPixelSpacing=[2, 2, 2], interpolator=interp,
                             padDistance=5, label=1)
            best = min(best, time.perf_counter() - t)
        print(f'SimpleITK ({threads} threads) lung2 resampleImage [2,2,2] {interp}: {best * 1e3:.1f} ms')
    size = [math.ceil(n * s) for n, s in zip(image.GetSize(), image.GetSpacing())]
    origin = image.TransformContinuousIndexToPhysicalPoint([0.5 * (1 - s) / s for s in image.GetSpacing()])
    t = time.perf_counter()
    sitk.Resample(image, size, sitk.Transform(), sitk.sitkBSpline, origin, [1.0] * 3,
                  image.GetDirection(), 0.0, image.GetPixelID())
    print(f'SimpleITK ({threads} threads) lung2 whole image to 1 mm isotropic, sitkBSpline: '
          f'{(time.perf_counter() - t) * 1e3:.1f} ms')
PY
