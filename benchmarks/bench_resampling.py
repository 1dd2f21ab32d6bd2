"""The "how many biopsies" simulator on the demo cohort: B = 200 draws at every k (1 … 8
fragments), both endpoints, the exact change rates and the one-fragment-fewer table.

    python benchmarks/bench_resampling.py [--repeat 5] [--draws 200]

Target (issue 11): under 1 s on the 2-core reference machine. The time is the whole
:func:`her2dash.resampling.resample` call from the cohort (classification, draws, one
pseudo-cohort classification, the exact enumeration, the batched log-rank / Efron Cox of all
k × B draws per endpoint, leave-one-out), best of ``--repeat``; then the same draws' hazard
ratios as a loop of single :func:`her2dash.cox.hazard_ratio` fits, for scale.
"""

from __future__ import annotations

import argparse

from synthetic import best_time  # also puts the repository on sys.path

from her2dash.classify import HOMOGENEOUS, classify
from her2dash.cox import hazard_ratio
from her2dash.demo import load_demo
from her2dash.resampling import draw_groups, resample
from her2dash.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--draws", type=int, default=200)
    args = parser.parse_args()
    cohort, _ = load_demo()
    settings = Settings()
    result = resample(cohort, settings, n_draws=args.draws)
    ks = result.ks
    seconds = best_time(lambda: resample(cohort, settings, n_draws=args.draws), args.repeat)
    print(f"demo cohort, {cohort.n_patients} patients, B = {args.draws}, k = 1…{ks.max()}, "
          f"PFS + OS, exact = {result.exact}: {seconds * 1000:.0f} ms (best of {args.repeat}; "
          f"target < 1000 ms)")

    # For scale: the PFS hazard ratios of the same draws, one single fit each.
    _, groups = draw_groups(cohort, settings, n_draws=args.draws)
    inc = classify(cohort, settings).included
    t = cohort.patients.loc[inc.index, "pfs_months"].to_numpy(float)
    e = cohort.patients.loc[inc.index, "pfs_event"].to_numpy(float)

    def loop() -> None:
        for by_k in groups:
            for g in by_k:
                hazard_ratio(t, e, g == HOMOGENEOUS)

    loop_seconds = best_time(loop, 1)
    print(f"the same {groups.shape[0] * groups.shape[1]} PFS fits one at a time "
          f"(her2dash.cox.hazard_ratio): {loop_seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
