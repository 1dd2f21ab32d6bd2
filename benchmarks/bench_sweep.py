"""The cutoff sweep (101 cutoffs, PFS and OS) against a per-cutoff loop in lifelines and in R.

    python benchmarks/bench_sweep.py [--repeat 5] [--big 100000]

Targets (issue 9): demo cohort ≤ 10 ms; 1,000 patients ≤ 30 ms; 100,000 ≤ 0.5 s; at 1,000
patients ≥ 50× faster than the R loop and ≥ 500× faster than the lifelines loop. Our time is
the whole :func:`her2dash.sweep.sweep` call from the cohort (fragment features, groups,
log-rank, Cox HR/CI/Wald and LR p, medians, ORR with Fisher p), best of ``--repeat``.

The loops do per cutoff what a user would write: lifelines ``KaplanMeierFitter`` per group
(median), ``logrank_test`` and ``CoxPHFitter`` (Efron) for PFS and OS; R
``benchmarks/sweep_loop.R``, ``survdiff`` + ``coxph`` + ``survfit`` (medians) for PFS and OS and
``fisher.test`` for ORR, timed inside R with ``proc.time`` on the same patients (a CSV written
here). Where a loop would take minutes (lifelines at 100,000, R at 100,000) it is timed on a few
evenly spaced cutoffs and scaled to 101, marked "extrapolated". The last line is the peak
memory (tracemalloc) of the 100,000-patient sweep.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from synthetic import best_time, csv_files  # also puts the repository on sys.path

from her2dash.classify import patient_features, rule_values
from her2dash.cohort import Cohort
from her2dash.demo import load_demo
from her2dash.settings import Settings
from her2dash.sweep import cutoff_groups, default_cutoffs, sweep
from her2dash.validate import load_cohort

HERE = Path(__file__).resolve().parent
SETTINGS = Settings()  # the paper's rule, 2+/3+ positivity, no biopsy-count limit


def _patients_frame(cohort: Cohort) -> pd.DataFrame:
    """Included patients: the rule value and what each loop needs."""
    positions, _ = cutoff_groups(cohort, SETTINGS, np.array([100.0]))
    value = rule_values(patient_features(cohort, SETTINGS.positivity), SETTINGS.rule)
    p = cohort.patients.iloc[positions]
    resp = p["best_response"].astype(object).to_numpy()
    return pd.DataFrame({
        "value": value[positions],
        "pfs_time": p["pfs_months"].to_numpy(float), "pfs_event": p["pfs_event"].to_numpy(float),
        "os_time": p["os_months"].to_numpy(float), "os_event": p["os_event"].to_numpy(float),
        "orr": np.where(resp == "NE", np.nan, np.isin(resp, ("CR", "PR")).astype(float)),
    })


def _subset(cutoffs: np.ndarray, k: int | None) -> np.ndarray:
    if k is None or k >= cutoffs.size:
        return cutoffs
    return cutoffs[np.linspace(0, cutoffs.size - 1, k).round().astype(int)]


def lifelines_loop(frame: pd.DataFrame, cutoffs: np.ndarray) -> None:
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test

    for cut in cutoffs:
        homo = frame["value"].to_numpy() >= cut - 1e-9
        for ep in ("pfs", "os"):
            t, e = frame[f"{ep}_time"].to_numpy(), frame[f"{ep}_event"].to_numpy()
            if homo.all() or not homo.any():
                continue  # lifelines raises on a constant covariate; R's loop carries on too
            for mask in (homo, ~homo):
                _ = KaplanMeierFitter().fit(t[mask], e[mask]).median_survival_time_
            logrank_test(t[homo], t[~homo], e[homo], e[~homo])
            df = pd.DataFrame({"t": t, "e": e, "homo": homo.astype(float)})
            CoxPHFitter().fit(df, "t", "e")


def r_loop(frame: pd.DataFrame, cutoffs: np.ndarray, workdir: Path) -> float | None:
    """Seconds R reports for the loop over ``cutoffs``; None without Rscript."""
    if shutil.which("Rscript") is None:
        return None
    path = workdir / f"patients_{len(frame)}.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    out = subprocess.run(
        ["Rscript", str(HERE / "sweep_loop.R"), str(path), ",".join(f"{c:g}" for c in cutoffs)],
        check=True, capture_output=True, text=True).stdout
    return float(out.split()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--big", type=int, default=100_000)
    ap.add_argument("--lifelines-cutoffs-big", type=int, default=3)
    ap.add_argument("--r-cutoffs-big", type=int, default=6)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    cutoffs = default_cutoffs(1.0)
    demo, _ = load_demo()
    cohorts = [("demo", demo)]
    for n in (1000, args.big):
        cohort, report = load_cohort(csv_files(n))
        assert cohort is not None, [i.describe() for i in report.errors[:5]]
        cohorts.append((f"{n:,}", cohort))

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, cohort in cohorts:
            big = cohort.n_patients > 10_000
            sweep(cohort, SETTINGS)  # warm imports
            ours = best_time(lambda c=cohort: sweep(c, SETTINGS), args.repeat)
            frame = _patients_frame(cohort)
            ll_cuts = _subset(cutoffs, args.lifelines_cutoffs_big if big else None)
            ll = best_time(lambda f=frame, c=ll_cuts: lifelines_loop(f, c), 1)
            ll *= cutoffs.size / ll_cuts.size
            r_cuts = _subset(cutoffs, args.r_cutoffs_big if big else None)
            r = r_loop(frame, r_cuts, Path(tmp))
            r = None if r is None else r * cutoffs.size / r_cuts.size
            rows.append((name, cohort.n_patients, ours, ll, ll_cuts.size < cutoffs.size, r,
                         r_cuts.size < cutoffs.size))

    print(f"sweep of {cutoffs.size} cutoffs × PFS + OS ({SETTINGS.rule} rule), "
          f"{os.cpu_count()} CPUs; best of {args.repeat} for her2dash")
    head = f"{'cohort':>8} {'her2dash':>10} {'lifelines loop':>20} {'ratio':>8} " \
           f"{'R loop':>20} {'ratio':>8}"
    print(head)
    print("-" * len(head))
    for name, _n, ours, ll, ll_x, r, r_x in rows:
        ll_text = f"{ll:.2f} s" + (" (extrap.)" if ll_x else "")
        r_text = "n/a" if r is None else f"{r:.2f} s" + (" (extrap.)" if r_x else "")
        r_ratio = "n/a" if r is None else f"{r / ours:.0f}×"
        print(f"{name:>8} {1000 * ours:>7.1f} ms {ll_text:>20} {ll / ours:>7.0f}× "
              f"{r_text:>20} {r_ratio:>8}")

    big_cohort = cohorts[-1][1]
    features = patient_features(big_cohort, SETTINGS.positivity)
    tracemalloc.start()
    sweep(big_cohort, SETTINGS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    sweep(big_cohort, SETTINGS, features=features)
    _, peak_given = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory of the {big_cohort.n_patients:,}-patient sweep (tracemalloc): "
          f"{peak / 2**20:.1f} MiB ({peak_given / 2**20:.1f} MiB with the fragment features "
          f"given)")


if __name__ == "__main__":
    main()
