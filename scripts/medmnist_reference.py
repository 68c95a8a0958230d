#!/usr/bin/env python3
"""Reference values for crates/cohort/tests/medmnist.rs, computed with NumPy from the
MedMNIST archives in ../shared/data (never copied into the repo).

Usage: python3 scripts/medmnist_reference.py [../shared/data]

Prints, per file and split, the number of foreground (non-zero) voxels, the label count, and
for sample cases the foreground count and the sum of the C-order flat indices of the
foreground voxels (which pins the axis order of the imported volumes).
"""
import sys

import numpy as np

root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
for name in ["adrenalmnist3d.npz", "adrenalmnist3d_64.npz"]:
    d = np.load(f"{root}/{name}")
    for split in ["train", "val", "test"]:
        images, labels = d[f"{split}_images"], d[f"{split}_labels"]
        n = len(images)
        print(name, split, "cases", n, "positives", int(labels.sum()), "foreground", int((images > 0).sum()),
              "empty", int(((images > 0).reshape(n, -1).sum(1) == 0).sum()))
        for i in sorted({0, 1, n // 2, n - 1}):
            flat = np.flatnonzero(images[i].ravel() > 0)
            print(f"  ({split!r}, {i}, {len(flat)}, {int(flat.sum())}, {int(labels[i, 0])})")
