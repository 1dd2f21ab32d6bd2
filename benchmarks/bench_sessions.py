"""Many concurrent browser sessions against one dashboard server on 127.0.0.1: sessions held,
rerun time after a cutoff change (median and 95th percentile), peak server memory.

    python benchmarks/bench_sessions.py [--sessions 8 16 24] [--waves 1]

Each session is a real headless Chromium context (Debian's /usr/bin/chromium) that uploads its
own synthetic cohort, lowers the cutoff twice and reads the Cohort and Patient pages; the
isolation checks of tests/test_sessions_load.py run on every wave (its driver is reused here).
A rerun is timed from the key press on the cutoff slider to the page settled with the new
groups, as the user sees it; two per session. Traffic goes to 127.0.0.1 only, and each size is
one bounded wave on a fresh server.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from synthetic import ROOT  # noqa: F401  (puts the repository on sys.path)

from tests.test_sessions_load import describe, run_waves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[8, 16, 24])
    parser.add_argument("--waves", type=int, default=1)
    args = parser.parse_args()
    print(f"{'sessions':>8} {'held':>5} {'wave s':>7} {'p50 s':>6} {'p95 s':>6} {'max s':>6}"
          f" {'peak RSS MiB':>13} {'settled MiB':>12}")
    for n in args.sessions:
        with tempfile.TemporaryDirectory() as folder:
            stats = run_waves(Path(folder), n, waves=args.waves)
        for s in stats:
            print(f"{s.sessions:>8} {s.sessions_held:>5} {s.seconds:>7.1f}"
                  f" {s.percentile(50):>6.2f} {s.percentile(95):>6.2f} {max(s.rerun_s):>6.2f}"
                  f" {s.peak_rss / 2**20:>13.0f} {s.settled_rss / 2**20:>12.0f}", flush=True)
        print(describe(stats), flush=True)


if __name__ == "__main__":
    main()
