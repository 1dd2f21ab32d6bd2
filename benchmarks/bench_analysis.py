"""A full analysis (every statistic of ``python -m her2dash analyze``), and the same work done
with plain lifelines / scipy calls, on the demo cohort and on a large synthetic cohort.

    python benchmarks/bench_analysis.py [--patients 100000] [--repeat 3]

Targets (issue 3): demo cohort under 50 ms; 100,000 patients under 2 s; no slower than plain
lifelines. The lifelines side fits what the paper needs from it (KM per group and overall for PFS
and OS with medians and landmarks, log-rank, univariable/multivariable/stratified Cox, the
proportional-hazards test) and the scipy tests of Table 1/3; it is the fair baseline a user
would otherwise write, not a line-by-line equivalent (it lacks R's log band, R's median rule and
the exact 2×k Fisher test).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
from synthetic import best_time, csv_files  # also puts the repository on sys.path

from her2dash.analysis import analyze
from her2dash.classify import HOMOGENEOUS, classify
from her2dash.cohort import Cohort
from her2dash.covariates import covariate_frame
from her2dash.demo import load_demo
from her2dash.settings import Settings
from her2dash.validate import load_cohort


def plain_lifelines(cohort: Cohort, settings: Settings) -> None:
    """What the analysis does, written directly against lifelines and scipy."""
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test, proportional_hazard_test
    from scipy import stats

    result = classify(cohort, settings)
    pts = cohort.patients.loc[result.included.index]
    homo = (result.included["group"] == HOMOGENEOUS).to_numpy()
    cov, found = covariate_frame(pts, cohort.covariates)
    dummies = pd.get_dummies(cov[[c.name for c in found if c.kind == "categorical"]],
                             drop_first=True, dtype=float)
    for endpoint in ("pfs", "os"):
        t = pts[f"{endpoint}_months"].to_numpy(float)
        e = pts[f"{endpoint}_event"].to_numpy(float)
        for mask in (homo, ~homo, np.ones_like(homo)):
            km = KaplanMeierFitter().fit(t[mask], e[mask])
            _ = km.median_survival_time_, km.survival_function_at_times([6, 12, 24])
        _ = KaplanMeierFitter().fit(t, 1 - e).median_survival_time_
        logrank_test(t[homo], t[~homo], e[homo], e[~homo])
        df = pd.DataFrame({"t": t, "e": e, "homo": homo.astype(float)})
        CoxPHFitter().fit(df, "t", "e")
        for col in dummies.columns:
            CoxPHFitter().fit(df.assign(x=dummies[col].to_numpy()), "t", "e")
        adj = [c for c in dummies.columns if c.startswith(("age_group", "platinum"))]
        multi = df.join(dummies[adj].set_axis(df.index))
        cph = CoxPHFitter().fit(multi, "t", "e")
        proportional_hazard_test(cph, multi, time_transform="km")
        CoxPHFitter().fit(multi, "t", "e", strata=adj)
        stats.spearmanr(result.included["n_fragments"].to_numpy()[homo], t[homo])
        stats.spearmanr(result.included["n_fragments"].to_numpy()[~homo], t[~homo])
    resp = pts["best_response"].astype(str).to_numpy()
    ev = resp != "NE"
    for success in (("CR", "PR"), ("CR", "PR", "SD")):
        ok = np.isin(resp, success)
        table = [[(ok & ev & homo).sum(), (~ok & ev & homo).sum()],
                 [(ok & ev & ~homo).sum(), (~ok & ev & ~homo).sum()]]
        stats.fisher_exact(table)
        stats.contingency.odds_ratio(table, kind="conditional").confidence_interval()
        for m in (homo, ~homo):
            stats.binomtest(int((ok & ev & m).sum()), int((ev & m).sum())).proportion_ci()
    change = pts["best_pct_change"].to_numpy(float)
    has = ~np.isnan(change)
    stats.mannwhitneyu(change[has & ~homo], change[has & homo], method="asymptotic")
    for c in found:
        x = cov[c.name]
        if c.kind == "continuous":
            v = x.to_numpy(float)
            ok = ~np.isnan(v)
            stats.mannwhitneyu(v[ok & ~homo], v[ok & homo], method="asymptotic")
        else:
            table = pd.crosstab(x, homo).to_numpy()
            if table.shape == (2, 2):
                stats.fisher_exact(table)
            else:
                stats.chi2_contingency(table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    settings = Settings()
    demo, _ = load_demo()
    analyze(demo, settings)  # warm imports and caches
    t_demo = best_time(lambda: analyze(demo, settings), args.repeat * 5)
    t_demo_ll = best_time(lambda: plain_lifelines(demo, settings), args.repeat)
    print(f"demo (87 patients): her2dash analyze {1000 * t_demo:.1f} ms; plain lifelines/scipy "
          f"{1000 * t_demo_ll:.1f} ms; ratio {t_demo_ll / t_demo:.1f}x")
    files = csv_files(args.patients)
    big, report = load_cohort(files)
    assert big is not None, [i.describe() for i in report.errors[:5]]
    t_big = best_time(lambda: analyze(big, settings), args.repeat)
    t_big_ll = best_time(lambda: plain_lifelines(big, settings), 1)
    print(f"{big.n_patients:,} patients: her2dash analyze {t_big:.3f} s; plain lifelines/scipy "
          f"{t_big_ll:.3f} s; ratio {t_big_ll / t_big:.1f}x")


if __name__ == "__main__":
    main()
