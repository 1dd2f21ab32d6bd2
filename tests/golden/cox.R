# R golden values for her2dash/cox.py (checked by tests/test_cox.py).
#
#     Rscript tests/golden/cox.R        # from the repository root
#
# Reads every tests/golden/cohorts/*.csv back from disk and writes tests/golden/cox_r.json:
# for PFS and OS of every cohort, coxph() fits
#   ~ homo                                   (Efron, and ties = "breslow")
#   ~ homo + age67 + platinum                (Efron, and ties = "breslow")
#   ~ homo + age67 + platinum + strata(strat)
#   ~ homo + strata(strat)
#   ~ homo + strata(age67, platinum)         (the seed paper's "stratified by age and platinum")
#   ~ homo + factor(ecog) + sex              (factor covariates, treatment contrasts)
#   ~ homo + age + cea                       (continuous covariates)
# with summary.coxph's coefficient table, conf.int, the three global tests (the Wald statistic
# unrounded), logliks, iterations and any warning text, and cox.zph(fit) (survival >= 3.0's score
# test, transform = "km": per-term chisq/df/p, GLOBAL, and the scaled Schoenfeld residuals with
# the stratum of each row for stratified fits). Plus hand-made edge cases (monotone likelihood,
# collinear columns, not converged).
# Full precision: jsonlite digits = NA (15 significant digits); NA, NaN and Inf are written as null.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

# Run from the repository root (as the README says): the golden files live beside this script.
golden_dir <- file.path("tests", "golden")
if (!dir.exists(file.path(golden_dir, "cohorts"))) stop("run from the repository root")

# Model id -> right-hand side and ties. The ids are what tests/test_cox.py builds in Python.
models <- list(
  efron_univariable = list(rhs = "homo", ties = "efron"),
  breslow_univariable = list(rhs = "homo", ties = "breslow"),
  efron_multivariable = list(rhs = "homo + age67 + platinum", ties = "efron"),
  breslow_multivariable = list(rhs = "homo + age67 + platinum", ties = "breslow"),
  efron_multivariable_strata_strat = list(rhs = "homo + age67 + platinum + strata(strat)",
                                          ties = "efron"),
  efron_univariable_strata_strat = list(rhs = "homo + strata(strat)", ties = "efron"),
  efron_strata_age67_platinum = list(rhs = "homo + strata(age67, platinum)", ties = "efron"),
  breslow_strata_age67_platinum = list(rhs = "homo + strata(age67, platinum)", ties = "breslow"),
  efron_factor_ecog_sex = list(rhs = "homo + factor(ecog) + sex", ties = "efron"),
  efron_continuous = list(rhs = "homo + age + cea", ties = "efron")
)

# Run expr, keeping its value and the text of every warning it raised.
with_warnings <- function(expr) {
  msgs <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    msgs <<- c(msgs, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = msgs)
}

test_values <- function(v) list(statistic = unname(v[1]), df = unname(v[2]), pvalue = unname(v[3]))

zph_values <- function(fit, residuals) {
  z <- with_warnings(tryCatch(cox.zph(fit), error = function(e) conditionMessage(e)))
  if (is.character(z$value)) return(list(error = z$value, warnings = z$warnings))
  tab <- z$value$table
  out <- list(term = rownames(tab), chisq = unname(tab[, "chisq"]), df = unname(tab[, "df"]),
              p = unname(tab[, "p"]), warnings = z$warnings)
  if (residuals) {
    # y: scaled Schoenfeld residuals (one column per term), x: km-transformed event times.
    out$x <- z$value$x
    out$time <- z$value$time
    out$y <- unname(lapply(seq_len(ncol(z$value$y)), function(j) unname(z$value$y[, j])))
    if (!is.null(z$value$strata)) out$strata <- as.character(z$value$strata)
  }
  out
}

