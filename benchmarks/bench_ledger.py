"""The exploration ledger's adjusted p: 20 explored settings × 1,000 permutations on the demo.

    python benchmarks/bench_ledger.py [--permutations 1000] [--repeat 5] [--n 0]

The 20 settings are 10 cutoffs (100, 90, …, 10 %) × PFS and OS, as a user moving the slider
on both endpoints would collect them. Timed: ``adjusted_p`` (classification of every entry, the
observed statistics, and the permutations), best of ``--repeat`` after a warm-up; and, for
scale, ``ledger_table`` (each entry's log-rank and Cox HR). Target: adjusted p < 1 s.
``--n 100000`` times a synthetic cohort of that size instead of the demo.
"""

from __future__ import annotations

import argparse

from synthetic import best_time, csv_files  # also puts the repository on sys.path

from her2dash.demo import load_demo
from her2dash.ledger import adjusted_p, ledger_of, ledger_table
from her2dash.settings import Settings
from her2dash.validate import load_cohort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--permutations", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n", type=int, default=0, help="synthetic patients (0: the demo)")
    args = parser.parse_args()
    if args.n:
        cohort, _ = load_cohort(csv_files(args.n))
        assert cohort is not None
        name = f"synthetic {args.n:,}"
    else:
        cohort, _ = load_demo()
        name = "demo"
    ledger = ledger_of(Settings(cutoff_pct=float(c), endpoint=e)
                       for c in range(100, 0, -10) for e in ("pfs", "os"))
    result = adjusted_p(cohort, ledger, args.permutations, seed=0)  # warm-up
    seconds = best_time(lambda: adjusted_p(cohort, ledger, args.permutations, seed=0),
                        args.repeat)
    table = best_time(lambda: ledger_table(cohort, ledger), args.repeat)
    print(f"{name} ({cohort.n_patients:,} patients), {len(ledger)} settings, "
          f"{args.permutations:,} permutations")
    print(f"  adjusted_p   best of {args.repeat}: {seconds:.3f} s  (target < 1 s)  "
          f"family p = {result.family_p:.4f}, max chi-square {result.max_statistic:.2f}")
    print(f"  ledger_table best of {args.repeat}: {table:.3f} s")


if __name__ == "__main__":
    main()
