#!/usr/bin/env python3
"""ComBat reference fixtures for crates/fusion (tests/combat_neurocombat.rs).

Runs the `neuroCombat` Python package (0.2.12) on a small synthetic matrix — 3 centres, 6
features, a continuous covariate (age, integer so that neuroCombat's float32 cast of covariates is
exact) and a categorical one (sex) — and writes its inputs and outputs to
crates/fusion/tests/fixtures/combat_neurocombat.json:

- `default`: parametric EB with both covariates;
- `mean_only`, `no_eb`, `no_covariates`, `ref_batch` (reference centre "siteB");
- `from_training`: neuroCombatFromTraining applied to new rows with the `default` estimates.

Usage: python3 scripts/make-fusion-fixtures.py   (from the repository root)
"""

import contextlib
import io
import json
import os

import numpy as np
import pandas as pd

# neuroCombat 0.2.12 calls np.int (removed in NumPy 1.24) on its ref_batch path.
if not hasattr(np, "int"):
    np.int = int

import sys  # noqa: E402

from neuroCombat import neuroCombat, neuroCombatFromTraining  # noqa: E402

_nc = sys.modules["neuroCombat.neuroCombat"]

# neuroCombatFromTraining calls int() on a one-element array, which NumPy 2 rejects; give that
# module an int() that takes the element (a module global shadows the builtin there only).
_nc.int = lambda v: int(np.asarray(v).item())

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "crates",
    "fusion",
    "tests",
    "fixtures",
    "combat_neurocombat.json",
)


def synthetic(rng, n_per_site, sites):
    rows = []
    for s, n in zip(sites, n_per_site):
        rows += [s] * n
    rng.shuffle(rows)
    n = len(rows)
    p = 6
    age = rng.integers(40, 80, size=n).astype(float)
    sex = rng.choice(["F", "M"], size=n)
    shift = {"siteA": 0.0, "siteB": 1.5, "siteC": -0.8}
    scale = {"siteA": 1.0, "siteB": 1.8, "siteC": 0.6}
    base = rng.normal(size=(n, p))
    x = np.empty((n, p))
    for i in range(n):
        s = rows[i]
        x[i] = (
            10.0
            + np.arange(p)
            + 0.05 * (age[i] - 60) * np.array([1, 0, -1, 0.5, 0, 2])
            + 0.7 * (sex[i] == "M") * np.array([0, 1, 0, 1, -1, 0])
            + shift[s] * np.array([1, 1, 0.5, -1, 2, 0])
            + scale[s] * base[i] * np.array([1, 2, 0.5, 1, 1, 3])
        )
    return rows, age, sex, x


def run(x, covars, **kw):
    with contextlib.redirect_stdout(io.StringIO()):
        out = neuroCombat(dat=x.T.copy(), covars=covars, batch_col="batch", **kw)
    est = out["estimates"]

    def tolist(v):
        return None if v is None else np.asarray(v, dtype=float).tolist()

    return {
        "data": out["data"].T.tolist(),
        "gamma_star": tolist(est["gamma.star"]),
        "delta_star": tolist(est["delta.star"]),
        "gamma_hat": tolist(est["gamma_hat"]),
        "delta_hat": tolist(est["delta_hat"]),
        "gamma_bar": tolist(est["gamma_bar"]),
        "t2": tolist(est["t2"]),
        "a_prior": tolist(est["a_prior"]),
        "b_prior": tolist(est["b_prior"]),
        "var_pooled": tolist(np.ravel(est["var.pooled"])),
        "grand_mean": tolist(np.asarray(est["stand.mean"])[:, 0]),
    }, est


def main():
    rng = np.random.default_rng(20240601)
    sites = ["siteA", "siteB", "siteC"]
    rows, age, sex, x = synthetic(rng, [18, 20, 22], sites)
    covars = pd.DataFrame({"batch": rows, "age": age, "sex": sex})
    both = dict(categorical_cols=["sex"], continuous_cols=["age"])

    fixture = {
        "source": "neuroCombat 0.2.12 via scripts/make-fusion-fixtures.py",
        "batch": rows,
        "age": age.tolist(),
        "sex": sex.tolist(),
        "x": x.tolist(),
    }
    fixture["default"], est = run(x, covars, **both)
    fixture["mean_only"], _ = run(x, covars, mean_only=True, **both)
    fixture["no_eb"], _ = run(x, covars, eb=False, **both)
    fixture["no_covariates"], _ = run(x, covars[["batch"]])
    fixture["ref_batch"], _ = run(x, covars, ref_batch="siteB", **both)

    # New rows from seen centres, harmonised with the default estimates.
    new_rows, new_age, new_sex, new_x = synthetic(rng, [3, 2, 3], sites)
    with contextlib.redirect_stdout(io.StringIO()):
        new = neuroCombatFromTraining(dat=new_x.T.copy(), batch=np.array(new_rows), estimates=est)
    fixture["from_training"] = {
        "batch": new_rows,
        "age": new_age.tolist(),
        "sex": new_sex.tolist(),
        "x": new_x.tolist(),
        "data": np.asarray(new["data"]).T.tolist(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f)
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
