#!/usr/bin/env Rscript
# Reference values for crates/evaluate from R's pROC (and base R stats), written as CSV with 17
# significant digits into crates/evaluate/tests/fixtures/. Run from the repository root:
#   Rscript scripts/make-evaluate-fixtures.R && python3 scripts/make-evaluate-fixtures.py
# Made with R 4.2.2 and pROC 1.18.0. The scikit-learn values come from the .py script, which reads
# the datasets written here.
suppressMessages(library(pROC))
out <- "crates/evaluate/tests/fixtures"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

fmt <- function(x) if (is.numeric(x)) sprintf("%.17g", x) else as.character(x)
write_fixture <- function(df, name) {
  df[] <- lapply(df, fmt)
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}

# ---- datasets: label, two scores on the same patients, and a probability ---------------------
set.seed(20240601)
mk <- function(name, label, a, b) data.frame(dataset = name, label = label, score_a = a, score_b = b)
datasets <- list()
n <- 60; y <- rep(c(0, 1), c(35, 25)); a <- rnorm(n) + 1.2 * y; b <- 0.6 * a + rnorm(n, sd = 0.8) + 0.3 * y
datasets$normal <- mk("normal", y, a, b)
n <- 80; y <- rbinom(n, 1, 0.4); a <- pmin(5, pmax(1, round(2.5 + y + rnorm(n)))); b <- round(runif(n) + 0.3 * y, 1)
datasets$ties <- mk("ties", y, a, b)
datasets$tiny <- mk("tiny", c(0, 0, 1, 1), c(0.2, 0.6, 0.4, 0.9), c(0.5, 0.5, 0.5, 0.7))
datasets$perfect <- mk("perfect", rep(c(0, 1), c(6, 5)), c(1:6, 10:14) / 20, round(runif(11), 2))
datasets$alltied <- mk("alltied", rep(c(0, 1), c(5, 6)), rep(0.3, 11), round(runif(11), 2))
datasets$small <- mk("small", c(1, 0, 0, 1, 0, 1, 0), c(3.1, 2.2, 2.2, 1.5, 0.4, 2.2, -1), c(1, 2, 3, 4, 5, 6, 7))
n <- 200; y <- rbinom(n, 1, 0.3); a <- round(rnorm(n) + y, 2); b <- round(0.5 * a + rnorm(n) + 0.5 * y, 2)
datasets$medium <- mk("medium", y, a, b)
# Scores differing only in the last bits (midpoint thresholds must not collapse onto data).
datasets$nearties <- mk("nearties", c(0, 1, 0, 1, 1, 0), 1 + c(0, 1, 2, 3, 4, 5) * .Machine$double.eps, c(1e300, 1.5e300, -1e300, 1.7e308, 1.6e308, 0))
data <- do.call(rbind, datasets)
write_fixture(data, "datasets.csv")

