"""Optimal cutpoint and two-way map at n = 1,000, against R's maxstat timed in the same run.

    python benchmarks/bench_maxstat.py [--n 1000] [--permutations 1000] [--repeat 10]

1. ``maxstat_test`` with 1,000 permutations for PFS and OS (the rule value: every-fragment
   minimum % positive of the included patients) vs R ``maxstat.test(Surv(t, s) ~ x,
   smethod = "LogRank", pmethod = "condMC", B = 1000)`` on the same data: the data go to a CSV,
   Rscript reads it and prints its own ``system.time`` per call (in-process, so R's start-up and
   package loading are not counted). Targets: ours ≤ 100 ms for both endpoints.
2. ``two_way_maps``: 101 cutoffs × 8 minimum-fragment values × PFS and OS, 1,000 permutations,
   hazard ratios included. Target ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from synthetic import csv_files  # also puts the repository on sys.path

from her2dash.classify import classify, patient_features, rule_values
from her2dash.maxstat import maxstat_test
from her2dash.settings import Settings
from her2dash.twoway import _hazard_ratios, two_way_maps
from her2dash.validate import load_cohort

R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(maxstat); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); B <- as.integer(args[2]); reps <- as.integer(args[3])
out <- list()
for (ep in c("pfs", "os")) {
  dd <- data.frame(t = d[[paste0(ep, "_time")]], s = d[[paste0(ep, "_status")]], x = d$x)
  secs <- numeric(reps)
  for (i in seq_len(reps)) {
    set.seed(i)
    secs[i] <- system.time(m <- maxstat.test(Surv(t, s) ~ x, data = dd, smethod = "LogRank",
                                             pmethod = "condMC", B = B))[["elapsed"]]
  }
  out[[ep]] <- list(seconds = secs, statistic = unname(m$statistic),
                    estimate = unname(m$estimate), p = m$p.value)
}
out$versions <- list(R = R.version.string, maxstat = as.character(packageVersion("maxstat")))
cat(toJSON(out, auto_unbox = TRUE, digits = NA))
"""


def _timed(fn, repeat: int) -> tuple[float, float, object]:
    result = fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times)), result


def _compare(label: str, data: pd.DataFrame, permutations: int, repeat: int) -> None:
    def ours() -> dict:
        return {ep: maxstat_test(data.x, data[f"{ep}_time"], data[f"{ep}_status"],
                                 endpoint=ep, permutations=permutations, seed=0)
                for ep in ("pfs", "os")}

    best, median, res = _timed(ours, repeat)
    print(f"\n[{label}]\nours  maxstat_test, {permutations} permutations, PFS + OS: "
          f"min {best * 1e3:.1f} ms, median {median * 1e3:.1f} ms (target ≤ 100 ms)")
    for ep, r in res.items():
        print(f"      {ep}: M = {r.statistic:.6f}, cutoff ≥ {r.estimate_cutoff_pct:g} "
              f"(maxstat cut {r.maxstat_estimate:g}), Lau92 p = {r.lau92_p:.4g}, "
              f"permutation p = {r.permutation_p:.4g}")
    if not shutil.which("Rscript"):
        print("R     Rscript not on PATH: skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        data.to_csv(csv, index=False, float_format="%.17g")
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        proc = subprocess.run(["Rscript", str(script), str(csv), str(permutations),
                               str(repeat)], capture_output=True, text=True, check=True)
    r_out = json.loads(proc.stdout)
    both = np.array(r_out["pfs"]["seconds"]) + np.array(r_out["os"]["seconds"])
    print(f"R     maxstat.test(condMC, B = {permutations}), PFS + OS, system.time: "
          f"min {both.min() * 1e3:.0f} ms, median {np.median(both) * 1e3:.0f} ms "
          f"({r_out['versions']['R']}, maxstat {r_out['versions']['maxstat']})")
    for ep in ("pfs", "os"):
        r = r_out[ep]
        print(f"      {ep}: M = {r['statistic']:.6f}, cut {r['estimate']:g}, condMC p = "
              f"{r['p']:.4g}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--permutations", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args(argv)

    cohort, _ = load_cohort(csv_files(args.n, seed=1))
    assert cohort is not None
    settings = Settings()
    features = patient_features(cohort, settings.positivity)
    inc = classify(cohort, settings, features).per_patient["included"].to_numpy()
    pts = cohort.patients[inc]
    data = pd.DataFrame({"x": rule_values(features, settings.rule)[inc]})
    for ep in ("pfs", "os"):
        data[f"{ep}_time"] = pts[f"{ep}_months"].to_numpy(float)
        data[f"{ep}_status"] = pts[f"{ep}_event"].to_numpy(float)
    data = data.dropna()
    print(f"n = {len(data)} included patients, {data.x.nunique()} distinct rule values; "
          f"PFS events {int(data.pfs_status.sum())}, OS events {int(data.os_status.sum())}")

    # The synthetic effect is huge (every p is 0); the null copy, outcomes shuffled, is where
    # R's condMC stops early in its loop over cuts, its fastest case.
    shuffle = np.random.default_rng(5).permutation(len(data))
    null = data.copy()
    for col in ("pfs_time", "pfs_status", "os_time", "os_status"):
        null[col] = data[col].to_numpy()[shuffle]
    for label, frame in (("synthetic", data), ("null: outcomes shuffled", null)):
        _compare(label, frame, args.permutations, args.repeat)

    def grid() -> dict:
        return two_way_maps(cohort, settings, permutations=args.permutations, seed=0)

    best, median, maps = _timed(grid, max(3, args.repeat // 2))
    m = maps["pfs"]
    print(f"\nours  two_way_maps {m.cutoffs.size} cutoffs × {m.min_fragments.size} min-fragment "
          f"rows × PFS + OS, {args.permutations} permutations, with HR: min {best * 1e3:.1f} ms, "
          f"median {median * 1e3:.1f} ms (target ≤ 150 ms)")
    for ep, g in maps.items():
        print(f"      {ep}: max statistic {g.max_statistic:.3f} at ≥ {g.best_cutoff:g} %, "
              f"≥ {g.best_min_fragments} fragments; {g.n_cells} cells; adjusted p "
              f"{g.adjusted_p:.4g}")
    best0, _, _ = _timed(lambda: two_way_maps(cohort, settings, permutations=0),
                         max(3, args.repeat // 2))
    c, rows = m.cutoffs, m.min_fragments
    best_hr, _, _ = _timed(lambda: _hazard_ratios(cohort, settings, ("pfs", "os"), c, rows, 5,
                                                  features), max(3, args.repeat // 2))
    print(f"      of which: without permutations {best0 * 1e3:.1f} ms (hazard-ratio sweeps "
          f"{best_hr * 1e3:.1f} ms); permutations {(best - best0) * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
