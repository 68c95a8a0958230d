#!/usr/bin/env Rscript
# R reference fixtures for crates/fusion (glmnet 4.1, glm, wilcox.test).
#
# Writes, under crates/fusion/tests/fixtures/:
#   lasso_glmnet.json   glmnet(family = "binomial") paths at the default thresh = 1e-7 and at
#                       thresh = 1e-14, for an n > p and an n < p data set; cv.glmnet with a
#                       fixed foldid (deviance, lambda.min, lambda.1se).
#   logistic_glm.json   glm(family = binomial) coefficients and standard errors (converged to
#                       epsilon = 1e-15), glm at its default control, and a ridge-penalised fit
#                       of separated data found by optim (BFGS, analytic gradient).
#   mann_whitney_r.json wilcox.test(exact = FALSE, correct = TRUE) statistics and p-values.
#
# Numbers are written with enough significant digits to read back exactly (15 to 17); inputs are rounded (3 or 6 decimals) first so
# that both sides fit exactly the same data.
#
# Usage (from the repository root): Rscript scripts/make-fusion-fixtures.R

source(file.path("scripts", "fusion-fixture-helpers.R"))

# --- LASSO ----------------------------------------------------------------------------------
tall <- simulate(120, 12, 4, 11, effect = 1.5)
tall$x[, 7] <- 2.5 # a constant column: glmnet excludes it
wide <- simulate(40, 40, 5, 12)
lasso <- list(
  source = "R glmnet 4.1-6 via scripts/make-fusion-fixtures.R",
  tall = lasso_case(tall, c(1, 2, 5, 10, 20, 40, 60, 100), strat_folds(tall$y, 10, 21)),
  wide = lasso_case(wide, c(1, 2, 5, 10, 20, 30, 40, 100), strat_folds(wide$y, 5, 22))
)
write_fixture(lasso, "lasso_glmnet.json")

# --- glm ------------------------------------------------------------------------------------
set.seed(31)
n <- 150
g <- data.frame(a = round(rnorm(n), 6), b = round(runif(n, 0, 5), 6), c = round(rnorm(n, 3, 2), 6))
g$y <- rbinom(n, 1, plogis(-0.5 + 0.8 * g$a - 0.4 * g$b + 0.1 * g$c))
exact <- suppressWarnings(glm(y ~ a + b + c, family = binomial, data = g,
                              control = glm.control(epsilon = 1e-15, maxit = 100)))
default <- glm(y ~ a + b + c, family = binomial, data = g)
sx <- summary(exact)$coefficients
sd <- summary(default)$coefficients
# Ridge on separated data: maximise sum(y eta - log(1 + e^eta)) - ridge/2 * sum(beta[-1]^2).
xs <- cbind(1, c(0.5, 1.1, 1.9, 2.4, 3.0, 3.2, 4.1, 4.8), c(1, 0, 1, 1, 0, 1, 0, 0))
ys <- c(0, 0, 0, 0, 1, 1, 1, 1)
ridge <- 0.5
nll <- function(b) { e <- drop(xs %*% b); -sum(ys * e - log1p(exp(e))) + ridge / 2 * sum(b[-1]^2) }
gr <- function(b) { e <- drop(xs %*% b); -drop(t(xs) %*% (ys - plogis(e))) + ridge * c(0, b[-1]) }
opt <- optim(c(0, 0, 0), nll, gr, method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
logistic <- list(
  source = "R glm / optim via scripts/make-fusion-fixtures.R",
  x = cbind(g$a, g$b, g$c), y = arr(g$y),
  coef = arr(unname(sx[, 1])), se = arr(unname(sx[, 2])), deviance = exact$deviance,
  null_deviance = exact$null.deviance,
  coef_default_control = arr(unname(sd[, 1])), se_default_control = arr(unname(sd[, 2])),
  separated_x = xs[, -1], separated_y = arr(ys), ridge = ridge,
  ridge_coef = arr(opt$par), ridge_gradient_norm = sqrt(sum(gr(opt$par)^2))
)
write_fixture(logistic, "logistic_glm.json")

# --- Mann-Whitney ---------------------------------------------------------------------------
set.seed(41)
mw_case <- function(x, y) {
  t <- wilcox.test(x[y == 1], x[y == 0], exact = FALSE, correct = TRUE)
  list(x = arr(x), y = arr(y), w = unname(t$statistic), p = t$p.value)
}
y1 <- rbinom(60, 1, 0.4)
cases <- list(
  mw_case(round(rnorm(60) + 0.5 * y1, 1), y1),            # many ties
  mw_case(round(rnorm(60) + 2 * y1, 6), y1),              # small p
  mw_case(c(1, 1, 2, 2, 2, 3, 3, 4, 5, 5), c(0, 1, 0, 1, 1, 0, 1, 1, 0, 1)),
  mw_case(round(rexp(31), 3), c(rep(0, 20), rep(1, 11))), # no effect
  mw_case(round(rnorm(200) + 1.5 * (1:200 > 100), 4), as.numeric(1:200 > 100)) # tiny p
)
write_fixture(list(source = "R wilcox.test via scripts/make-fusion-fixtures.R", cases = cases),
              "mann_whitney_r.json")
