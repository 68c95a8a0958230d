#!/usr/bin/env Rscript
# Elastic-net reference fixture for crates/fusion (tests/elastic_net_glmnet.rs): glmnet 4.1
# paths with alpha = 0.5 (tall and wide data sets of make-fusion-fixtures.R) and alpha = 0.2
# (wide), at the default thresh = 1e-7 and at 1e-14, and cv.glmnet with a fixed foldid.
#
# Writes crates/fusion/tests/fixtures/elastic_net_glmnet.json.
# Usage (from the repository root): Rscript scripts/make-elastic-net-fixture.R

source(file.path("scripts", "fusion-fixture-helpers.R"))

tall <- simulate(120, 12, 4, 11, effect = 1.5)
tall$x[, 7] <- 2.5 # a constant column: glmnet excludes it
wide <- simulate(40, 40, 5, 12)
picks_tall <- c(1, 2, 5, 10, 20, 40, 60, 100)
picks_wide <- c(1, 2, 5, 10, 20, 30, 40, 100)
net <- list(
  source = sprintf("R glmnet %s via scripts/make-elastic-net-fixture.R", packageVersion("glmnet")),
  tall_a05 = c(list(alpha = 0.5), lasso_case(tall, picks_tall, strat_folds(tall$y, 10, 21), 0.5)),
  wide_a05 = c(list(alpha = 0.5), lasso_case(wide, picks_wide, strat_folds(wide$y, 5, 22), 0.5)),
  wide_a02 = c(list(alpha = 0.2), lasso_case(wide, picks_wide, strat_folds(wide$y, 5, 22), 0.2))
)
write_fixture(net, "elastic_net_glmnet.json")
