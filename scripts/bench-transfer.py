#!/usr/bin/env python3
"""Small-cohort benchmark of DLsig and RADLsig (issue 15): AdrenalMNIST3D (28³, MedMNIST v2),
seeded training subsets of 40, 80 and 160 cases (10 draws each), scored on the official test
split (298 cases, never seen by any model).

For every draw, two `radlsig run` experiments on the same training cases:
  scratch   RAsig (shape radiomics, LASSO) + DLsig from a 3D CNN trained from scratch on the
            draw (scripts/adrenal-cnn.toml; early stopping on an inner split of the draw)
            + RADLsig late fusion (convex weights by inner CV);
  transfer  the same RAsig + DLsig from a CNN pretrained once on a disjoint pool of
            AdrenalMNIST3D training cases (`radlsig train-cnn`, model selection on the official
            `val` split), frozen (`cnn.mode = "frozen"`, its dl_prob recalibrated on the
            draw) + RADLsig late fusion;
  finetune  the same RAsig + DLsig from that pretrained CNN's stem and stages under a new
            embedding layer and head, fine-tuned on the draw (`cnn.mode = "finetune"`, the
            backbone at 0.1 × the learning rate, early stopping on an inner split of the draw,
            the scratch CNN's settings otherwise) + RADLsig late fusion.
The official training split (1188) is divided once, stratified and seeded, into the
pretraining pool (60 %) and the pool the draws come from (40 %), so that no drawn case was
seen in pretraining.

Needs the cohort (datasets/make-adrenalmnist3d.sh) and a release build (cargo build --release;
RADLSIG_BIN names another binary, e.g. a copy that a rebuild during the benchmark cannot change).
Writes OUT (default runs/bench-transfer): manifests, configs, runs, summary.csv, summary.md.
Not a test: the numbers are recorded in the issue's closing note.

Usage: python3 scripts/bench-transfer.py [--sizes 40,80,160] [--draws 10] [--out DIR]
                                         [--variants scratch,transfer,finetune]
"""

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("RADLSIG_BIN", os.path.join(ROOT, "target", "release", "radlsig"))

RADIOMICS = '''[radiomics]
params_yaml = """
setting:
  label: 1
imageType:
  Original: {}
featureClass:
  shape:
"""
'''

# DLsig from scratch (and fine-tuned): the CNN's embeddings of the very cases it was trained on can separate
# them (no maximum-likelihood recalibration of dl_prob), so its embedding features go through
# LASSO and a ridge-safeguarded refit. Transferred: the pretrained model's dl_prob (it never
# saw the draw), recalibrated on the draw (a ridge: on 40 cases it can separate them).
DLSIG_SCRATCH = """[fusion.dlsig]
source = "features"
steps = [{ kind = "standardize" }, { kind = "near_zero_variance", threshold = 1e-8 }, { kind = "lasso", folds = 5, rule = "min" }]
model = { kind = "logistic", ridge = 1.0 }"""
DLSIG_TRANSFER = """[fusion.dlsig]
source = "probability"
feature = "dl_prob"
ridge = 0.1
"""

FUSION = """[fusion]
seed = 1
[fusion.rasig]
steps = [
  { kind = "standardize" },
  { kind = "near_zero_variance", threshold = 1e-8 },
  { kind = "mann_whitney", p = 0.05 },
  { kind = "correlation", max_abs_r = 0.9 },
  { kind = "lasso", folds = 5, rule = "min" },
]
# With 40 training cases three shape features can separate the classes: a ridge keeps the
# refit defined.
model = { kind = "logistic", ridge = 1.0 }
{dlsig}
[fusion.radlsig_late]
folds = 5
ridge = 0.1

[evaluation]
bootstrap = 0
"""


