# R golden values for her2dash/response.py, baseline.py and biopsy_count.py (checked by
# tests/test_response.py, tests/test_baseline.py and tests/test_biopsy_count.py).
# Generated output, do not edit tests/golden/response_r.json by hand: re-run this script.
#
#     Rscript tests/golden/response.R        # from the repository root
#
# Reads every tests/golden/cohorts/*.csv back from disk and writes tests/golden/response_r.json:
#   binom.test(x, n)$conf.int for ORR (CR + PR) and DCR (CR + PR + SD) of the evaluable patients
#     (response != "NE"), per group (homo 0 = heterogeneous, 1 = homogeneous) and overall;
#   fisher.test on the 2x2 ORR and DCR tables (rows homo 1, homo 0; columns success, failure):
#     p.value, estimate (conditional MLE, by uniroot), conf.int;
#   wilcox.test(pct_change ~ homo), wilcox.test(age ~ homo), wilcox.test(cea ~ homo) with the
#     default exact/correct: statistic W, p.value, method;
#   quantile(x, type = 7) at 0.25/0.5/0.75 and median per group;
#   fisher.test(table(homo, x)) for x = sex, ecog, site, strat, platinum, response (2x2 and 2xk);
#   cor.test(n_frag, pfs_time | os_time, method = "spearman") per group and overall: rho, S, p.
# Plus hand-made cases (inputs stored next to R's answers): 2x2 tables with zero cells, ties in
# the table probabilities and the paper's Table 3 table; 2xk tables; Wilcoxon samples (exact,
# ties, n >= 50); quantiles; Spearman without ties for n <= 9 (exact) and 10 <= n <= 1290
# (Edgeworth), n > 1290, and with ties.
# Full precision: jsonlite digits = NA (15 significant digits); NA/NaN are written as null and
# infinite odds ratios / CI limits as the strings "Inf" / "-Inf".

suppressPackageStartupMessages({
  library(jsonlite)
})

# Run from the repository root (as the README says): the golden files live beside this script.
golden_dir <- file.path("tests", "golden")
if (!dir.exists(file.path(golden_dir, "cohorts"))) stop("run from the repository root")

# Infinite values as strings, so 0 / Inf odds ratios survive the trip through JSON.
enc <- function(v) lapply(unname(v), function(z) {
  if (is.infinite(z)) (if (z > 0) "Inf" else "-Inf") else z
})

binom_values <- function(x, n) {
  if (n == 0) return(NULL)
  bt <- binom.test(x, n)
  list(x = x, n = n, estimate = unname(bt$estimate), conf_int = unname(bt$conf.int))
}

fisher_values <- function(m) {
  ft <- NULL
  workspace <- 200000
  # FEXACT's default workspace fails on the larger 2xk tables ("FEXACT error 7"); record that
  # and retry with a larger one, so the answer is still R's exact p.
  default_error <- NULL
  ft <- tryCatch(fisher.test(m), error = function(e) {
    default_error <<- conditionMessage(e)
    NULL
  })
  if (is.null(ft)) {
    workspace <- 2e8
    ft <- fisher.test(m, workspace = workspace)
  }
  out <- list(table = unname(lapply(seq_len(nrow(m)), function(i) unname(m[i, ]))),
              p_value = ft$p.value, workspace = workspace,
              default_workspace_error = default_error)
  if (!is.null(ft$estimate)) {
    out$estimate <- enc(ft$estimate)[[1]]
    out$conf_int <- enc(ft$conf.int)
  }
  out
}

wilcox_values <- function(x, y) {
  wt <- suppressWarnings(wilcox.test(x, y))
  list(x = x, y = y, statistic = unname(wt$statistic), p_value = wt$p.value,
       method = wt$method)
}

quantile_values <- function(v) {
  v <- v[!is.na(v)]
  if (length(v) == 0) return(NULL)
  list(n = length(v), q = unname(quantile(v, c(0.25, 0.5, 0.75), type = 7)),
       median = median(v), min = min(v), max = max(v))
}

spearman_values <- function(x, y) {
  ok <- complete.cases(x, y)
  x <- x[ok]
  y <- y[ok]
  ct <- suppressWarnings(cor.test(x, y, method = "spearman"))
  list(n = length(x), rho = unname(ct$estimate), S = unname(ct$statistic),
       p_value = ct$p.value,
       ties = min(length(unique(x)), length(unique(y))) < length(x))
}

response_2x2 <- function(resp, homo, success) {
  ev <- resp != "NE"
  s <- resp %in% success
  hs <- sum(s & ev & homo == 1)
  hn <- sum(ev & homo == 1)
  es <- sum(s & ev & homo == 0)
  en <- sum(ev & homo == 0)
  matrix(c(hs, es, hn - hs, en - es), 2)  # rows homo 1, homo 0; columns success, failure
}

