#!/usr/bin/env python3
"""Writes crates/radiomics/tests/fixtures/habitat_criteria.json: scikit-learn's silhouette and
Calinski-Harabasz scores (and the k-means optimum of well-separated blobs) on small seeded
point sets, the reference for `radlsig_radiomics::habitats::criteria` and `kmeans`.

- "sets": points (rows) with several labelings each: the generating blobs, random labels,
  labels with a singleton cluster, and non-contiguous label values.
- each labeling: sklearn.metrics.silhouette_score (Euclidean) and calinski_harabasz_score.
- "kmeans": for the blob set, sklearn.cluster.KMeans(k, n_init=20, random_state=0) inertia and
  sorted centres for k = 3 (the blobs are far apart, so this is the global optimum).

The silhouette is also recomputed here with exact pairwise distances (scipy-free numpy) and
must agree with scikit-learn's to 1e-12, so the fixture does not carry the rounding of
scikit-learn's dot-product distance formula.

Usage: python3 scripts/gen_habitat_criteria_fixture.py  (numpy, scikit-learn)
"""
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, silhouette_score

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "radiomics", "tests", "fixtures",
                   "habitat_criteria.json")


def exact_silhouette(x, labels):
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    uniq = np.unique(labels)
    s = np.zeros(len(x))
    for i in range(len(x)):
        own = labels[i]
        same = labels == own
        if same.sum() == 1:
            continue
        a = d[i, same].sum() / (same.sum() - 1)
        b = min(d[i, labels == c].mean() for c in uniq if c != own)
        s[i] = (b - a) / max(a, b)
    return s.mean()


def main():
    rng = np.random.default_rng(20240611)
    sets = []

    centres = np.array([[0.0, 0.0, 0.0], [6.0, 1.0, -2.0], [1.0, 7.0, 3.0]])
    blob_labels = np.repeat([0, 1, 2], [20, 15, 25])
    blobs = centres[blob_labels] + rng.normal(scale=0.8, size=(60, 3))
    labelings = {
        "blobs": blob_labels,
        "random4": rng.integers(0, 4, size=60),
        "singleton": np.where(np.arange(60) == 7, 9, blob_labels),
        "relabelled": np.choose(blob_labels, [12, 3, 40]),
    }
    sets.append(("blobs3d", blobs, labelings))

    line = rng.uniform(-5, 5, size=(25, 2))
    labelings = {
        "halves": (line[:, 0] > 0).astype(int),
        "random3": rng.integers(0, 3, size=25),
    }
    sets.append(("uniform2d", line, labelings))

    out = {"sklearn_version": sklearn.__version__, "sets": []}
    for name, x, labelings in sets:
        entry = {"name": name, "points": x.tolist(), "labelings": []}
        for lname, labels in labelings.items():
            sil = float(silhouette_score(x, labels, metric="euclidean"))
            exact = exact_silhouette(x, labels)
            assert abs(sil - exact) < 1e-12, (name, lname, sil, exact)
            ch = float(calinski_harabasz_score(x, labels))
            entry["labelings"].append({"name": lname, "labels": [int(v) for v in labels],
                                       "silhouette": sil, "calinski_harabasz": ch})
        out["sets"].append(entry)

    km = KMeans(n_clusters=3, n_init=20, random_state=0).fit(blobs)
    centers = sorted(km.cluster_centers_.tolist())
    out["kmeans"] = {"set": "blobs3d", "k": 3, "inertia": float(km.inertia_), "centroids": centers}

    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
