"""Server-side time of a dashboard rerun after a cutoff change, page by page (Streamlit AppTest:
the script run the server does for a browser, without the network and the drawing).

    python benchmarks/bench_pages.py [--patients 100000] [--repeat 3]

Targets (issue 4): under 150 ms per page on the demo cohort; under 2 s on 100,000 patients. Each
measurement moves the rule and cutoff to a pair not seen before, so nothing is served from the
result cache; the first run on a page (imports, page compilation) is not counted.
"""

from __future__ import annotations

import argparse
import time

from synthetic import ROOT, csv_files  # also puts the repository on sys.path

from her2dash.validate import load_cohort

PAGES = ["cohort", "survival", "response", "baseline", "cox", "biopsy_count", "specimens",
         "upload"]


def _app():
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    # As in tests/conftest.py: AppTest would otherwise run pages/ files without app.py.
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)


def _fresh_settings():
    """(rule, cutoff) pairs never used before in this process, so each timed rerun computes:
    the session's result cache would otherwise serve a setting another page already saw."""
    for rule in ("every-fragment", "pooled", "fragment-share"):
        for cutoff in range(100, -1, -5):
            yield rule, float(cutoff)


_SETTINGS = _fresh_settings()


def measure(cohort, report, repeat: int) -> dict[str, float]:
    out = {}
    for page in PAGES:
        at = _app()
        if cohort is not None:
            at.session_state["cohort"] = cohort
            at.session_state["report"] = report
        at.run()
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        times = []
        for _ in range(repeat):
            rule, cutoff = next(_SETTINGS)
            at.selectbox(key="sidebar.rule").set_value(rule)
            at.slider(key="sidebar.cutoff").set_value(cutoff)
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
            assert not at.exception, (page, at.exception)
        out[page] = min(times)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    demo = measure(None, None, args.repeat)
    print("demo cohort (87 patients), rerun after a cutoff change, best of", args.repeat)
    for page, t in demo.items():
        print(f"  {page:14s} {1000 * t:7.1f} ms")
    if args.patients:
        big, report = load_cohort(csv_files(args.patients))
        assert big is not None, [i.describe() for i in report.errors[:5]]
        large = measure(big, report, args.repeat)
        print(f"{big.n_patients:,} patients, rerun after a cutoff change, best of", args.repeat)
        for page, t in large.items():
            print(f"  {page:14s} {t:7.3f} s")


if __name__ == "__main__":
    main()