def read_manifest(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    base = os.path.dirname(os.path.abspath(path))
    for r in rows:
        for k in ("Image", "Mask"):
            if not os.path.isabs(r[k]):
                r[k] = os.path.join(base, r[k])
    return rows


def write_manifest(path, rows, split):
    fields = ["ID", "label", "split", "Image", "Mask"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r, s in zip(rows, split):
            w.writerow({"ID": r["ID"], "label": r["label"], "split": s, "Image": r["Image"], "Mask": r["Mask"]})


def stratified(rows, n, rng):
    """n rows, each class in proportion to `rows` (at least 2 of each)."""
    pos = [r for r in rows if r["label"] == "1"]
    neg = [r for r in rows if r["label"] != "1"]
    k = max(2, round(n * len(pos) / len(rows)))
    return rng.sample(pos, k) + rng.sample(neg, n - k)


def run(args, log):
    t = time.time()
    with open(log, "w") as f:
        p = subprocess.run(args, stdout=f, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        sys.exit(f"failed ({log}): {' '.join(args)}")
    return time.time() - t


def test_aucs(run_dir):
    out = {}
    with open(os.path.join(run_dir, "metrics.csv"), newline="") as f:
        for r in csv.DictReader(f):
            if r["split"] == "test":
                out[r["score"]] = float(r["auc"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cohort", default=os.path.join(ROOT, "datasets/generated/adrenalmnist3d_28/manifest.csv"))
    ap.add_argument("--sizes", default="40,80,160")
    ap.add_argument("--draws", type=int, default=10)
    ap.add_argument("--out", default=os.path.join(ROOT, "runs/bench-transfer"))
    ap.add_argument("--threads", default="2")
    ap.add_argument("--variants", default="scratch,transfer,finetune")
    a = ap.parse_args()
    variants = a.variants.split(",")
    a.out = os.path.abspath(a.out)
    os.makedirs(a.out, exist_ok=True)
    rows = read_manifest(a.cohort)
    train = [r for r in rows if r["split"] == "train"]
    val = [r for r in rows if r["split"] == "val"]
    test = [r for r in rows if r["split"] == "test"]
    rng = random.Random(2026)
    pos = [r for r in train if r["label"] == "1"]
    neg = [r for r in train if r["label"] != "1"]
    rng.shuffle(pos)
    rng.shuffle(neg)
    cut_p, cut_n = int(0.6 * len(pos)), int(0.6 * len(neg))
    pretrain, pool = pos[:cut_p] + neg[:cut_n], pos[cut_p:] + neg[cut_n:]
    print(f"pretraining pool {len(pretrain)}, draw pool {len(pool)}, val {len(val)}, test {len(test)}")

    model = os.path.join(a.out, "pretrained")
    if not os.path.exists(os.path.join(model, "training.json")):
        m = os.path.join(a.out, "pretrain.csv")
        write_manifest(m, pretrain + val, ["train"] * len(pretrain) + ["val"] * len(val))
        s = run([BIN, "train-cnn", "--manifest", m, "--config", os.path.join(ROOT, "scripts/adrenal-cnn.toml"),
                 "--out", model, "--threads", a.threads], os.path.join(a.out, "pretrain.log"))
        print(f"pretrained on {len(pretrain)} cases in {s:.0f} s")

    cnn_scratch = f'[cnn]\nconfig = "{ROOT}/scripts/adrenal-cnn.toml"\ndevice = "cpu"\nthreads = {a.threads}\n'
    cnn_transfer = f'[cnn]\nmode = "frozen"\ndevice = "cpu"\nthreads = {a.threads}\n' \
                   f'config = "{ROOT}/scripts/adrenal-cnn.toml"\n[cnn.pretrained]\nfile = "{model}"\n'
    cnn_finetune = f'[cnn]\nmode = "finetune"\ndevice = "cpu"\nthreads = {a.threads}\n' \
                   f'config = "{ROOT}/scripts/adrenal-cnn.toml"\n[cnn.pretrained]\nfile = "{model}"\n' \
                   'backbone_learning_rate_scale = 0.1\n'
    arms = {"scratch": (cnn_scratch, DLSIG_SCRATCH), "transfer": (cnn_transfer, DLSIG_TRANSFER),
            "finetune": (cnn_finetune, DLSIG_SCRATCH)}
    results = []
    for n in [int(x) for x in a.sizes.split(",")]:
        for d in range(1, a.draws + 1):
            draw = stratified(pool, n, random.Random(1000 * n + d))
            tag = f"n{n}_d{d:02d}"
            m = os.path.join(a.out, f"{tag}.csv")
            write_manifest(m, draw + test, ["train"] * len(draw) + ["test"] * len(test))
            row = {"n": n, "draw": d}
            for variant in variants:
                cnn, dlsig = arms[variant]
                name = f"{tag}_{variant}"
                cfg = os.path.join(a.out, f"{name}.toml")
                with open(cfg, "w") as f:
                    f.write(f'name = "{name}"\nseed = {d}\n[cohort]\nmanifest = "{m}"\nlabel = 1\n'
                            f'[split]\nmethod = "manifest"\ntrain = ["train"]\n{RADIOMICS}{cnn}'
                            + FUSION.replace("{dlsig}", dlsig))
                secs = run([BIN, "run", cfg, "--runs", os.path.join(a.out, "runs")],
                           os.path.join(a.out, f"{name}.log"))
                auc = test_aucs(os.path.join(a.out, "runs", name))
                row["RAsig"] = auc["RAsig"]
                row[f"DLsig_{variant}"] = auc["DLsig"]
                row[f"RADLsig_{variant}"] = auc["RADLsig_late"]
                row[f"seconds_{variant}"] = round(secs, 1)
            print(row, flush=True)
            results.append(row)
            with open(os.path.join(a.out, "draws.csv"), "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(results[0].keys()))
                w.writeheader()
                w.writerows(results)

    cols = ["RAsig"] + [f"{k}_{v}" for v in variants for k in ("DLsig", "RADLsig")]
    lines = ["| n | draws | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    summary = []
    for n in sorted({r["n"] for r in results}):
        rs = [r for r in results if r["n"] == n]
        cells = []
        for c in cols:
            v = [r[c] for r in rs]
            sd = statistics.stdev(v) if len(v) > 1 else 0.0
            cells.append(f"{statistics.mean(v):.3f} ± {sd:.3f} [{min(v):.3f}–{max(v):.3f}]")
            summary.append({"n": n, "signature": c, "mean": statistics.mean(v), "sd": sd, "min": min(v), "max": max(v), "draws": len(v)})
        lines.append(f"| {n} | {len(rs)} | " + " | ".join(cells) + " |")
    with open(os.path.join(a.out, "summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(summary[0].keys()))
        w.writeheader()
        w.writerows(summary)
    text = "Test AUC (official test split, 298 cases): mean ± SD [min–max] over the draws\n\n" + "\n".join(lines) + "\n"
    with open(os.path.join(a.out, "summary.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