# ---- pROC per dataset and score -----------------------------------------------------------------
rocs <- list(); res <- list(); pts <- list()
for (d in names(datasets)) {
  ds <- datasets[[d]]
  for (s in c("score_a", "score_b")) {
    r <- roc(ds$label, ds[[s]], levels = c(0, 1), direction = "<", quiet = TRUE)
    rocs[[paste(d, s)]] <- r
    ci <- suppressWarnings(ci.auc(r, method = "delong"))
    best <- coords(r, "best", best.method = "youden", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
    res[[length(res) + 1]] <- data.frame(dataset = d, score = s, auc = as.numeric(auc(r)), var_delong = var(r, method = "delong"),
      ci_low = ci[1], ci_high = ci[3], youden_threshold = best$threshold[1], youden_sensitivity = best$sensitivity[1],
      youden_specificity = best$specificity[1], youden_ties = nrow(best))
    pts[[length(pts) + 1]] <- data.frame(dataset = d, score = s, threshold = r$thresholds, sensitivity = r$sensitivities, specificity = r$specificities)
  }
}
write_fixture(do.call(rbind, res), "proc_auc.csv")
write_fixture(do.call(rbind, pts), "proc_roc_points.csv")

# Direction ">" on the "ties" and "small" data.
gt <- list()
for (d in c("ties", "small", "normal")) {
  ds <- datasets[[d]]
  r <- roc(ds$label, ds$score_a, levels = c(0, 1), direction = ">", quiet = TRUE)
  gt[[length(gt) + 1]] <- data.frame(dataset = d, score = "score_a", threshold = r$thresholds, sensitivity = r$sensitivities,
    specificity = r$specificities, auc = as.numeric(auc(r)))
}
write_fixture(do.call(rbind, gt), "proc_direction_gt.csv")

# ---- DeLong tests --------------------------------------------------------------------------------
tests <- list()
for (d in names(datasets)) {
  ra <- rocs[[paste(d, "score_a")]]; rb <- rocs[[paste(d, "score_b")]]
  p <- suppressWarnings(roc.test(ra, rb, method = "delong", paired = TRUE))
  u <- suppressWarnings(roc.test(ra, rb, method = "delong", paired = FALSE))
  tests[[length(tests) + 1]] <- data.frame(dataset = d, paired_z = unname(p$statistic), paired_p = p$p.value,
    paired_ci_low = p$conf.int[1], paired_ci_high = p$conf.int[2], unpaired_d = unname(u$statistic),
    unpaired_df = unname(u$parameter), unpaired_p = u$p.value)
}
write_fixture(do.call(rbind, tests), "proc_delong_tests.csv")
# Unpaired across cohorts: normal score_a vs medium score_b.
u <- roc.test(rocs[["normal score_a"]], rocs[["medium score_b"]], method = "delong")
write_fixture(data.frame(a = "normal score_a", b = "medium score_b", d = unname(u$statistic), df = unname(u$parameter), p = u$p.value), "proc_delong_unpaired_cohorts.csv")

# ---- Stratified bootstrap (Monte-Carlo references: 20,000 replicates) ---------------------------
set.seed(7)
n <- 400; y <- rep(c(0, 1), c(240, 160)); a <- rnorm(n) + 1.1 * y
boot <- data.frame(label = y, score = a)
write_fixture(boot, "bootstrap_data.csv")
r <- roc(y, a, levels = c(0, 1), direction = "<", quiet = TRUE)
thr <- coords(r, "best", best.method = "youden", ret = "threshold", transpose = FALSE)$threshold[1]
set.seed(11)
cb <- ci.auc(r, method = "bootstrap", boot.n = 20000, boot.stratified = TRUE, progress = "none")
set.seed(12)
cc <- ci.coords(r, x = thr, input = "threshold", ret = c("sensitivity", "specificity", "accuracy", "ppv", "npv"),
  boot.n = 20000, boot.stratified = TRUE, progress = "none", transpose = FALSE)
write_fixture(data.frame(statistic = c("auc", "sensitivity", "specificity", "accuracy", "ppv", "npv"),
  threshold = thr,
  low = c(cb[1], cc$sensitivity[1], cc$specificity[1], cc$accuracy[1], cc$ppv[1], cc$npv[1]),
  high = c(cb[3], cc$sensitivity[3], cc$specificity[3], cc$accuracy[3], cc$ppv[3], cc$npv[3])), "proc_bootstrap.csv")

# R quantile type 7 on fixed vectors (deterministic check of the percentile rule).
set.seed(3)
qv <- round(runif(37), 3)
probs <- c(0, 0.025, 0.1, 0.5, 0.9, 0.975, 1)
write_fixture(data.frame(values = qv), "quantile_values.csv")
write_fixture(data.frame(p = probs, q = unname(quantile(qv, probs))), "quantile_type7.csv")

# ---- Calibration --------------------------------------------------------------------------------
set.seed(5)
n <- 200; lp <- rnorm(n, -0.5, 1.3); p <- plogis(lp); y <- rbinom(n, 1, plogis(0.3 + 0.7 * lp))
cal <- data.frame(dataset = "calib", label = y, prob = p)
p2 <- round(p, 2); p2 <- pmin(pmax(p2, 0.01), 0.99)
cal <- rbind(cal, data.frame(dataset = "calib_ties", label = y, prob = p2))
write_fixture(cal, "calibration_data.csv")
ctl <- glm.control(epsilon = 1e-15, maxit = 200)
hl <- function(y, p, g = 10) {
  # Hosmer-Lemeshow by the rule of ResourceSelection::hoslem.test (not installed here):
  # unique type-7 quantile breaks, cut(include.lowest = TRUE), chi2 over events and non-events.
  qq <- unique(quantile(p, probs = seq(0, 1, 1 / g)))
  grp <- cut(p, breaks = qq, include.lowest = TRUE)
  o1 <- tapply(y, grp, sum); e1 <- tapply(p, grp, sum); ng <- tapply(y, grp, length)
  keep <- !is.na(ng)
  o1 <- o1[keep]; e1 <- e1[keep]; ng <- ng[keep]
  chi <- sum((o1 - e1)^2 / e1 + ((ng - o1) - (ng - e1))^2 / (ng - e1))
  df <- length(ng) - 2
  c(chi, df, pchisq(chi, df, lower.tail = FALSE))
}
cres <- list()
for (d in unique(cal$dataset)) {
  cd <- cal[cal$dataset == d, ]
  lpd <- qlogis(cd$prob)
  slope <- glm(cd$label ~ lpd, family = binomial, control = ctl)
  icpt <- glm(cd$label ~ offset(lpd), family = binomial, control = ctl)
  h <- hl(cd$label, cd$prob)
  nb <- sapply(c(0.1, 0.2, 0.35, 0.5), function(pt) {
    tp <- sum(cd$prob >= pt & cd$label == 1); fp <- sum(cd$prob >= pt & cd$label == 0)
    tp / nrow(cd) - fp / nrow(cd) * pt / (1 - pt)
  })
  cres[[length(cres) + 1]] <- data.frame(dataset = d, brier = mean((cd$prob - cd$label)^2),
    intercept = unname(coef(icpt)[1]), slope = unname(coef(slope)[2]), hl_chi2 = h[1], hl_df = h[2], hl_p = h[3],
    nb_0.1 = nb[1], nb_0.2 = nb[2], nb_0.35 = nb[3], nb_0.5 = nb[4])
}
write_fixture(do.call(rbind, cres), "calibration_reference.csv")

# ---- Group comparisons --------------------------------------------------------------------------
tabs <- list(c(12, 5, 7, 20), c(3, 1, 1, 3), c(29, 16, 11, 34), c(0, 5, 6, 2), c(1, 9, 9, 1), c(150, 40, 35, 180), c(2, 30, 8, 25))
tres <- list()
for (t in tabs) {
  m <- matrix(t, 2, byrow = TRUE)
  c1 <- suppressWarnings(chisq.test(m, correct = FALSE)); c2 <- suppressWarnings(chisq.test(m, correct = TRUE))
  tres[[length(tres) + 1]] <- data.frame(a = t[1], b = t[2], c = t[3], d = t[4], chi2 = unname(c1$statistic), chi2_p = c1$p.value,
    chi2_yates = unname(c2$statistic), chi2_yates_p = c2$p.value, fisher_p = fisher.test(m)$p.value)
}
write_fixture(do.call(rbind, tres), "association_tables.csv")

set.seed(9)
cors <- list(); cdata <- list()
addc <- function(name, x, y) {
  cdata[[length(cdata) + 1]] <<- data.frame(case = name, x = x, y = y)
  p <- cor.test(x, y); s <- suppressWarnings(cor.test(x, y, method = "spearman"))
  cors[[length(cors) + 1]] <<- data.frame(case = name, pearson_r = unname(p$estimate), pearson_t = unname(p$statistic),
    pearson_p = p$p.value, spearman_rho = unname(s$estimate), spearman_s = unname(s$statistic), spearman_p = s$p.value)
}
x <- rnorm(6); addc("n6", x, x + rnorm(6))
x <- rnorm(9); addc("n9", x, 0.3 * x + rnorm(9))
x <- rnorm(20); addc("n20", x, 0.5 * x + rnorm(20))
x <- rnorm(48); addc("n48", x, 0.3 * x + rnorm(48))
x <- round(rnorm(30), 1); addc("ties30", x, round(x + rnorm(30), 0))
x <- rnorm(12); addc("neg12", x, -x + rnorm(12, sd = 0.3))
x <- rnorm(7); addc("perfect7", x, 2 * x + 1)
write_fixture(do.call(rbind, cdata), "correlation_data.csv")
write_fixture(do.call(rbind, cors), "correlation_reference.csv")

# ---- Special functions --------------------------------------------------------------------------
sp <- rbind(
  data.frame(fn = "pnorm", x = c(-38, -8.5, -1.96, 0, 0.3, 2.5, 6), a = NA, value = pnorm(c(-38, -8.5, -1.96, 0, 0.3, 2.5, 6))),
  data.frame(fn = "pnorm_upper", x = c(-3, 1, 8.5, 30), a = NA, value = pnorm(c(-3, 1, 8.5, 30), lower.tail = FALSE)),
  data.frame(fn = "qnorm", x = c(1e-300, 1e-10, 0.025, 0.3, 0.5, 0.975, 1 - 1e-12), a = NA, value = qnorm(c(1e-300, 1e-10, 0.025, 0.3, 0.5, 0.975, 1 - 1e-12))),
  data.frame(fn = "pt", x = c(-2.3, 0.5, -8, 3.7, -1.1, -40, 2.1, -4.4, -5.5), a = c(3, 3.7, 10, 25.5, 57, 118.3, 1500, 25000, 9e5),
    value = pt(c(-2.3, 0.5, -8, 3.7, -1.1, -40, 2.1, -4.4, -5.5), c(3, 3.7, 10, 25.5, 57, 118.3, 1500, 25000, 9e5))),
  data.frame(fn = "pt_upper", x = c(2.3, 12, 0.01, 6.5), a = c(4, 30.2, 77, 80000), value = pt(c(2.3, 12, 0.01, 6.5), c(4, 30.2, 77, 80000), lower.tail = FALSE)),
  data.frame(fn = "pchisq_upper", x = c(0.001, 3.84, 12.688, 45, 7.2, 150, 0.5), a = c(1, 1, 1, 1, 8, 8, 3.5),
    value = pchisq(c(0.001, 3.84, 12.688, 45, 7.2, 150, 0.5), c(1, 1, 1, 1, 8, 8, 3.5), lower.tail = FALSE)))
write_fixture(sp, "special_functions.csv")
cat("fixtures written to", out, "\n")
