# R golden values for her2dash/maxstat.py (checked by tests/test_maxstat.py).
#
#     Rscript tests/golden/maxstat.R        # from the repository root
#
# Reads every tests/golden/cohorts/*.csv back from disk and writes tests/golden/maxstat_r.json:
# per cohort x endpoint (pfs, os) x cut variable:
#   maxstat.test(Surv(time, status) ~ x, smethod = "LogRank", pmethod = "Lau92")
#     statistic, estimate, p.value, the full `stats` vector and its `cuts`,
#   maxstat.test(..., pmethod = "condMC", B = 10000) p.value after set.seed(seed),
#   exactRankTests::cscores(Surv(time, status), type = "LogRank") (the scores, r-parity 18).
# Cut variables: `cea` (continuous, a few ties) and `pct`, a percentage with heavy ties like the
# dashboard's min % positive: pct = pmin(100, 10 * ((age + 7 * n_frag) %% 11)), integer
# arithmetic that Python reproduces exactly (and the values are stored here too).
# Plus hand-made cases whose inputs are stored next to R's answers (ties in x at the minprop
# boundary, tied times, times that survival's timefix would tie but maxstat does not, other
# minprop/maxprop, including maxstat's special case minprop = 0, maxprop = 1, where Lau92 is Inf).
# Full precision: jsonlite digits = NA (15 significant digits).

suppressPackageStartupMessages({
  library(survival)
  library(maxstat)
  library(jsonlite)
})

# Run from the repository root (as the README says): the golden files live beside this script.
golden_dir <- file.path("tests", "golden")
if (!dir.exists(file.path(golden_dir, "cohorts"))) stop("run from the repository root")

B_MC <- 10000

maxstat_values <- function(tt, ss, x, seed, minprop = 0.1, maxprop = 0.9) {
  d <- data.frame(tt = tt, ss = ss, x = x)
  lau <- maxstat.test(Surv(tt, ss) ~ x, data = d, smethod = "LogRank", pmethod = "Lau92",
                      minprop = minprop, maxprop = maxprop)
  set.seed(seed)
  mc <- maxstat.test(Surv(tt, ss) ~ x, data = d, smethod = "LogRank", pmethod = "condMC",
                     B = B_MC, minprop = minprop, maxprop = maxprop)
  list(
    minprop = minprop, maxprop = maxprop,
    statistic = unname(lau$statistic), estimate = unname(lau$estimate),
    lau92_p = unname(lau$p.value), stats = unname(lau$stats), cuts = unname(lau$cuts),
    condmc_p = unname(mc$p.value), condmc_B = B_MC, condmc_seed = seed,
    condmc_statistic = unname(mc$statistic),
    scores = as.vector(exactRankTests::cscores(Surv(tt, ss), type = "LogRank"))
  )
}

cohort_files <- sort(list.files(file.path(golden_dir, "cohorts"), pattern = "\\.csv$",
                                full.names = TRUE))
cohorts <- list()
seed <- 1L
for (path in cohort_files) {
  d <- read.csv(path, stringsAsFactors = FALSE)
  name <- sub("\\.csv$", "", basename(path))
  pct <- pmin(100, 10 * ((d$age + 7 * d$n_frag) %% 11))
  out <- list(pct = pct)
  for (ep in c("pfs", "os")) {
    tt <- d[[paste0(ep, "_time")]]
    ss <- d[[paste0(ep, "_status")]]
    out[[ep]] <- list(
      cea = maxstat_values(tt, ss, d$cea, seed),
      pct = maxstat_values(tt, ss, pct, seed + 1L)
    )
    seed <- seed + 2L
  }
  cohorts[[name]] <- out
}

cases <- list(
  # Ties in x straddling floor(N * minprop): the cut list must follow maxstat's rule exactly.
  x_ties = list(time = c(3, 5, 1, 8, 2, 9, 4, 7, 6, 10, 12, 11),
                status = c(1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1),
                x = c(0, 0, 10, 10, 10, 20, 50, 50, 80, 100, 100, 100)),
  # Tied times (max-rank scores) and tied x.
  time_ties = list(time = c(1, 1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9),
                   status = c(1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0),
                   x = c(5, 40, 40, 60, 60, 60, 70, 80, 90, 90, 95, 100, 100, 100, 100, 100)),
  # 0.1 + 0.2 and 0.3 differ in the last bit: survival's timefix ties them, cscores does not.
  no_timefix = list(time = c(0.1 + 0.2, 0.3, 1, 2, 2 + 1e-9, 3, 4, 5, 6, 7),
                    status = c(1, 1, 0, 1, 1, 0, 1, 1, 1, 0),
                    x = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)),
  # A strong effect: a large statistic, a small Lau92 p.
  strong = list(time = c(1, 2, 2, 3, 4, 5, 6, 7, 9, 12, 15, 18, 20, 24, 30, 36, 40, 45, 50, 60),
                status = c(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0),
                x = c(0, 5, 10, 10, 15, 20, 25, 30, 30, 40, 60, 70, 70, 80, 85, 90, 95, 100, 100,
                      100))
)
case_out <- list()
for (name in names(cases)) {
  cs <- cases[[name]]
  # jsonlite writes 15 significant digits, which would merge 0.1 + 0.2 with 0.3: the times are
  # also stored exactly, as C99 hex floats (Python: float.fromhex).
  cs_out <- c(cs, list(time_hex = sprintf("%a", cs$time)))
  case_out[[name]] <- list(input = cs_out,
                           default = maxstat_values(cs$time, cs$status, cs$x, seed),
                           narrow = maxstat_values(cs$time, cs$status, cs$x, seed + 1L,
                                                   minprop = 0.25, maxprop = 0.75),
                           # minprop = 0, maxprop = 1: R drops the first and the last split.
                           wide = maxstat_values(cs$time, cs$status, cs$x, seed + 1L,
                                                 minprop = 0, maxprop = 1))
  seed <- seed + 2L
}

result <- list(
  header = list(
    generated_by = "tests/golden/maxstat.R",
    r_version = R.version.string,
    maxstat_version = as.character(packageVersion("maxstat")),
    exactRankTests_version = as.character(packageVersion("exactRankTests")),
    survival_version = as.character(packageVersion("survival")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    rng_kind = paste(RNGkind(), collapse = "/"),
    date = format(Sys.Date()),
    note = "generated, do not edit"
  ),
  cohorts = cohorts,
  cases = case_out
)
out_path <- file.path(golden_dir, "maxstat_r.json")
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE), out_path)
cat("wrote", out_path, "\n")
