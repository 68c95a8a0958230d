# Helpers of the R reference fixtures for crates/fusion (sourced by make-fusion-fixtures.R and
# make-elastic-net-fixture.R): a full-precision JSON writer, the simulated data sets, stratified
# fold IDs, and the glmnet path + cv.glmnet record of one data set.

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

lasso_case <- function(d, picks, foldid, alpha = 1) {
  fit <- glmnet(d$x, d$y, family = "binomial", alpha = alpha)
  tight <- glmnet(d$x, d$y, family = "binomial", thresh = 1e-14, alpha = alpha)
  cv <- cv.glmnet(d$x, d$y, family = "binomial", foldid = foldid, type.measure = "deviance",
                  alpha = alpha)
  cv_tight <- cv.glmnet(d$x, d$y, family = "binomial", foldid = foldid, type.measure = "deviance",
                        thresh = 1e-14, alpha = alpha)
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