cohort_values <- function(d) {
  homo <- d$homo
  resp <- d$response
  resp[is.na(resp) | resp == ""] <- "NE"
  ev <- resp != "NE"
  orr_s <- c("CR", "PR")
  dcr_s <- c("CR", "PR", "SD")
  prop <- list()
  for (g in c("heterogeneous", "homogeneous", "overall")) {
    sel <- switch(g, heterogeneous = homo == 0, homogeneous = homo == 1, overall = rep(TRUE, nrow(d)))
    n <- sum(ev & sel)
    prop[[g]] <- list(
      n = sum(sel), n_evaluable = n,
      counts = as.list(table(factor(resp[sel], levels = c("CR", "PR", "SD", "PD", "NE")))),
      orr = binom_values(sum(resp[sel] %in% orr_s), n),
      dcr = binom_values(sum(resp[sel] %in% dcr_s), n)
    )
  }
  het <- homo == 0
  hom <- homo == 1
  tables <- list()
  for (col in c("sex", "ecog", "site", "strat", "platinum", "response")) {
    tab <- table(homo, d[[col]])  # rows homo 0, homo 1; columns sorted levels
    tables[[col]] <- c(fisher_values(unclass(tab)), list(levels = colnames(tab)))
  }
  spear <- list()
  for (tcol in c("pfs_time", "os_time")) {
    spear[[tcol]] <- list(
      heterogeneous = spearman_values(d$n_frag[het], d[[tcol]][het]),
      homogeneous = spearman_values(d$n_frag[hom], d[[tcol]][hom]),
      overall = spearman_values(d$n_frag, d[[tcol]])
    )
  }
  wil <- function(col) {
    w <- suppressWarnings(wilcox.test(as.formula(paste(col, "~ homo")), data = d))
    list(statistic = unname(w$statistic), p_value = w$p.value, method = w$method)
  }
  list(
    n = nrow(d),
    proportions = prop,
    orr_fisher = fisher_values(response_2x2(resp, homo, orr_s)),
    dcr_fisher = fisher_values(response_2x2(resp, homo, dcr_s)),
    wilcox = list(pct_change = wil("pct_change"), age = wil("age"), cea = wil("cea")),
    quantiles = list(
      pct_change = list(heterogeneous = quantile_values(d$pct_change[het]),
                        homogeneous = quantile_values(d$pct_change[hom])),
      age = list(heterogeneous = quantile_values(d$age[het]),
                 homogeneous = quantile_values(d$age[hom]))
    ),
    fisher_tables = tables,
    spearman = spear
  )
}

files <- sort(list.files(file.path(golden_dir, "cohorts"), pattern = "\\.csv$", full.names = TRUE))
cohorts <- list()
for (f in files) {
  d <- read.csv(f, stringsAsFactors = FALSE, na.strings = c("", "NA"))
  cohorts[[sub("\\.csv$", "", basename(f))]] <- cohort_values(d)
}

# ---------------------------------------------------------------- hand-made cases

binom_cases <- list(c(0, 10), c(10, 10), c(1, 1), c(0, 1), c(23, 27), c(25, 43), c(48, 70),
                    c(61, 70), c(3, 7), c(5000, 10000), c(2045, 6495))
hand_binom <- lapply(binom_cases, function(v) binom_values(v[1], v[2]))

# 2x2 tables as list(rows): list(c(a, b), c(c, d)).
fisher2_cases <- list(
  paper_table3_orr = list(c(23, 4), c(25, 18)),  # homo 23/27 vs hetero 25/43
  zero_a = list(c(0, 5), c(5, 5)),
  zero_b = list(c(10, 0), c(5, 5)),               # all homogeneous respond: OR Inf
  zero_c = list(c(5, 5), c(0, 5)),
  zero_d = list(c(5, 5), c(5, 0)),
  two_zeros = list(c(0, 7), c(7, 0)),
  empty_row = list(c(0, 0), c(3, 4)),
  # Symmetric margins: the mirror table has exactly the observed probability (a tie).
  tie_symmetric = list(c(2, 5), c(5, 2)),
  tie_balanced = list(c(3, 3), c(3, 3)),
  tie_mirror = list(c(1, 4), c(4, 1)),
  scipy_example = list(c(1, 9), c(11, 3)),
  one_patient = list(c(1, 0), c(0, 0)),
  moderate = list(c(12, 5), c(9, 20)),
  large = list(c(600, 140), c(400, 250)),
  very_large = list(c(60000, 14000), c(4000, 2495))
)
hand_fisher2 <- lapply(fisher2_cases, function(rows) {
  fisher_values(matrix(unlist(rows), 2, byrow = TRUE))
})

