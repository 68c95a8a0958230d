#!/usr/bin/env python3
"""IVIM reference fits by DIPY for crates/maps/tests/dipy.rs.

Seeded synthetic voxels (b-values of a typical 10-b protocol, parameters drawn over tissue
ranges, Rician noise at SNR 30-200) fitted by DIPY's IvimModel (fit_method "trr", two_stage,
split_b_D = 400, split_b_S0 = 200, and radlsig's bounds: S0 >= 0, 0 <= f <= 1,
0.005 <= D* <= 1, 0 <= D <= 0.005). Writes the signals and DIPY's (S0, f, D*, D) per voxel.

Usage (repository root): python3 scripts/make-ivim-fixture.py  (needs dipy, numpy)
"""
import json
import os

import dipy
import numpy as np
from dipy.core.gradients import gradient_table
from dipy.reconst.ivim import IvimModel

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "maps", "tests",
                   "fixtures", "ivim_dipy.json")
B = np.array([0.0, 10.0, 20.0, 40.0, 80.0, 150.0, 300.0, 500.0, 800.0, 1000.0])


def main():
    rng = np.random.default_rng(20261206)
    n = 200
    truth = np.column_stack([
        rng.uniform(500, 1500, n),        # S0
        rng.uniform(0.05, 0.25, n),       # f
        rng.uniform(0.01, 0.05, n),       # D*
        rng.uniform(0.5e-3, 2.0e-3, n),   # D
    ])
    snr = rng.choice([30.0, 100.0, 200.0], n)
    clean = truth[:, :1] * (truth[:, 1:2] * np.exp(-np.outer(truth[:, 2], B))
                            + (1 - truth[:, 1:2]) * np.exp(-np.outer(truth[:, 3], B)))
    sigma = (truth[:, 0] / snr)[:, None]
    noisy = np.sqrt((clean + rng.normal(size=clean.shape) * sigma) ** 2
                    + (rng.normal(size=clean.shape) * sigma) ** 2)
    bvecs = np.tile([1.0, 0.0, 0.0], (len(B), 1))
    bvecs[0] = 0.0
    gtab = gradient_table(B, bvecs=bvecs, b0_threshold=0)
    bounds = ([0.0, 0.0, 0.005, 0.0], [np.inf, 1.0, 1.0, 0.005])
    fit = IvimModel(gtab, fit_method="trr", bounds=bounds).fit(noisy)
    params = np.asarray(fit.model_params)
    # Where DIPY's bounded full fit fails it returns its linear (segmented) estimate instead:
    # marked, as those voxels are not a full fit.
    linear = np.asarray(IvimModel(gtab, fit_method="trr", bounds=bounds, two_stage=False).fit(noisy).model_params)
    fallback = np.all(np.isclose(params, linear, rtol=0, atol=0), axis=1)
    with open(OUT, "w") as f:
        json.dump({
            "dipy": dipy.__version__,
            "b_values": B.tolist(),
            "split_b_d": 400.0,
            "voxels": [{"signal": noisy[i].tolist(), "truth": truth[i].tolist(),
                        "snr": float(snr[i]), "dipy": params[i].tolist(),
                        "dipy_full_fit": not bool(fallback[i])} for i in range(n)],
        }, f, indent=1)
    print(f"wrote {OUT}: {n} voxels ({int(fallback.sum())} without a full fit), "
          f"dipy {dipy.__version__}")


if __name__ == "__main__":
    main()
