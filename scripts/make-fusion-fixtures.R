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

suppressPackageStartupMessages(library(glmnet))

out_dir <- file.path("crates", "fusion", "tests", "fixtures")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

# Shortest of %.15g / %.16g / %.17g that reads back as the same double.
shortest <- function(x) {
  out <- sprintf("%.17g", x)
  for (d in c(16, 15)) {
    s <- sprintf(paste0("%.", d, "g"), x)
    ok <- is.finite(x) & as.numeric(s) == x
    out[ok] <- s[ok]
  }
  out
}

# Minimal JSON writer with full double precision.
js <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    nm <- names(x)
    if (is.null(nm)) return(paste0("[", paste(vapply(x, js, ""), collapse = ","), "]"))
    return(paste0("{", paste(sprintf("\"%s\":%s", nm, vapply(x, js, "")), collapse = ","), "}"))
  }
  if (is.matrix(x)) return(js(lapply(seq_len(nrow(x)), function(i) as.vector(x[i, ]))))
  if (is.character(x)) v <- sprintf("\"%s\"", x)
  else if (is.logical(x)) v <- ifelse(x, "true", "false")
  else v <- ifelse(is.finite(x), shortest(x), "null")
  if (length(x) == 1 && is.null(attr(x, "array"))) v else paste0("[", paste(v, collapse = ","), "]")
}
arr <- function(x) { attr(x, "array") <- TRUE; x } # always a JSON array, even of length 1
write_fixture <- function(obj, name) {
  path <- file.path(out_dir, name)
  writeLines(js(obj), path)
  cat(sprintf("wrote %s (%d bytes)\n", path, file.size(path)))
}

simulate <- function(n, p, k, seed, effect = 1, scale_cols = TRUE) {
  set.seed(seed)
  z <- matrix(rnorm(n * p), n, p)
  # Correlated columns: each column mixes in its neighbour.
  x <- z
  for (j in 2:p) x[, j] <- 0.6 * z[, j - 1] + 0.8 * z[, j]
  if (scale_cols) x <- sweep(x, 2, c(1, 10, 0.1, rep(c(2, 0.5), length.out = p - 3)), "*")
  x <- sweep(x, 2, seq_len(p) - 3, "+")
  beta <- effect * c(rep(c(1.2, -0.8), length.out = k), rep(0, p - k)) / c(1, 10, 0.1, rep(c(2, 0.5), length.out = p - 3))
  eta <- -0.3 + drop((x - matrix(colMeans(x), n, p, byrow = TRUE)) %*% beta)
  y <- rbinom(n, 1, plogis(eta))
  list(x = round(x, 3), y = y)
}

# Stratified fold IDs (1-based) from R's RNG: the Rust side is given the same IDs.
strat_folds <- function(y, k, seed) {
  set.seed(seed)
  f <- integer(length(y))
  dealt <- 0
  for (cl in c(0, 1)) {
    idx <- which(y == cl)
    idx <- idx[sample.int(length(idx))]
    f[idx] <- ((dealt + seq_along(idx) - 1) %% k) + 1
    dealt <- dealt + length(idx)
  }
  f
}

lasso_case <- function(d, picks, foldid) {
  fit <- glmnet(d$x, d$y, family = "binomial")
  tight <- glmnet(d$x, d$y, family = "binomial", thresh = 1e-14)
  cv <- cv.glmnet(d$x, d$y, family = "binomial", foldid = foldid, type.measure = "deviance")
  cv_tight <- cv.glmnet(d$x, d$y, family = "binomial", foldid = foldid, type.measure = "deviance",
                        thresh = 1e-14)
  path <- function(f) {
    picks <- picks[picks <= length(f$lambda)]
    list(
      lambda = arr(f$lambda), a0 = arr(unname(f$a0)), dev_ratio = arr(f$dev.ratio),
      df = arr(f$df), nulldev = f$nulldev, npasses = f$npasses,
      picks = arr(picks - 1),
      beta = lapply(picks, function(i) arr(as.vector(f$beta[, i])))
    )
  }
  cvres <- function(c) list(
    lambda = arr(c$lambda), cvm = arr(c$cvm), cvsd = arr(c$cvsd), nzero = arr(unname(c$nzero)),
    lambda_min = c$lambda.min, lambda_1se = c$lambda.1se,
    index_min = c$index[1, 1] - 1, index_1se = c$index[2, 1] - 1
  )
  list(
    x = d$x, y = arr(d$y), foldid = arr(foldid - 1),
    default = path(fit), tight = path(tight),
    cv = cvres(cv), cv_tight = cvres(cv_tight)
  )
}

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