fisherk_cases <- list(
  small_2x3 = list(c(1, 2, 1), c(2, 1, 2)),
  tie_2x3 = list(c(2, 1, 2), c(1, 2, 1)),
  sym_2x3 = list(c(3, 0, 3), c(0, 6, 0)),
  ecog_2x3 = list(c(30, 18, 5), c(25, 8, 1)),
  zero_col_2x4 = list(c(4, 0, 6, 2), c(7, 0, 3, 5)),
  response_2x5 = list(c(1, 24, 11, 7, 10), c(4, 19, 2, 2, 7)),
  mid_2x5 = list(c(30, 20, 10, 5, 3), c(25, 25, 10, 5, 2)),
  wide_2x6 = list(c(5, 3, 8, 2, 6, 1), c(2, 7, 3, 6, 1, 5)),
  big_2x3 = list(c(300, 200, 100), c(250, 250, 100))
)
hand_fisherk <- lapply(fisherk_cases, function(rows) {
  fisher_values(matrix(unlist(rows), nrow = 2, byrow = TRUE))
})

set.seed(20190101)
wilcox_cases <- list(
  exact_small = list(x = c(-80, -45.5, -30, -12, 5), y = c(-100, -90, -77, -60, -52, -41)),
  exact_unbalanced = list(x = c(3.1), y = c(1.2, 2.5, 4.8, 5.9, 7.7)),
  exact_49 = list(x = round(rnorm(49), 6), y = round(rnorm(30, 0.5), 6)),
  ties_small = list(x = c(-100, -50, -50, -20, 10, 10), y = c(-100, -100, -60, -50, -30)),
  n50_no_ties = list(x = round(rnorm(50), 6), y = round(rnorm(20, 0.4), 6)),
  n60_ties = list(x = round(rnorm(60) * 10), y = round(rnorm(55, 1) * 10)),
  w_zero = list(x = c(1, 2, 3), y = c(4, 5, 6, 7)),
  w_max = list(x = c(10, 11, 12), y = c(4, 5, 6, 7)),
  singletons = list(x = c(2), y = c(1))
)
hand_wilcox <- lapply(wilcox_cases, function(cs) wilcox_values(cs$x, cs$y))

quantile_cases <- list(
  one = c(-40), two = c(-40, 10), odd = c(-100, -76, -49, -32.5, 0),
  even = c(-55, -40, -2, 10), ties = c(-100, -100, -100, -50, -50, 20, 80)
)
hand_quantile <- lapply(quantile_cases, function(v) c(list(x = v), quantile_values(v)))

spearman_cases <- list()
for (n in 3:9) {
  x <- sample(n)
  y <- sample(n)
  spearman_cases[[paste0("exact_n", n)]] <- list(x = x, y = y)
}
spearman_cases$exact_n9_perfect <- list(x = 1:9, y = 1:9)
spearman_cases$exact_n9_reversed <- list(x = 1:9, y = 9:1)
spearman_cases$exact_n7_near <- list(x = 1:7, y = c(2, 1, 3, 4, 5, 7, 6))
for (n in c(10, 12, 20, 50, 200, 1290)) {
  spearman_cases[[paste0("edgeworth_n", n)]] <- list(x = sample(n), y = round(runif(n) * 1e6, 3))
}
spearman_cases$edgeworth_n30_corr <- local({
  x <- sample(30)
  list(x = x, y = x + round(rnorm(30) * 8, 4))
})
spearman_cases$t_n1291 <- list(x = sample(1291), y = round(runif(1291) * 1e6, 3))
spearman_cases$ties_n8 <- list(x = c(1, 2, 2, 3, 4, 4, 5, 6), y = c(3.2, 1.1, 5.5, 4.4, 8.1, 2.2,
                                                                      7.3, 6.6))
spearman_cases$ties_n40 <- list(x = sample(1:8, 40, replace = TRUE), y = round(runif(40) * 30, 1))
spearman_cases$ties_perfect <- list(x = c(1, 1, 2, 3), y = c(1, 1, 5, 9))
hand_spearman <- lapply(spearman_cases, function(cs) {
  c(list(x = cs$x, y = cs$y), spearman_values(cs$x, cs$y))
})

result <- list(
  header = list(
    generated_by = "tests/golden/response.R",
    r_version = R.version.string,
    stats_version = as.character(packageVersion("stats")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.Date()),
    note = "generated, do not edit"
  ),
  cohorts = cohorts,
  hand = list(
    binom = hand_binom,
    fisher_2x2 = hand_fisher2,
    fisher_2xk = hand_fisherk,
    wilcox = hand_wilcox,
    quantile = hand_quantile,
    spearman = hand_spearman
  )
)

out_path <- file.path(golden_dir, "response_r.json")
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, na = "null", null = "null",
                  pretty = FALSE), out_path)
cat("wrote", out_path, "\n")
