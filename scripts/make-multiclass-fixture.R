#!/usr/bin/env Rscript
# Multi-class AUC reference fixture for crates/evaluate (tests/multiclass_proc.rs): R pROC's
# multiclass.roc on a probability matrix (Hand & Till's M, direction = ">": each class's own
# probability is higher in that class) and its pair AUCs, and the one-vs-rest AUC of every class
# (pROC roc(), direction = "<"), on seeded 3- and 4-class data with ties (probabilities rounded
# to 2 decimals).
#
# Writes crates/evaluate/tests/fixtures/multiclass_proc.json.
# Usage (from the repository root): Rscript scripts/make-multiclass-fixture.R

source(file.path("scripts", "fusion-fixture-helpers.R")) # the JSON writer
suppressPackageStartupMessages(library(pROC))

simulate <- function(n, classes, seed) {
  set.seed(seed)
  y <- sample(rep(seq_len(classes), length.out = n))
  logits <- matrix(rnorm(n * classes), n, classes)
  for (r in seq_len(n)) logits[r, y[r]] <- logits[r, y[r]] + 1.2
  p <- exp(logits) / rowSums(exp(logits))
  p <- round(p, 2)
  colnames(p) <- as.character(seq_len(classes))
  list(y = y, p = p)
}

one_case <- function(name, n, classes, seed) {
  d <- simulate(n, classes, seed)
  response <- factor(d$y, levels = seq_len(classes))
  mc <- multiclass.roc(response, d$p, direction = ">")
  pairs <- lapply(mc$rocs, function(r) mean(c(as.numeric(auc(r[[1]])), as.numeric(auc(r[[2]])))))
  ovr <- sapply(seq_len(classes), function(k) {
    as.numeric(auc(roc(d$y == k, d$p[, k], levels = c(FALSE, TRUE), direction = "<", quiet = TRUE)))
  })
  list(
    name = name, classes = classes, labels = arr(d$y - 1), probabilities = d$p,
    hand_till = as.numeric(mc$auc), pairs = arr(unlist(pairs)), pair_names = arr(names(mc$rocs)),
    one_vs_rest = arr(ovr)
  )
}

fixture <- list(
  source = sprintf("R pROC %s via scripts/make-multiclass-fixture.R", packageVersion("pROC")),
  cases = list(one_case("three", 60, 3, 41), one_case("four", 90, 4, 42))
)
dir.create(file.path("crates", "evaluate", "tests", "fixtures"), showWarnings = FALSE)
path <- file.path("crates", "evaluate", "tests", "fixtures", "multiclass_proc.json")
writeLines(js(fixture), path)
cat(sprintf("wrote %s (%d bytes)\n", path, file.size(path)))
