#!/usr/bin/env bash
# Times PyRadiomics image types: Original + LoG (sigma 1, 2, 3 mm) + Wavelet (coif1, level 1),
# every feature class (shape included), PyRadiomics defaults otherwise (binWidth 25, no
# resampling), one case at a time with volumes already in memory, one thread each:
#   radlsig:     Extractor::extract_volumes (the `bench_filters` test of crates/radiomics,
#                RAYON_NUM_THREADS=1), and the filters alone;
#   PyRadiomics: RadiomicsFeatureExtractor.execute on SimpleITK images already read,
#                SimpleITK/ITK limited to 1 thread.
# Best of REPEAT runs (default 3). Target: >= 20x. Numbers are only meaningful on a quiet machine.
#   scripts/bench-filters.sh                   # brain1 and lung2
#   CASES="breast1 brain1 lung2" REPEAT=5 scripts/bench-filters.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${RADLSIG_SHARED:-$(pwd)/../shared}"
CASES="${CASES:-brain1 lung2}"
REPEAT="${REPEAT:-3}"
PY="${PYTHON:-python3}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS=1
export RAYON_NUM_THREADS=1

if ! "$PY" -c 'import radiomics, SimpleITK, pywt' >/dev/null 2>&1; then
  echo "error: $PY cannot import radiomics (pip install pyradiomics-bhklab==3.1.4)" >&2
  exit 1
fi

OURS="$(mktemp)"
trap 'rm -f "$OURS"' EXIT
BENCH_CASES="$CASES" REPEAT="$REPEAT" RADLSIG_SHARED="$SHARED" \
  cargo test --release -q -p radlsig-radiomics --test filters -- --ignored --nocapture \
  bench_filters >"$OURS" 2>/dev/null

"$PY" - "$SHARED/pyradiomics-data/images" "$REPEAT" "$OURS" $CASES <<'PYEOF'
import logging, sys, time
import SimpleITK as sitk
import radiomics
from radiomics import featureextractor

images, repeat, ours_file, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
logging.getLogger("radiomics").setLevel(logging.ERROR)
ours = {}
for line in open(ours_file):
    p = line.split()
    if p and p[0] == "radlsig-filters":
        ours[p[1]] = (float(p[2]), float(p[4]), int(p[6]))
print("Original + LoG(1,2,3) + Wavelet, all classes, one thread, best of %d; PyRadiomics %s"
      % (repeat, radiomics.__version__))
print("%-8s %9s %14s %11s %12s %7s" % ("case", "features", "pyradiomics s", "radlsig s",
                                        "filters s", "ratio"))
for case in cases:
    ex = featureextractor.RadiomicsFeatureExtractor()
    ex.enableImageTypes(Original={}, LoG={"sigma": [1.0, 2.0, 3.0]}, Wavelet={})
    img = sitk.ReadImage("%s/%s_image.nrrd" % (images, case))
    msk = sitk.ReadImage("%s/%s_label.nrrd" % (images, case))
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        r = ex.execute(img, msk)
        best = min(best, time.perf_counter() - t)
    n = len([k for k in r if not k.startswith("diagnostics_")])
    rs, filt, count = ours[case]
    assert count == n, (case, count, n)
    print("%-8s %9d %14.3f %11.4f %12.4f %6.1fx" % (case, n, best, rs, filt, best / rs))
PYEOF