fit_values <- function(d, time_col, status_col, rhs, ties, zph = TRUE, residuals = FALSE) {
  d$t <- d[[time_col]]
  d$s <- d[[status_col]]
  form <- as.formula(paste("Surv(t, s) ~", rhs))
  r <- with_warnings(coxph(form, data = d, ties = ties))
  fit <- r$value
  s <- summary(fit)
  ct <- s$coefficients
  ci <- s$conf.int
  out <- list(
    call = paste0("coxph(Surv(", time_col, ", ", status_col, ") ~ ", rhs,
                  if (ties == "efron") "" else paste0(', ties = "', ties, '"'), ")"),
    ties = ties,
    terms = rownames(ct),
    coef = unname(ct[, "coef"]), se = unname(ct[, "se(coef)"]), hr = unname(ct[, "exp(coef)"]),
    z = unname(ct[, "z"]), p = unname(ct[, "Pr(>|z|)"]),
    lower = unname(ci[, "lower .95"]), upper = unname(ci[, "upper .95"]),
    loglik = unname(fit$loglik), iter = fit$iter, n = fit$n, nevent = fit$nevent,
    lr = test_values(s$logtest), score = test_values(s$sctest),
    # summary.coxph rounds the Wald statistic to 2 decimals (its p is not rounded): keep both.
    wald = list(statistic = unname(fit$wald.test), df = unname(s$waldtest["df"]),
                pvalue = unname(s$waldtest["pvalue"]),
                printed = unname(s$waldtest["test"])),
    warnings = r$warnings
  )
  if (zph) out$zph <- zph_values(fit, residuals)
  out
}

files <- sort(list.files(file.path(golden_dir, "cohorts"), pattern = "\\.csv$", full.names = TRUE))
cohorts <- list()
for (f in files) {
  name <- sub("\\.csv$", "", basename(f))
  d <- read.csv(f, stringsAsFactors = FALSE)
  per_endpoint <- list()
  for (ep in c("pfs", "os")) {
    fits <- list()
    for (id in names(models)) {
      m <- models[[id]]
      fits[[id]] <- fit_values(d, paste0(ep, "_time"), paste0(ep, "_status"), m$rhs, m$ties,
                               residuals = TRUE)
    }
    per_endpoint[[ep]] <- fits
  }
  cohorts[[name]] <- per_endpoint
}

# Hand-made edge cases, each built from a cohort file by a rule tests/test_cox.py repeats.
paper <- read.csv(file.path(golden_dir, "cohorts", "paper_size.csv"), stringsAsFactors = FALSE)
edge <- list()

# Monotone likelihood: no PFS events in the homogeneous group. R warns and prints a huge
# coefficient; her2dash reports "not estimable" instead.
d <- paper
d$pfs_status[d$homo == 1] <- 0
edge$no_events_homogeneous <- c(
  list(rule = "paper_size, pfs_status set to 0 where homo == 1"),
  fit_values(d, "pfs_time", "pfs_status", "homo", "efron", zph = FALSE))
edge$no_events_homogeneous_multivariable <- c(
  list(rule = "paper_size, pfs_status set to 0 where homo == 1"),
  fit_values(d, "pfs_time", "pfs_status", "homo + age67 + platinum", "efron", zph = FALSE))

# Monotone likelihood with events in both levels: late = 1 exactly for the patients followed
# beyond the median PFS time, so no late patient is at risk with an early one at a late event.
d <- paper
d$late <- as.integer(d$pfs_time > median(d$pfs_time))
edge$separated <- c(
  list(rule = "paper_size, late = as.integer(pfs_time > median(pfs_time))"),
  fit_values(d, "pfs_time", "pfs_status", "late", "efron", zph = FALSE))

# Collinear columns: homo2 is homo again, so R gives it an NA coefficient.
d <- paper
d$homo2 <- d$homo
edge$collinear <- c(
  list(rule = "paper_size, homo2 = homo"),
  fit_values(d, "pfs_time", "pfs_status", "homo + age67 + homo2", "efron", zph = TRUE))

# Not converged: iter.max = 2 stops before convergence.
d <- paper
edge$iter_max_2 <- c(list(rule = "paper_size, coxph.control(iter.max = 2)"), local({
  d$t <- d$pfs_time
  d$s <- d$pfs_status
  r <- with_warnings(coxph(Surv(t, s) ~ homo + age67 + platinum, data = d,
                           control = coxph.control(iter.max = 2)))
  list(coef = unname(coef(r$value)), se = unname(sqrt(diag(r$value$var))),
       loglik = r$value$loglik, iter = r$value$iter, warnings = r$warnings)
}))

out <- list(
  header = list(
    generated_by = "tests/golden/cox.R",
    r_version = R.version.string,
    survival_version = as.character(packageVersion("survival")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.Date()),
    note = "generated, do not edit"
  ),
  models = lapply(models, function(m) list(rhs = m$rhs, ties = m$ties)),
  cohorts = cohorts,
  edge = edge
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", null = "null"),
           file.path(golden_dir, "cox_r.json"))
cat("wrote", file.path(golden_dir, "cox_r.json"), "\n")
