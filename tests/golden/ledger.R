# R golden values for her2dash/ledger.py (checked by tests/test_ledger.py).
#
#     Rscript tests/golden/ledger.R        # from the repository root
#
# Reads tests/golden/ledger/{patients,fragments}.csv, settings.json and permutations.csv (written
# by tests/golden/make_ledger_cohort.py) back from disk and writes tests/golden/ledger_r.json.
# Per explored setting, classified here from the fragments independently of her2dash
# (homogeneous when the rule's value >= cutoff - 1e-9: every-fragment = minimum, pooled = mean
# of the effective % positive over tumour-containing fragments, fragment-share = 100 * share of
# them scored >= 2+ (or 3+); with 3+ positivity a fragment below 3+ counts 0 %; the biopsy-count
# window and cohort filters give the included patients):
#   group sizes; survdiff(Surv(t, e) ~ homo, subset = included) chisq and p;
#   coxph(Surv(t, e) ~ homo) exp(coef) and its 95 % CI (only when both groups have events);
#   and, for each given permutation (patient i receives the outcomes of patient perm[i], PFS and
#   OS together), the same survdiff chisq on the permuted outcomes (NA where survdiff cannot run).
# Full precision: jsonlite digits = NA.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

golden_dir <- file.path("tests", "golden")
dir <- file.path(golden_dir, "ledger")
if (!dir.exists(dir)) stop("run from the repository root")

pat <- read.csv(file.path(dir, "patients.csv"), stringsAsFactors = FALSE,
                colClasses = c(patient_id = "character"))
frag <- read.csv(file.path(dir, "fragments.csv"), stringsAsFactors = FALSE,
                 colClasses = c(patient_id = "character", ihc_score = "character"))
settings <- fromJSON(file.path(dir, "settings.json"), simplifyVector = FALSE)
perms <- as.matrix(read.csv(file.path(dir, "permutations.csv"), header = FALSE)) + 1L

score_of <- c("0" = 0, "1+" = 1, "2+" = 2, "3+" = 3)

get <- function(s, name, default) if (is.null(s[[name]])) default else s[[name]]

classify <- function(s) {
  rule <- get(s, "rule", "every-fragment")
  cutoff <- get(s, "cutoff_pct", 100)
  positivity <- get(s, "positivity", "2+")
  low <- get(s, "min_fragments", 1)
  high <- get(s, "max_fragments", Inf)
  threshold <- if (positivity == "3+") 3 else 2
  tum <- frag[frag$tumor_present == 1, ]
  score <- unname(score_of[tum$ihc_score])
  pct <- if (positivity == "3+") ifelse(score >= 3, tum$pct_positive, 0) else tum$pct_positive
  per <- lapply(pat$patient_id, function(p) {
    mine <- tum$patient_id == p
    n <- sum(mine)
    if (n == 0) return(c(n = 0, min = NA, mean = NA, share = NA))
    c(n = n, min = min(pct[mine]), mean = mean(pct[mine]),
      share = 100 * sum(score[mine] >= threshold) / n)
  })
  per <- do.call(rbind, per)
  value <- switch(rule, "every-fragment" = per[, "min"], "pooled" = per[, "mean"],
                  "fragment-share" = per[, "share"])
  homo <- !is.na(value) & value >= cutoff - 1e-9
  included <- per[, "n"] >= low & per[, "n"] <= high
  for (f in get(s, "filters", list())) {
    included <- included & pat[[f[[1]]]] %in% unlist(f[[2]])
  }
  list(endpoint = get(s, "endpoint", "pfs"), homo = homo, included = included)
}

logrank_chisq <- function(tt, ee, homo) {
  d <- data.frame(tt = tt, ee = ee, homo = homo)
  d <- d[complete.cases(d), ]
  if (nrow(d) == 0 || length(unique(d$homo)) < 2 || sum(d$ee) == 0) return(NA)
  fit <- tryCatch(survdiff(Surv(tt, ee) ~ homo, data = d), error = function(e) NULL)
  if (is.null(fit)) NA else fit$chisq
}

entries <- list()
for (s in settings) {
  g <- classify(s)
  tt <- pat[[paste0(g$endpoint, "_months")]]
  ee <- pat[[paste0(g$endpoint, "_event")]]
  inc <- g$included
  chisq <- logrank_chisq(tt[inc], ee[inc], g$homo[inc])
  hr <- list(estimate = NA, low = NA, high = NA)
  d <- data.frame(tt = tt[inc], ee = ee[inc], homo = as.numeric(g$homo[inc]))
  d <- d[complete.cases(d), ]
  if (!is.na(chisq) && sum(d$ee[d$homo == 1]) > 0 && sum(d$ee[d$homo == 0]) > 0) {
    ci <- summary(coxph(Surv(tt, ee) ~ homo, data = d))$conf.int
    hr <- list(estimate = ci[1, "exp(coef)"], low = ci[1, "lower .95"],
               high = ci[1, "upper .95"])
  }
  permuted <- sapply(seq_len(nrow(perms)), function(b) {
    p <- perms[b, ]
    logrank_chisq(tt[p][inc], ee[p][inc], g$homo[inc])
  })
  entries[[length(entries) + 1]] <- list(
    settings = s, n_homogeneous = sum(inc & g$homo), n_heterogeneous = sum(inc & !g$homo),
    chisq = chisq, pvalue = if (is.na(chisq)) NA else pchisq(chisq, 1, lower.tail = FALSE),
    hazard_ratio = hr, permuted_chisq = permuted
  )
}

result <- list(
  header = list(
    generated_by = "tests/golden/ledger.R",
    r_version = R.version.string,
    survival_version = as.character(packageVersion("survival")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.Date()),
    note = "generated, do not edit"
  ),
  n_patients = nrow(pat),
  entries = entries
)
out_path <- file.path(golden_dir, "ledger_r.json")
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE), out_path)
cat("wrote", out_path, "\n")
