#!/usr/bin/env python3
"""Checks what whole-tumour radiomics sees of a synthetic cohort's planted signal.

Usage: python3 scripts/check-synth-signal.py COHORT_DIR [--jobs N]

COHORT_DIR is the output of `radlsig synth` (manifest.csv + truth.csv; single time point,
first sequence). PyRadiomics 3.1.4 (default settings, Original image, all 7 families) extracts
features of every case; then, with 5-fold cross-validation (scikit-learn):

- an L1 logistic model (LASSO, C chosen by inner CV) on all features predicts the label, the
  sign of z_global and the sign of z_spatial: whole-tumour radiomics should see the global part
  well and the spatial part poorly;
- a "global statistics" model (ROI mean, variance, skewness, kurtosis and voxel count only)
  predicts the same targets: its AUC for the spatial part should be near 0.5;
- the same L1 model trained on the `train` split and scored on `val` (the demo's RAsig).

Prints a small table of AUCs. The figures are reported in the cohort crate's closing note;
they are a sanity check of the generator, not a test fixture.
"""

import argparse
import logging
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def extract(row):
    from radiomics import featureextractor

    logging.getLogger("radiomics").setLevel(logging.ERROR)
    ext = featureextractor.RadiomicsFeatureExtractor()
    ext.enableAllFeatures()
    out = ext.execute(row["Image"], row["Mask"])
    return {k: float(v) for k, v in out.items() if k.startswith("original_")}


def cv_auc(model, X, y, seed=0):
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    p = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    return roc_auc_score(y, p)


def lasso():
    return make_pipeline(
        StandardScaler(),
        LogisticRegressionCV(Cs=10, penalty="l1", solver="liblinear", cv=5, scoring="roc_auc", max_iter=5000),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cohort")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    manifest = pd.read_csv(os.path.join(a.cohort, "manifest.csv"))
    truth = pd.read_csv(os.path.join(a.cohort, "truth.csv"))
    image_col = "Image" if "Image" in manifest else [c for c in manifest if c.startswith("Image:")][0]
    mask_col = image_col.replace("Image", "Mask")
    rows = [
        {"Image": os.path.join(a.cohort, r[image_col]), "Mask": os.path.join(a.cohort, r[mask_col])}
        for _, r in manifest.iterrows()
    ]
    cache = os.path.join(a.cohort, "pyradiomics_features.csv")
    if os.path.exists(cache):
        feats = pd.read_csv(cache)
    else:
        with ProcessPoolExecutor(a.jobs) as pool:
            feats = pd.DataFrame(list(pool.map(extract, rows, chunksize=4)))
        feats.to_csv(cache, index=False)
    feats = feats.loc[:, feats.std() > 0]
    X = feats.values
    stats = feats[
        [
            "original_firstorder_Mean",
            "original_firstorder_Variance",
            "original_firstorder_Skewness",
            "original_firstorder_Kurtosis",
            "original_shape_VoxelVolume",
        ]
    ].values
    targets = {
        "label": truth["label"].values,
        "z_global>0": (truth["z_global"] > 0).astype(int).values,
        "z_spatial>0": (truth["z_spatial"] > 0).astype(int).values,
    }
    print(f"{len(truth)} cases, {X.shape[1]} non-constant PyRadiomics features")
    print(f"latent_imaging AUC for label: {roc_auc_score(truth['label'], truth['latent_imaging']):.3f}")
    for name, y in targets.items():
        full = cv_auc(lasso(), X, y)
        glob = cv_auc(make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)), stats, y)
        print(f"{name:12s} 5-fold CV AUC: all radiomics (L1) {full:.3f}   global stats only {glob:.3f}")
    train = (manifest["split"] == "train").values
    val = (manifest["split"] == "val").values
    if train.any() and val.any():
        m = lasso().fit(X[train], targets["label"][train])
        p = m.predict_proba(X[val])[:, 1]
        print(f"RAsig (L1 on train, scored on val): val AUC {roc_auc_score(targets['label'][val], p):.3f}")


if __name__ == "__main__":
    main()
