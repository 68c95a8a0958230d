#!/usr/bin/env bash
# Benchmark of radlsig-evaluate against R pROC and scikit-learn on the same data (a benchmark,
# not a test). Three tasks:
#   auc_1e6             AUC of 10^6 cases              (pROC roc()+auc; sklearn roc_auc_score)
#   delong_paired_1e5   DeLong paired test on 10^5     (pROC roc() x2 + roc.test; sklearn: none)
#   bootstrap_2000_1e4  2,000 stratified bootstrap AUCs on 10^4 and the percentile CI
#                       (pROC ci.auc(method="bootstrap"); sklearn: loop of roc_auc_score)
# Each figure is the best of 3 runs in seconds, reading files excluded. Usage, from the repo root:
#   scripts/bench-evaluate.sh [DATA_DIR]     (default /tmp/radlsig-bench-evaluate)
# Set SKIP_PROC=1 to skip pROC (its bootstrap takes minutes).
set -euo pipefail
DIR=${1:-/tmp/radlsig-bench-evaluate}
mkdir -p "$DIR"
cd "$(dirname "$0")/.."

python3 - "$DIR" <<'PY'
import os, sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(2024)
def write(name, cols, n):
    path = os.path.join(d, name)
    if os.path.exists(path):
        return
    y = rng.binomial(1, 0.4, n)
    data = [y] + [f(y) for f in cols]
    with open(path, "w") as f:
        f.write(",".join(["label"] + [f"s{i}" for i in range(len(cols))]) + "\n")
        np.savetxt(f, np.column_stack(data), fmt=["%d"] + ["%.6f"] * len(cols), delimiter=",")
write("auc_1e6.csv", [lambda y: rng.normal(size=y.size) + 0.8 * y], 10**6)
b = None
def base(y):
    global b
    b = rng.normal(size=y.size) + 0.8 * y
    return b
write("delong_1e5.csv", [base, lambda y: 0.6 * b + rng.normal(size=y.size) + 0.5 * y], 10**5)
write("boot_1e4.csv", [lambda y: np.round(rng.normal(size=y.size) + 0.8 * y, 3)], 10**4)
PY

cargo build --release -q -p radlsig-evaluate --example bench_evaluate
OURS=$(target/release/examples/bench_evaluate "$DIR")

SKL=$(python3 - "$DIR" <<'PY'
import sys, time
import numpy as np
from sklearn.metrics import roc_auc_score
d = sys.argv[1]
def best(f):
    t = []
    for _ in range(3):
        s = time.perf_counter(); v = f(); t.append(time.perf_counter() - s)
    return min(t), v
a = np.loadtxt(f"{d}/auc_1e6.csv", delimiter=",", skiprows=1)
t, v = best(lambda: roc_auc_score(a[:, 0], a[:, 1]))
print(f"auc_1e6 {t:.6f} {v:.12f}")
print("delong_paired_1e5 nan nan")
b = np.loadtxt(f"{d}/boot_1e4.csv", delimiter=",", skiprows=1)
y, x = b[:, 0], b[:, 1]
cases, controls = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
def boot():
    rng = np.random.default_rng(1)
    aucs = []
    for _ in range(2000):
        idx = np.concatenate([rng.choice(controls, controls.size), rng.choice(cases, cases.size)])
        aucs.append(roc_auc_score(y[idx], x[idx]))
    return np.quantile(aucs, 0.025)
t, v = best(boot)
print(f"bootstrap_2000_1e4 {t:.6f} {v:.12f}")
PY
)

if [[ "${SKIP_PROC:-0}" == 1 ]]; then
  PROC=$'auc_1e6 nan nan\ndelong_paired_1e5 nan nan\nbootstrap_2000_1e4 nan nan'
else
PROC=$(Rscript - "$DIR" <<'R' 2>/dev/null
suppressMessages(library(pROC))
d <- commandArgs(trailingOnly = TRUE)[1]
best <- function(f) { t <- Inf; for (i in 1:3) { s <- proc.time()[["elapsed"]]; v <- f(); t <- min(t, proc.time()[["elapsed"]] - s) }; c(t, v) }
a <- read.csv(file.path(d, "auc_1e6.csv"))
r <- best(function() as.numeric(auc(roc(a$label, a$s0, levels = c(0, 1), direction = "<", quiet = TRUE))))
cat(sprintf("auc_1e6 %.6f %.12f\n", r[1], r[2]))
b <- read.csv(file.path(d, "delong_1e5.csv"))
r <- best(function() {
  r1 <- roc(b$label, b$s0, levels = c(0, 1), direction = "<", quiet = TRUE)
  r2 <- roc(b$label, b$s1, levels = c(0, 1), direction = "<", quiet = TRUE)
  unname(roc.test(r1, r2, method = "delong", paired = TRUE)$statistic)
})
cat(sprintf("delong_paired_1e5 %.6f %.12f\n", r[1], r[2]))
c <- read.csv(file.path(d, "boot_1e4.csv"))
set.seed(1)
r <- best(function() {
  rc <- roc(c$label, c$s0, levels = c(0, 1), direction = "<", quiet = TRUE)
  ci.auc(rc, method = "bootstrap", boot.n = 2000, boot.stratified = TRUE, progress = "none")[1]
})
cat(sprintf("bootstrap_2000_1e4 %.6f %.12f\n", r[1], r[2]))
R
)
fi

echo "machine: $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"
printf '%-20s %12s %12s %12s %12s %12s\n' task radlsig_s pROC_s sklearn_s pROC/ours sklearn/ours
for task in auc_1e6 delong_paired_1e5 bootstrap_2000_1e4; do
  o=$(awk -v t=$task '$1==t{print $2}' <<<"$OURS")
  p=$(awk -v t=$task '$1==t{print $2}' <<<"$PROC")
  s=$(awk -v t=$task '$1==t{print $2}' <<<"$SKL")
  awk -v t=$task -v o="$o" -v p="$p" -v s="$s" 'BEGIN {
    rp = (p == "nan") ? "n/a" : sprintf("%.1fx", p / o); rs = (s == "nan") ? "n/a" : sprintf("%.1fx", s / o);
    printf "%-20s %12.4f %12s %12s %12s %12s\n", t, o, p, s, rp, rs }'
done
echo "values (radlsig | pROC | sklearn):"
paste -d' ' <(awk '{print $1, $3}' <<<"$OURS") <(awk '{print $3}' <<<"$PROC") <(awk '{print $3}' <<<"$SKL")
