#!/usr/bin/env python3
"""PCA reference fixture for crates/fusion (tests/pca_sklearn.rs).

Fits scikit-learn's PCA (1.9, full SVD) to seeded synthetic matrices and writes inputs and
outputs to crates/fusion/tests/fixtures/pca_sklearn.json:

- `tall`: 40 rows × 6 correlated features, n_components = 3;
- `wide`: 12 rows × 30 features (more features than rows, as the pooled maps of a frozen
  backbone on a small cohort), n_components = 5;
- `variance`: the `tall` matrix with n_components = 0.9 (the fewest components whose cumulative
  explained-variance ratio exceeds 0.9).

Each case holds the training matrix, new rows, mean_, components_ (scikit-learn >= 1.5 flips
signs so that each component's largest-magnitude loading is positive), explained_variance_,
explained_variance_ratio_ and transform() of the new rows.

Usage: python3 scripts/make-pca-fixture.py   (from the repository root; pip install scikit-learn)
"""

import json
import os

import numpy as np
import sklearn
from sklearn.decomposition import PCA

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "fusion", "tests",
                   "fixtures", "pca_sklearn.json")


def case(name, x, new, n_components):
    pca = PCA(n_components=n_components, svd_solver="full").fit(x)
    return {
        "name": name,
        "n_components": n_components,
        "x": x.tolist(),
        "new": new.tolist(),
        "mean": pca.mean_.tolist(),
        "components": pca.components_.tolist(),
        "explained_variance": pca.explained_variance_.tolist(),
        "explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
        "transform": pca.transform(new).tolist(),
    }


def main():
    rng = np.random.default_rng(20261204)
    latent = rng.normal(size=(40, 3))
    mixing = rng.normal(size=(3, 6))
    tall = latent @ mixing + 0.3 * rng.normal(size=(40, 6)) + np.arange(6)
    tall_new = rng.normal(size=(5, 6)) * 2.0 + np.arange(6)
    wide = rng.normal(size=(12, 30)) @ np.diag(np.linspace(3.0, 0.2, 30))
    wide_new = rng.normal(size=(4, 30))
    cases = [
        case("tall", tall, tall_new, 3),
        case("wide", wide, wide_new, 5),
        case("variance", tall, tall_new, 0.9),
    ]
    with open(OUT, "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
