#!/usr/bin/env python3
"""Benchmark: a voxel-wise IVIM fit of a 256 x 256 x 30 series with 10 b-values, radlsig
against DIPY's IvimModel (fit_method "trr", two-stage) on the same cores.

The series is a seeded phantom: every voxel an IVIM decay with parameters drawn over tissue
ranges, Rician noise at SNR 100. radlsig (crates/maps/examples/bench_ivim.rs,
RAYON_NUM_THREADS=2) fits all 1,966,080 voxels; DIPY (the same bounds) fits voxel by voxel in one process (its
multi-voxel loop), so it is timed on the first DIPY_VOXELS voxels (default 20,000) and its time
per voxel scaled to the series, which is stated in the output.

Usage (repository root): python3 scripts/bench-ivim.py [--skip-dipy] [DATA_DIR]
"""
import os
import subprocess
import sys
import time
import warnings

import numpy as np

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
DIR = ARGS[0] if ARGS else "/tmp/radlsig-bench-ivim"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
B = np.array([0.0, 10.0, 20.0, 40.0, 80.0, 150.0, 300.0, 500.0, 800.0, 1000.0])
SHAPE = (256, 256, 30)
THREADS = "2"
DIPY_VOXELS = int(os.environ.get("DIPY_VOXELS", "20000"))


def phantom():
    rng = np.random.default_rng(20261206)
    n = int(np.prod(SHAPE))
    s0 = rng.uniform(500, 1500, n)
    f = rng.uniform(0.05, 0.25, n)
    ds = rng.uniform(0.01, 0.05, n)
    d = rng.uniform(0.5e-3, 2.0e-3, n)
    out = np.empty((n, len(B)))
    for j, b in enumerate(B):
        clean = s0 * (f * np.exp(-b * ds) + (1 - f) * np.exp(-b * d))
        sigma = s0 / 100.0
        out[:, j] = np.hypot(clean + rng.normal(size=n) * sigma, rng.normal(size=n) * sigma)
    return out


def main():
    os.makedirs(DIR, exist_ok=True)
    signals = phantom()
    path = os.path.join(DIR, "signals.f64")
    signals.astype("<f8").tofile(path)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "radlsig-maps", "--example",
                    "bench_ivim"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "examples", "bench_ivim")
    env = dict(os.environ, RAYON_NUM_THREADS=THREADS)
    out = subprocess.run([exe, path, ",".join(map(str, B)), "400"], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    t_ours, n = float(out[0]), int(out[1])
    print(f"radlsig: {t_ours:8.1f} s for {n} voxels ({int(out[2])} fitted; median S0 {out[3]}, "
          f"f {out[4]}, D* {out[5]}, D {out[6]}) on {THREADS} threads", flush=True)
    if "--skip-dipy" in sys.argv:
        return
    import dipy
    from dipy.core.gradients import gradient_table
    from dipy.reconst.ivim import IvimModel
    bvecs = np.tile([1.0, 0.0, 0.0], (len(B), 1))
    bvecs[0] = 0.0
    gtab = gradient_table(B, bvecs=bvecs, b0_threshold=0)
    # radlsig's bounds (crates/maps/src/ivim.rs), as in scripts/make-ivim-fixture.py.
    bounds = ([0.0, 0.0, 0.005, 0.0], [np.inf, 1.0, 1.0, 0.005])
    model = IvimModel(gtab, fit_method="trr", bounds=bounds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(signals[:DIPY_VOXELS])
        t = time.perf_counter() - start
    t_dipy = t / DIPY_VOXELS * n
    print(f"DIPY {dipy.__version__}: {t:8.1f} s for {DIPY_VOXELS} voxels -> {t_dipy:8.1f} s for "
          f"the series (1 process)")
    print(f"speed-up: {t_dipy / t_ours:.0f}x ({THREADS} threads against one DIPY process; "
          f"{t_dipy / t_ours / int(THREADS):.0f}x per core)")


if __name__ == "__main__":
    main()
