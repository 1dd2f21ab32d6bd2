# R golden values for her2dash/survival.py (checked by tests/test_survival.py).
#
#     Rscript tests/golden/survival.R        # from the repository root
#
# Reads every tests/golden/cohorts/*.csv back from disk and writes tests/golden/survival_r.json:
# for PFS and OS, overall, by `homo` and reverse (median follow-up):
#   survfit(Surv(time, status) ~ 1, conf.type = "log" | "log-log" | "plain") arrays,
#   summary(fit)$table medians and CIs (print.survfit's rule),
#   summary(fit, times = c(6, 12, 24), extend = TRUE),
#   summary(fit, times = seq(0, max(time), 3), extend = TRUE) counts (the risk table grid),
#   survdiff(Surv(time, status) ~ homo), ~ homo + strata(strat), and ~ strat (three groups).
# Plus small hand-made cases (also at conf.int = 0.9) (midpoint median, curve ending at 0.5, time-0 events, timefix
# ties, ...) whose inputs are stored next to R's answers, and a small two-specimen cohort
# (`specimens`: median PFS/OS per specimen type and group, as the paper's Table 4 shows them).
# Full precision: jsonlite digits = NA (15 significant digits); NA, NaN and Inf are written as null
# (`std_err_inf` says which std.err entries are Inf rather than NA).

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

# Run from the repository root (as the README says): the golden files live beside this script.
golden_dir <- file.path("tests", "golden")
if (!dir.exists(file.path(golden_dir, "cohorts"))) stop("run from the repository root")

conf_types <- c("log", "log-log", "plain")
landmark_times <- c(6, 12, 24)

# One curve (no strata): arrays, print.survfit median + CI, landmarks, for each conf.type;
# counts at the risk-table grid `risk_times` (n.event/n.censor there are per interval: cumulated).
curve_values <- function(make_fit, times, risk_times) {
  fit <- make_fit("log")
  rk <- summary(fit, times = risk_times, extend = TRUE)
  out <- list(
    time = fit$time, surv = fit$surv, std_err = fit$std.err,
    std_err_inf = is.infinite(fit$std.err), n_risk = fit$n.risk,
    n_event = fit$n.event, n_censor = fit$n.censor, n = fit$n,
    risk = list(time = rk$time, n_risk = rk$n.risk, cum_events = cumsum(rk$n.event),
                cum_censored = cumsum(rk$n.censor)),
    conf = list()
  )
  for (ct in conf_types) {
    f <- make_fit(ct)
    tab <- summary(f)$table
    lm <- summary(f, times = times, extend = TRUE)
    out$conf[[ct]] <- list(
      lower = f$lower, upper = f$upper,
      median = unname(tab["median"]), lcl = unname(tab["0.95LCL"]),
      ucl = unname(tab["0.95UCL"]), events = unname(tab["events"]),
      records = unname(tab["records"]),
      landmarks = list(time = lm$time, surv = lm$surv, lower = lm$lower, upper = lm$upper,
                       n_risk = lm$n.risk)
    )
  }
  out
}

survdiff_values <- function(sd) {
  obs <- sd$obs
  exp <- sd$exp
  # With strata, obs and exp are groups x strata matrices; the test uses the row sums.
  if (is.matrix(obs)) {
    obs <- rowSums(obs)
    exp <- rowSums(exp)
  }
  df <- sum(exp > 0) - 1
  list(chisq = sd$chisq, df = df, pvalue = pchisq(sd$chisq, df, lower.tail = FALSE),
       groups = names(sd$n), n = as.vector(sd$n), obs = unname(obs), exp = unname(exp),
       var = unname(sd$var))
}

endpoint_values <- function(d, time_col, status_col) {
  tt <- d[[time_col]]
  ss <- d[[status_col]]
  homo <- d$homo
  risk_times <- seq(0, max(tt), by = 3)
  by_homo <- list()
  # survfit(~ homo) runs timefix on the whole cohort and then splits; fit[i] is one stratum.
  for (ct in conf_types) {
    fit_g <- survfit(Surv(tt, ss) ~ homo, conf.type = ct)
    for (i in seq_along(fit_g$strata)) {
      key <- sub("^homo=", "", names(fit_g$strata)[i])
      if (is.null(by_homo[[key]])) by_homo[[key]] <- list()
      by_homo[[key]][[ct]] <- fit_g[i]
    }
  }
  by_homo_out <- lapply(by_homo, function(fits) curve_values(function(ct) fits[[ct]],
                                                             landmark_times, risk_times))
  list(
    overall = curve_values(function(ct) survfit(Surv(tt, ss) ~ 1, conf.type = ct),
                           landmark_times, risk_times),
    by_homo = by_homo_out,
    follow_up = curve_values(function(ct) survfit(Surv(tt, 1 - ss) ~ 1, conf.type = ct),
                             landmark_times, risk_times),
    survdiff = survdiff_values(survdiff(Surv(tt, ss) ~ homo)),
    survdiff_strata = survdiff_values(survdiff(Surv(tt, ss) ~ homo + strata(d$strat))),
    survdiff_strat_groups = survdiff_values(survdiff(Surv(tt, ss) ~ d$strat))
  )
}

cohort_files <- sort(list.files(file.path(golden_dir, "cohorts"), pattern = "\\.csv$",
                                full.names = TRUE))
