#!/usr/bin/env bash
# Times `radlsig extract` against PyRadiomics 3.1.4 on PyRadiomics' 5 test cases with the same
# settings (PyRadiomics defaults: Original image, all seven classes), one thread each: whole
# `radlsig extract` processes (reading included) and, separately, the features alone on volumes
# already in memory; then the batch scaling of `radlsig extract --manifest` with 1 and 2 jobs.
# Target: >= 20x per case.
#
# Run from anywhere; numbers are only meaningful on a quiet machine:
#   scripts/bench-extract.sh            # REPEAT=5 scripts/bench-extract.sh for best-of-5
#
# PyRadiomics comes from a virtual environment (BENCH_VENV, default target/bench-venv) made
# with `python3 -m venv` and `pip install numpy pyradiomics-bhklab==3.1.4` (PyPI has no
# Python 3.11 wheel of `pyradiomics` itself; see ../shared/pyradiomics-data/SOURCE.md). When
# the venv cannot be made (offline), a system python3 that already imports PyRadiomics is used.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${RADLSIG_SHARED:-$(pwd)/../shared}"
MANIFEST="$SHARED/pyradiomics-data/testCases.csv"
VENV="${BENCH_VENV:-target/bench-venv}"
REPEAT="${REPEAT:-3}"

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS=1

has_pyradiomics() { "$1" -c 'import radiomics, numpy, SimpleITK' >/dev/null 2>&1; }

PY=""
if [ -x "$VENV/bin/python" ] && has_pyradiomics "$VENV/bin/python"; then
  PY="$VENV/bin/python"
elif python3 -m venv "$VENV" >/dev/null 2>&1 \
  && "$VENV/bin/pip" install --quiet --disable-pip-version-check --retries 1 --timeout 20 \
       numpy pyradiomics-bhklab==3.1.4 >/dev/null 2>&1 \
  && has_pyradiomics "$VENV/bin/python"; then
  PY="$VENV/bin/python"
elif has_pyradiomics python3; then
  echo "note: could not install PyRadiomics into $VENV (offline?); using $(command -v python3)" >&2
  PY=python3
else
  echo "error: no PyRadiomics: pip install pyradiomics-bhklab==3.1.4 failed and python3 cannot import radiomics" >&2
  exit 1
fi

cargo build --release -q -p radlsig
IN_MEMORY="$(mktemp)"
trap 'rm -f "$IN_MEMORY"' EXIT
REPEAT="$REPEAT" cargo test --release -q -p radlsig-radiomics --test bench_extract -- --ignored --nocapture \
  bench_in_memory >"$IN_MEMORY" 2>/dev/null
"$PY" scripts/bench_extract.py --radlsig target/release/radlsig --manifest "$MANIFEST" --repeat "$REPEAT" \
  --in-memory "$IN_MEMORY"
