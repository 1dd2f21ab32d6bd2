"""Ingest + validate + classify a large synthetic cohort; the foundation's speed target.

    python benchmarks/bench_ingest_classify.py [--patients 100000] [--repeat 3]

Target (issue 2): under 2 s for 100,000 patients / ~400,000 fragments on a 2-core machine.
The cohort is generated in memory (synthetic, data/generate_demo.py) and passed as CSV bytes,
so the time includes decoding, delimiter sniffing, parsing, validation and accounting.
"""

from __future__ import annotations

import argparse
import time

from synthetic import csv_files  # also puts the repository on sys.path

from her2dash.classify import classify, patient_features
from her2dash.settings import Settings
from her2dash.validate import load_cohort


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = csv_files(args.patients)
    mb = sum(len(f.data) for f in files) / 1e6
    lines = [f.data.count(b"\n") - 1 for f in files]
    print(f"{lines[0]:,} patients, {lines[1]:,} fragments, {mb:.1f} MB of CSV")
    timings = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        cohort, report = load_cohort(files)
        t1 = time.perf_counter()
        assert cohort is not None, [i.describe() for i in report.errors[:5]]
        result = classify(cohort, Settings())
        t2 = time.perf_counter()
        timings.append((t1 - t0, t2 - t1))
    best_load, best_classify = min(timings, key=sum)
    print(f"ingest + validate: {best_load:.3f} s; classify: {best_classify:.4f} s; "
          f"total {best_load + best_classify:.3f} s (best of {args.repeat})")
    print(f"groups: {result.n_homogeneous:,} homogeneous, {result.n_heterogeneous:,} "
          f"heterogeneous; {len(report.accounting):,} rows accounted for")
    features = patient_features(cohort)
    t0 = time.perf_counter()
    for cutoff in range(101):
        classify(cohort, Settings(cutoff_pct=float(cutoff)), features=features)
    print(f"re-classify at 101 cutoffs with cached features: {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
