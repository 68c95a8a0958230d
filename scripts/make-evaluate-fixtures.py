#!/usr/bin/env python3
"""scikit-learn reference values for crates/evaluate, on the datasets written by
scripts/make-evaluate-fixtures.R (run that first). Run from the repository root:

    python3 scripts/make-evaluate-fixtures.py

Writes sklearn_auc.csv (roc_auc_score), sklearn_roc_points.csv (roc_curve with
drop_intermediate=False: one point per distinct score, highest threshold first) and
sklearn_brier.csv (brier_score_loss) into crates/evaluate/tests/fixtures/.
Made with scikit-learn 1.9.1, numpy 2.4.6.
"""
import csv
import os

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

OUT = "crates/evaluate/tests/fixtures"


def read(name):
    with open(os.path.join(OUT, name), newline="") as f:
        return list(csv.DictReader(f))


def write(name, header, rows):
    with open(os.path.join(OUT, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([repr(float(v)) if isinstance(v, (float, np.floating)) else v for v in r])


data = read("datasets.csv")
names = list(dict.fromkeys(r["dataset"] for r in data))
aucs, points = [], []
for d in names:
    rows = [r for r in data if r["dataset"] == d]
    y = np.array([int(float(r["label"])) for r in rows])
    for s in ("score_a", "score_b"):
        x = np.array([float(r[s]) for r in rows])
        aucs.append((d, s, roc_auc_score(y, x)))
        fpr, tpr, _ = roc_curve(y, x, drop_intermediate=False)
        points += [(d, s, a, b) for a, b in zip(fpr, tpr)]
write("sklearn_auc.csv", ["dataset", "score", "auc"], aucs)
write("sklearn_roc_points.csv", ["dataset", "score", "fpr", "tpr"], points)

cal = read("calibration_data.csv")
briers = []
for d in dict.fromkeys(r["dataset"] for r in cal):
    rows = [r for r in cal if r["dataset"] == d]
    y = np.array([int(float(r["label"])) for r in rows])
    p = np.array([float(r["prob"]) for r in rows])
    briers.append((d, brier_score_loss(y, p)))
write("sklearn_brier.csv", ["dataset", "brier"], briers)
print("scikit-learn fixtures written to", OUT)
