#!/usr/bin/env python3
"""Reference fixture for radlsig's tree and SVM models (crates/fusion/tests/models_sklearn.rs).

Fits scikit-learn 1.9 models to seeded synthetic cohorts and writes inputs and outputs to
crates/fusion/tests/fixtures/models_sklearn.json:

- `boosting`: GradientBoostingClassifier (log-loss, subsample 1, all features: deterministic)
  in two settings (min_samples_leaf 5, so that no two features tie: the fit is the same for
  every random_state, which the script checks); decision_function of the training and new rows, and shap 0.51's
  TreeExplainer values (log-odds, tree_path_dependent) of the new rows.
- `tree`: DecisionTreeClassifier (Gini, all features) of depth 4, min_samples_leaf 5; predict_proba and SHAP values.
- `forest`: RandomForestClassifier (500 trees, max_features="sqrt", bootstrap) over 5 seeds; the
  mean and SD of the out-of-bag AUC and of the AUC on new rows (forests are seeded differently
  in radlsig, so the test compares these, not predictions).
- `svm`: SVC, linear (C = 0.5) and RBF (C = 2, gamma = "scale"), tol 1e-12; decision_function
  of new rows, dual_coef_, intercept_; the same on a float32-exact precomputed Gram matrix
  (LIBSVM caches the kernel as float32); and Platt's sigmoid fitted by scikit-learn's
  _sigmoid_calibration on the training decision values, with its loss.

Features are rounded to float32 first: scikit-learn's trees compare float32 copies of the
features, so float32-exact inputs make the thresholds the same in both tools.

Usage: python3 scripts/make-model-fixtures.py   (repository root; pip install scikit-learn shap)
"""

import json
import os

import numpy as np
import shap
import sklearn
from sklearn.calibration import _sigmoid_calibration
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "fusion", "tests",
                   "fixtures", "models_sklearn.json")


def f32(x):
    return x.astype(np.float32).astype(np.float64)


def cohort(rng, n, p, prevalence_shift=0.0):
    """Features with a non-linear planted signal in the first three columns."""
    x = f32(rng.normal(size=(n, p)))
    z = 1.2 * x[:, 0] - 0.8 * x[:, 1] ** 2 + np.sin(2 * x[:, 2]) + prevalence_shift
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * z))).astype(int)
    return x, y


def seed_free(predictions):
    """Asserts that the predictions do not depend on scikit-learn's random_state.

    scikit-learn visits features in a seeded random order and keeps the first of equally good
    splits, so where two features split a node into the same rows (small nodes) its fit depends
    on the seed; such cases cannot pin down another tool's splits. min_samples_leaf = 5 avoids
    them on these cohorts; this check proves it.
    """
    ref = predictions(0)
    for seed in range(1, 8):
        assert np.array_equal(predictions(seed), ref), f"seed {seed} changes the fit"


def shap_values(model, x):
    e = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    v = e.shap_values(x)
    v = np.asarray(v)
    ev = np.asarray(e.expected_value).reshape(-1)
    if v.ndim == 3:  # classifiers with probability outputs: (rows, features, classes)
        v = v[:, :, 1]
        ev = ev[1:]
    return v.tolist(), float(ev[0])


def precomputed(kw, x, y, new):
    """The same SVM on a float32-exact Gram matrix.

    LIBSVM caches Q_ij = y_i y_j K_ij as float32, so SVC on raw features solves a problem
    perturbed by ~1e-7 relative; with a precomputed Gram matrix whose entries are float32
    numbers the cast is exact and both tools solve the same problem.
    """
    gamma = 1.0 / (x.shape[1] * x.var()) if kw["kernel"] == "rbf" else None

    def gram(a, b):
        if gamma is None:
            return f32(a @ b.T)
        d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
        return f32(np.exp(-gamma * np.maximum(d, 0)))

    k, k_new = gram(x, x), gram(new, x)
    m = SVC(kernel="precomputed", C=kw["C"], tol=1e-12).fit(k, y)
    def short(m):  # float32's shortest decimals (a reader recovers them by a float32 cast)
        return [[float(str(np.float32(v))) for v in row] for row in m]

    return {
        "gram": short(k), "gram_new": short(k_new),
        "gram_new_decision": m.decision_function(k_new).tolist(),
        "gram_support": m.support_.tolist(), "gram_intercept": float(m.intercept_[0]),
    }