cohorts <- list()
for (path in cohort_files) {
  d <- read.csv(path, stringsAsFactors = FALSE)
  name <- sub("\\.csv$", "", basename(path))
  cohorts[[name]] <- list(
    pfs = endpoint_values(d, "pfs_time", "pfs_status"),
    os = endpoint_values(d, "os_time", "os_status")
  )
}

# Hand-made corners; `group` (when given) feeds survdiff.
cases <- list(
  midpoint = list(time = c(1, 2, 3, 4), status = c(1, 1, 1, 1)),
  # S = 0.5 from 3, a censoring at 4 keeps it there, the next event (5) drops it: median 4.
  midpoint_gap = list(time = c(1, 2, 3, 4, 5, 6), status = c(1, 1, 1, 0, 1, 0)),
  ends_at_half = list(time = c(1, 2, 3, 4), status = c(1, 1, 0, 0)),
  all_censored = list(time = c(1, 2, 3, 4), status = c(0, 0, 0, 0)),
  one_event = list(time = c(5), status = c(1)),
  one_censored = list(time = c(5), status = c(0)),
  time_zero = list(time = c(0, 0, 1, 2, 3), status = c(1, 0, 1, 1, 0)),
  # The curve starts at 0 with S = 1: survfit0 adds no row, so the log-log band at 0 is NA.
  censor_at_zero = list(time = c(0, 1, 2), status = c(0, 1, 1)),
  censor_first = list(time = c(1, 2, 2, 3, 4, 5, 6), status = c(0, 1, 0, 1, 1, 0, 1)),
  # 0.1 + 0.2 and 0.3 differ in the last bit, 2 and 2 + 1e-9 by 1e-9: aeqSurv ties both pairs.
  timefix = list(time = c(0.1 + 0.2, 0.3, 1, 2, 2 + 1e-9, 3, 4, 5),
                 status = c(1, 1, 0, 1, 1, 0, 1, 1), group = c(0, 1, 0, 1, 0, 1, 0, 1)),
  heavy_ties = list(time = c(1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 5),
                    status = c(1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0),
                    group = c(0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1)),
  no_events_in_one_group = list(time = c(1, 2, 3, 4, 5, 6, 7, 8),
                                status = c(1, 0, 1, 0, 1, 0, 1, 0),
                                group = c(0, 1, 0, 1, 0, 1, 0, 1))
)
case_times <- c(0, 0.5, 1, 2.5, 3, 10)
case_out <- list()
for (name in names(cases)) {
  cs <- cases[[name]]
  tt <- cs$time
  ss <- cs$status
  out <- list(input = cs,
              km = curve_values(function(ct) survfit(Surv(tt, ss) ~ 1, conf.type = ct), case_times,
                                case_times),
              landmark_times = case_times)
  # A non-default level (Settings.conf_level): conf.int = 0.9, default log band.
  f90 <- survfit(Surv(tt, ss) ~ 1, conf.int = 0.9)
  tab90 <- summary(f90)$table
  out$conf_90 <- list(lower = f90$lower, upper = f90$upper, median = unname(tab90["median"]),
                      lcl = unname(tab90["0.9LCL"]), ucl = unname(tab90["0.9UCL"]))
  if (!is.null(cs$group)) {
    g <- cs$group
    out$survdiff <- survdiff_values(survdiff(Surv(tt, ss) ~ g))
  }
  case_out[[name]] <- out
}

# Table 4 in miniature: survfit(Surv(time, status) ~ homo) within each specimen type.
specimen_input <- list(
  specimen_type = c(rep("biopsy", 11), rep("surgical", 9)),
  homo = c(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1),
  pfs_months = c(2, 4, 6, 8, 10, 12, 3, 5, 9, 11, 15, 1, 3, 4, 7, 9, 6, 12, 18, 20),
  pfs_event = c(1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0),
  os_months = c(5, 9, 10, 14, 16, 20, 8, 12, 15, 22, 30, 4, 8, 9, 13, 15, 14, 24, 30, 36),
  os_event = c(1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0)
)
specimen_out <- list()
for (sp in c("biopsy", "surgical")) {
  who <- specimen_input$specimen_type == sp
  for (ep in c("pfs", "os")) {
    tt <- specimen_input[[paste0(ep, "_months")]][who]
    ss <- specimen_input[[paste0(ep, "_event")]][who]
    hh <- specimen_input$homo[who]
    tab <- summary(survfit(Surv(tt, ss) ~ hh))$table
    for (i in seq_len(nrow(tab))) {
      key <- paste(ep, sp, sub("^hh=", "", rownames(tab)[i]), sep = "/")
      specimen_out[[key]] <- list(median = unname(tab[i, "median"]),
                                  lcl = unname(tab[i, "0.95LCL"]),
                                  ucl = unname(tab[i, "0.95UCL"]), n = unname(tab[i, "records"]))
    }
  }
}

result <- list(
  header = list(
    generated_by = "tests/golden/survival.R",
    r_version = R.version.string,
    survival_version = as.character(packageVersion("survival")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.Date()),
    note = "generated, do not edit"
  ),
  landmark_times = landmark_times,
  cohorts = cohorts,
  cases = case_out,
  specimens = list(input = specimen_input, medians = specimen_out)
)
out_path <- file.path(golden_dir, "survival_r.json")
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE), out_path)
cat("wrote", out_path, "\n")
