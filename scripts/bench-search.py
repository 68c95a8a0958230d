#!/usr/bin/env python3
"""Benchmark: a 200-pipeline nested cross-validated search, radlsig against scikit-learn.

The same search on the same cohort and the same cores (a benchmark, not a test):

- cohort: 400 patients x 1,200 features (seeded; 30 informative features in correlated
  blocks, one of them with a non-linear effect), prevalence 0.4;
- outer 5-fold stratified cross-validation; in each outer training part, a grid search over
  200 pipelines scored by inner 5-fold AUC, the winner refitted and scored on the outer fold;
- pipelines: standardise -> PCA (10, 20, 40 or 80 components) -> one of 50 models:
  logistic regression (5 L2 strengths), RBF SVM (5 C x 4 gamma), linear SVM (4 C), random
  forest (100 trees; 3 max_features x 3 min_samples_leaf), gradient boosting (3 learning rates
  x 2 depths x 2 stage counts).

scikit-learn: Pipeline(StandardScaler, PCA, model) in GridSearchCV(n_jobs=2) inside
cross_val_score. radlsig: crates/fusion/examples/bench_search.rs (RAYON_NUM_THREADS=2) on a
FusionConfig with a [rasig.search]. Both use all their defaults otherwise (radlsig's SVM also
fits Platt's sigmoid on 5 inner folds, which scikit-learn's AUC scoring does not need).
Differences in the models' details (L2 scaling: ridge = 1/C; forest seeds) make the AUCs close,
not equal; the timing compares the same amount of work.

Usage (repository root): python3 scripts/bench-search.py [--skip-sklearn | --skip-radlsig] [DATA_DIR]
"""

import json
import os
import subprocess
import sys
import time

import numpy as np

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
DIR = ARGS[0] if ARGS else "/tmp/radlsig-bench-search"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
N, P, THREADS = 400, 1200, "2"

LOGISTIC_C = [0.01, 0.1, 1.0, 10.0, 100.0]
SVM_C = [0.1, 1.0, 10.0, 100.0, 1000.0]
SVM_GAMMA = ["scale", 0.001, 0.01, 0.1]
LINEAR_C = [0.01, 0.1, 1.0, 10.0]
RF_FEATURES = ["sqrt", "log2", 0.2]
RF_LEAF = [1, 3, 5]
GB_LR = [0.05, 0.1, 0.3]
GB_DEPTH = [2, 3]
GB_TREES = [50, 100]
PCA_K = [10, 20, 40, 80]


def cohort():
    rng = np.random.default_rng(20261204)
    y = (rng.random(N) < 0.4).astype(int)
    x = rng.normal(size=(N, P))
    for b in range(6):  # correlated blocks of 5 informative features
        base = rng.normal(size=N) + 0.6 * y
        for j in range(5):
            x[:, 5 * b + j] = base + 0.7 * rng.normal(size=N)
    x[:, 30] = np.abs(rng.normal(size=N)) * (1 + y) + 0.5 * rng.normal(size=N)
    return x, y


def models():
    out = []
    out += [({"kind": "logistic", "ridge": 1.0 / c}, ("logistic", {"C": c})) for c in LOGISTIC_C]
    for c in SVM_C:
        for g in SVM_GAMMA:
            out.append(({"kind": "svm", "c": c, "gamma": g}, ("svm", {"C": c, "gamma": g})))
    out += [({"kind": "svm", "kernel": "linear", "c": c}, ("linear", {"C": c})) for c in LINEAR_C]
    for f in RF_FEATURES:
        for leaf in RF_LEAF:
            ours = {"kind": "random_forest", "trees": 100, "max_features": f,
                    "min_samples_leaf": leaf}
            out.append((ours, ("rf", {"max_features": f, "min_samples_leaf": leaf})))
    for lr in GB_LR:
        for d in GB_DEPTH:
            for t in GB_TREES:
                ours = {"kind": "gradient_boosting", "trees": t, "learning_rate": lr,
                        "max_depth": d}
                out.append((ours, ("gb", {"learning_rate": lr, "max_depth": d,
                                          "n_estimators": t})))
    assert len(out) == 50
    return out


def toml_value(v):
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return repr(v)


def radlsig(path):
    config = os.path.join(DIR, "search.toml")
    with open(config, "w") as f:
        f.write("seed = 1\n[rasig]\n")
        f.write('steps = [{ kind = "standardize" }, { kind = "pca", components = 10 }]\n')
        f.write("[rasig.search]\nfolds = 5\n")
        f.write('space = { "steps[1].components" = [' + ", ".join(map(str, PCA_K)) + "], ")
        f.write('"model" = [' + ", ".join(toml_value(m) for m, _ in models()) + "] }\n")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "radlsig-fusion", "--example",
                    "bench_search"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "examples", "bench_search")
    env = dict(os.environ, RAYON_NUM_THREADS=THREADS)
    out = subprocess.run([exe, path, config, "5"], env=env, check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), int(out[1]), [float(a) for a in out[2].split(",")]


def sklearn(x, y):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    est = {
        "logistic": lambda: LogisticRegression(max_iter=1000),
        "svm": lambda: SVC(kernel="rbf"),
        "linear": lambda: SVC(kernel="linear"),
        "rf": lambda: RandomForestClassifier(n_estimators=100, random_state=0),
        "gb": lambda: GradientBoostingClassifier(random_state=0),
    }
    grid = []
    for _, (name, params) in models():
        grid.append({"pca__n_components": PCA_K, "model": [est[name]()],
                     **{f"model__{k}": [v] for k, v in params.items()}})
    pipe = Pipeline([("scale", StandardScaler()), ("pca", PCA(svd_solver="full")),
                     ("model", LogisticRegression())])
    search = GridSearchCV(pipe, grid, scoring="roc_auc", n_jobs=int(THREADS),
                          cv=StratifiedKFold(5, shuffle=True, random_state=0))
    start = time.perf_counter()
    aucs = cross_val_score(search, x, y, scoring="roc_auc",
                           cv=StratifiedKFold(5, shuffle=True, random_state=1))
    return time.perf_counter() - start, aucs.tolist()


def main():
    os.makedirs(DIR, exist_ok=True)
    x, y = cohort()
    path = os.path.join(DIR, "cohort.csv")
    with open(path, "w") as f:
        f.write(",".join(["label"] + [f"f{j}" for j in range(P)]) + "\n")
        np.savetxt(f, np.column_stack([y, x]), fmt=["%d"] + ["%.6f"] * P, delimiter=",")
    if "--skip-radlsig" in sys.argv:
        t_ours = None
    else:
        t_ours, n_candidates, auc_ours = radlsig(path)
        print(f"radlsig:      {t_ours:8.1f} s  ({n_candidates} pipelines x 5 inner folds x 5 outer "
              f"folds; outer AUCs {', '.join(f'{a:.3f}' for a in auc_ours)}; mean "
              f"{np.mean(auc_ours):.3f})", flush=True)
    if "--skip-sklearn" in sys.argv:
        return
    import sklearn as sk
    t_sk, auc_sk = sklearn(x, y)
    print(f"scikit-learn: {t_sk:8.1f} s  (scikit-learn {sk.__version__}; outer AUCs "
          f"{', '.join(f'{a:.3f}' for a in auc_sk)}; mean {np.mean(auc_sk):.3f})")
    if t_ours is not None:
        print(f"speed-up: {t_sk / t_ours:.1f}x on {THREADS} threads")


if __name__ == "__main__":
    main()
