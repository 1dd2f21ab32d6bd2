# R golden values for the risk table under a Kaplan-Meier plot (checked by tests/test_risk_table.py).
#
#     Rscript tests/golden/risk_table.R        # from the repository root
#
# For every tests/golden/cohorts/*.csv (the cohorts survival.R uses) and the demo cohort
# (data/demo/*.csv, homogeneous = every tumour-containing baseline fragment 100 % positive, the
# paper's definition), for PFS and OS, overall and by `homo`:
#   s <- summary(survfit(Surv(time, status) ~ homo), times = grid, extend = TRUE)
#   number at risk      = s$n.risk                 (time >= t)
#   cumulative events   = cumsum(s$n.event)        (time <= t; summary reports them per interval)
#   cumulative censored = cumsum(s$n.censor)
# on two grids: R's seq(0, max(time), by = 3) (the figure's) and an off-grid set holding the
# first event time exactly, a midpoint between two times, the median time, the last time and a
# time past it (extend = TRUE: 0 at risk, totals unchanged).
# Full precision: jsonlite digits = NA; the counts are integers anyway.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

golden_dir <- file.path("tests", "golden")
if (!dir.exists(file.path(golden_dir, "cohorts"))) stop("run from the repository root")

counts <- function(s) {
  list(time = s$time, n_risk = s$n.risk, cum_events = cumsum(s$n.event),
       cum_censored = cumsum(s$n.censor))
}

grids <- function(tt, ss) {
  u <- sort(unique(tt))
  off <- sort(unique(c(0, min(tt[ss == 1]), (u[2] + u[3]) / 2, median(tt), max(tt),
                       max(tt) + 5)))
  list(every3 = seq(0, max(tt), by = 3), off_grid = off)
}

endpoint_tables <- function(tt, ss, homo) {
  out <- list()
  for (name in names(grids(tt, ss))) {
    grid <- grids(tt, ss)[[name]]
    overall <- counts(summary(survfit(Surv(tt, ss) ~ 1), times = grid, extend = TRUE))
    s <- summary(survfit(Surv(tt, ss) ~ homo), times = grid, extend = TRUE)
    by_homo <- list()
    for (lev in levels(s$strata)) {
      keep <- s$strata == lev
      part <- list(time = s$time[keep], n.risk = s$n.risk[keep], n.event = s$n.event[keep],
                   n.censor = s$n.censor[keep])
      by_homo[[sub("^homo=", "", lev)]] <- counts(part)
    }
    out[[name]] <- list(grid = grid, overall = overall, by_homo = by_homo)
  }
  out
}

cohort_files <- sort(list.files(file.path(golden_dir, "cohorts"), pattern = "\\.csv$",
                                full.names = TRUE))
cohorts <- list()
for (path in cohort_files) {
  d <- read.csv(path, stringsAsFactors = FALSE)
  name <- sub("\\.csv$", "", basename(path))
  cohorts[[name]] <- list(
    input = list(pfs_time = d$pfs_time, pfs_status = d$pfs_status, os_time = d$os_time,
                 os_status = d$os_status, homo = d$homo),
    pfs = endpoint_tables(d$pfs_time, d$pfs_status, d$homo),
    os = endpoint_tables(d$os_time, d$os_status, d$homo)
  )
}

# The demo cohort, classified in R from its fragments as the paper defines Homo-HER2.
p <- read.csv(file.path("data", "demo", "patients.csv"), stringsAsFactors = FALSE)
f <- read.csv(file.path("data", "demo", "fragments.csv"), stringsAsFactors = FALSE)
tumour <- f[f$tumor_present == 1 & f$timepoint == "baseline", ]
all_positive <- tapply(tumour$pct_positive >= 100, tumour$patient_id, all)
p <- p[p$patient_id %in% names(all_positive), ]
p$homo <- as.integer(all_positive[p$patient_id])
demo <- list(
  n = nrow(p), n_homogeneous = sum(p$homo),
  pfs = endpoint_tables(p$pfs_months, p$pfs_event, p$homo),
  os = endpoint_tables(p$os_months, p$os_event, p$homo)
)

result <- list(
  header = list(
    generated_by = "tests/golden/risk_table.R",
    r_version = R.version.string,
    survival_version = as.character(packageVersion("survival")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.Date()),
    note = "generated, do not edit"
  ),
  cohorts = cohorts,
  demo = demo
)
out_path <- file.path(golden_dir, "risk_table_r.json")
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE), out_path)
cat("wrote", out_path, "\n")