def main():
    rng = np.random.default_rng(20261204)
    out = {"sklearn": sklearn.__version__, "shap": shap.__version__}

    x, y = cohort(rng, 120, 8, prevalence_shift=-0.4)
    new, _ = cohort(rng, 30, 8)
    boosting = []
    for name, kw in [
        ("depth3", dict(n_estimators=60, learning_rate=0.1, max_depth=3, min_samples_leaf=5)),
        ("shallow", dict(n_estimators=40, learning_rate=0.3, max_depth=2, min_samples_leaf=5)),
    ]:
        m = GradientBoostingClassifier(random_state=0, **kw).fit(x, y)
        seed_free(lambda s: GradientBoostingClassifier(random_state=s, **kw).fit(x, y)
                  .decision_function(new))
        sv, ev = shap_values(m, new)
        boosting.append({
            "name": name, "settings": kw, "x": x.tolist(), "y": y.tolist(), "new": new.tolist(),
            "train_decision": m.decision_function(x).tolist(),
            "new_decision": m.decision_function(new).tolist(),
            "shap": sv, "expected_value": ev,
        })
    out["boosting"] = boosting

    t = DecisionTreeClassifier(max_depth=4, min_samples_leaf=5, random_state=0).fit(x, y)
    seed_free(lambda s: DecisionTreeClassifier(max_depth=4, min_samples_leaf=5, random_state=s)
              .fit(x, y).predict_proba(new))
    sv, ev = shap_values(t, new)
    out["tree"] = {
        "max_depth": 4, "min_samples_leaf": 5, "x": x.tolist(), "y": y.tolist(), "new": new.tolist(),
        "new_proba": t.predict_proba(new)[:, 1].tolist(), "n_nodes": int(t.tree_.node_count),
        "shap": sv, "expected_value": ev,
    }

    x, y = cohort(rng, 300, 10)
    new, new_y = cohort(rng, 300, 10)
    oob, test = [], []
    for seed in range(5):
        m = RandomForestClassifier(n_estimators=500, max_features="sqrt", oob_score=True,
                                   random_state=seed, n_jobs=2).fit(x, y)
        oob.append(roc_auc_score(y, m.oob_decision_function_[:, 1]))
        test.append(roc_auc_score(new_y, m.predict_proba(new)[:, 1]))
    out["forest"] = {
        "trees": 500, "x": x.tolist(), "y": y.tolist(), "new": new.tolist(),
        "new_y": new_y.tolist(), "oob_auc": oob, "new_auc": test,
        "oob_auc_mean": float(np.mean(oob)), "oob_auc_sd": float(np.std(oob, ddof=1)),
        "new_auc_mean": float(np.mean(test)), "new_auc_sd": float(np.std(test, ddof=1)),
    }

    x, y = cohort(rng, 80, 5)
    x = (x - x.mean(0)) / x.std(0)
    new = rng.normal(size=(20, 5))
    svm = []
    for name, kw in [("linear", dict(kernel="linear", C=0.5)),
                     ("rbf", dict(kernel="rbf", C=2.0, gamma="scale"))]:
        m = SVC(tol=1e-12, **kw).fit(x, y)
        f = m.decision_function(x)
        a, b = _sigmoid_calibration(f, y)
        n1 = y.sum()
        n0 = len(y) - n1
        t = np.where(y == 1, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))
        z = a * f + b
        loss = float(np.sum(t * z + np.logaddexp(0, -z)))
        svm.append({
            "name": name, "kernel": kw["kernel"], "c": kw["C"],
            "gamma": float(m._gamma) if kw["kernel"] == "rbf" else None,
            "x": x.tolist(), "y": y.tolist(), "new": new.tolist(),
            "new_decision": m.decision_function(new).tolist(),
            "train_decision": f.tolist(),
            "support": m.support_.tolist(), "dual_coef": m.dual_coef_[0].tolist(),
            "intercept": float(m.intercept_[0]),
            "platt_a": float(a), "platt_b": float(b), "platt_loss": loss,
            **precomputed(kw, x, y, new),
        })
    out["svm"] = svm

    with open(OUT, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
