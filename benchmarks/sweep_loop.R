# The cutoff sweep as an R user would write it: one survdiff + coxph + survfit per cutoff and
# endpoint (and fisher.test for ORR), timed in-process. Called by benchmarks/bench_sweep.py on
# the same patients as her2dash's sweep.
#
#   Rscript benchmarks/sweep_loop.R patients.csv "0,1,...,100"
#
# patients.csv: value (the rule value, %), pfs_time, pfs_event, os_time, os_event, orr
# (1 = CR/PR, 0 = SD/PD, NA = not evaluable). Prints one line: "seconds <s> cutoffs <k>".
suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
cutoffs <- as.numeric(strsplit(args[2], ",")[[1]])
tolerance <- 1e-9  # her2dash's: a value a few ulps below the cutoff counts as at it

one_cutoff <- function(cut) {
  homo <- as.integer(d$value >= cut - tolerance)
  for (ep in c("pfs", "os")) {
    y <- Surv(d[[paste0(ep, "_time")]], d[[paste0(ep, "_event")]])
    # A cutoff with one group empty makes survdiff stop and coxph warn; the loop carries on.
    try(survdiff(y ~ homo), silent = TRUE)
    suppressWarnings(try(summary(coxph(y ~ homo)), silent = TRUE))
    fit <- survfit(y ~ homo)
    summary(fit)$table
  }
  ok <- !is.na(d$orr)
  tab <- table(factor(homo[ok], levels = 1:0), factor(d$orr[ok], levels = 1:0))
  if (all(rowSums(tab) > 0)) fisher.test(tab)$p.value
}

invisible(one_cutoff(cutoffs[1]))  # warm-up: method dispatch, lazy loading
t0 <- proc.time()[["elapsed"]]
for (cut in cutoffs) invisible(one_cutoff(cut))
elapsed <- proc.time()[["elapsed"]] - t0
cat(sprintf("seconds %.6f cutoffs %d\n", elapsed, length(cutoffs)))
