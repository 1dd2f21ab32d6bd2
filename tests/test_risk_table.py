"""The risk table as clinicians publish it: number at risk, cumulative events and cumulative
censored, against R (``tests/golden/risk_table.R`` → ``risk_table_r.json``), a hand-made case,
the display frame and the KM figure's extended rows.

R's reference (survival 3.5.3)::

    s <- summary(survfit(Surv(time, status) ~ homo), times = grid, extend = TRUE)
    s$n.risk; cumsum(s$n.event); cumsum(s$n.censor)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2dash import survival as sv
from her2dash.analysis import analyze
from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
from her2dash.demo import load_demo
from her2dash.figures.km import km_figure
from her2dash.settings import Settings
from her2dash.suppress import Suppression
from her2dash.tables.survival import (
    AT_RISK,
    CUM_CENSORED,
    CUM_EVENTS,
    RISK_ROW,
    risk_rows,
    risk_table_frame,
)

GOLDEN = Path(__file__).resolve().parent / "golden"
R = json.loads((GOLDEN / "risk_table_r.json").read_text(encoding="utf-8"))
KEYS = {"overall": sv.OVERALL, "0": HETEROGENEOUS, "1": HOMOGENEOUS}


def _r(values: object) -> np.ndarray:
    return np.atleast_1d(np.asarray(values, dtype=float))


CASES = [pytest.param(c, e, g, id=f"{c}-{e}-{g}") for c in R["cohorts"] for e in ("pfs", "os")
         for g in ("every3", "off_grid")]


@pytest.mark.parametrize(("cohort", "endpoint", "grid"), CASES)
def test_risk_table_matches_r_summary_survfit(cohort, endpoint, grid):
    """Counts are integers: exact equality, for every group, on both grids."""
    data = R["cohorts"][cohort]["input"]
    t, e = _r(data[f"{endpoint}_time"]), _r(data[f"{endpoint}_status"])
    homo = _r(data["homo"])
    r = R["cohorts"][cohort][endpoint][grid]
    res = sv.endpoint_survival(t, e, homo, endpoint=endpoint, risk_times=_r(r["grid"]))
    expected = {"overall": r["overall"], **r["by_homo"]}
    for key, rk in expected.items():
        table = res.risk_table[KEYS[key]]
        np.testing.assert_array_equal(table.time, _r(rk["time"]))
        np.testing.assert_array_equal(table.n_risk, _r(rk["n_risk"]), err_msg=key)
        np.testing.assert_array_equal(table.cum_events, _r(rk["cum_events"]), err_msg=key)
        np.testing.assert_array_equal(table.cum_censored, _r(rk["cum_censored"]), err_msg=key)


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_demo_risk_table_matches_r_from_the_raw_files(endpoint):
    """The page's numbers for the demo at the paper's definition: R classified the patients
    from data/demo/fragments.csv itself (every tumour fragment 100 % positive = Homo-HER2)."""
    assert (R["demo"]["n"], R["demo"]["n_homogeneous"]) == (87, 34)
    cohort, _ = load_demo()
    survival = analyze(cohort, Settings()).endpoints[endpoint].survival
    r = R["demo"][endpoint]["every3"]
    for key, rk in {"overall": r["overall"], **r["by_homo"]}.items():
        table = survival.risk_table[KEYS[key]]
        np.testing.assert_array_equal(table.time, _r(rk["time"]))
        np.testing.assert_array_equal(table.n_risk, _r(rk["n_risk"]))
        np.testing.assert_array_equal(table.cum_events, _r(rk["cum_events"]))
        np.testing.assert_array_equal(table.cum_censored, _r(rk["cum_censored"]))


def test_hand_computed_risk_table_with_an_event_on_a_grid_time():
    """Times 1 2 3 3 5 8, events 1 0 1 1 0 1, grid 0 3 6 9.
    At 3: at risk = time ≥ 3 → 4 (3, 3, 5, 8); events ≤ 3 → 3 (1, 3, 3); censored ≤ 3 → 1 (2).
    The two events at 3 are in both rows, so 4 + 3 + 1 = 8 > 6 patients (R does the same).
    At 9, past the last time: 0 at risk, 4 events, 2 censored in all."""
    table = sv.risk_table([1, 2, 3, 3, 5, 8], [1, 0, 1, 1, 0, 1], [0, 3, 6, 9])
    np.testing.assert_array_equal(table.n_risk, [6, 4, 1, 0])
    np.testing.assert_array_equal(table.cum_events, [0, 3, 3, 4])
    np.testing.assert_array_equal(table.cum_censored, [0, 1, 2, 2])


@pytest.fixture(scope="module")
def demo_pfs():
    cohort, _ = load_demo()
    result = analyze(cohort, Settings()).endpoints["pfs"]
    return result.survival, result.hazard_ratio


def test_extended_risk_table_frame_is_the_cores_numbers(demo_pfs):
    survival, _ = demo_pfs
    frame = risk_table_frame(survival, cumulative=True)
    assert list(frame.columns[:2]) == ["Group", RISK_ROW]
    assert frame[RISK_ROW].tolist()[:3] == [AT_RISK, CUM_CENSORED, CUM_EVENTS]
    homo = frame[frame["Group"] == "Homo-HER2"].set_index(RISK_ROW)
    core = survival.risk_table[HOMOGENEOUS]
    assert homo.loc[AT_RISK].iloc[1:].tolist() == [str(v) for v in core.n_risk]
    assert homo.loc[CUM_EVENTS].iloc[1:].tolist() == [str(v) for v in core.cum_events]
    assert homo.loc[CUM_CENSORED].iloc[1:].tolist() == [str(v) for v in core.cum_censored]
    # The demo's Homo-HER2 arm at 27 months: 1 at risk, 28 events, 5 censored (R above).
    assert (homo.loc[AT_RISK, "27"], homo.loc[CUM_EVENTS, "27"],
            homo.loc[CUM_CENSORED, "27"]) == ("1", "28", "5")
    # Without the toggle: the number at risk only, one row per group, as before.
    plain = risk_table_frame(survival)
    assert RISK_ROW not in plain.columns and len(plain) == 3
    pd.testing.assert_frame_equal(
        plain.set_index("Group"),
        frame[frame[RISK_ROW] == AT_RISK].drop(columns=RISK_ROW).set_index("Group"))


def _rows(fig, role: str) -> list:
    return [t for t in fig.data if (t.meta or {}).get("role") == role]


def test_km_figure_adds_censored_and_events_rows_per_arm(demo_pfs):
    survival, hr = demo_pfs
    plain = km_figure(survival, hr)
    full = km_figure(survival, hr, risk_counts=True)
    assert len(_rows(plain, "at_risk")) == 2 and not _rows(plain, "events")
    assert len(_rows(full, "censored")) == len(_rows(full, "events")) == 2
    homo_events = next(t for t in _rows(full, "events") if t.meta["group"] == HOMOGENEOUS)
    assert list(homo_events.text) == [str(v) for v in survival.risk_table[HOMOGENEOUS].cum_events]
    # Rows are grouped per arm: at risk, censored, events of Homo-HER2, then Hetero-HER2.
    order = [(t.meta["group"], t.meta["role"]) for t in full.data
             if t.meta["role"] in ("at_risk", "censored", "events")]
    assert order == [(HOMOGENEOUS, "at_risk"), (HOMOGENEOUS, "censored"),
                     (HOMOGENEOUS, "events"), (HETEROGENEOUS, "at_risk"),
                     (HETEROGENEOUS, "censored"), (HETEROGENEOUS, "events")]
    # The figure grows by the extra rows, so the curves keep their height.
    assert full.layout.height > plain.layout.height == 640
    curve_px = [f.layout.height * (f.layout.yaxis.domain[1] - f.layout.yaxis.domain[0])
                for f in (plain, full)]
    assert abs(curve_px[0] - curve_px[1]) < 0.06 * curve_px[0]
    assert "cumulative" in next(a.text for a in full.layout.annotations
                                if a.name == "risk_heading")


def test_km_figure_risk_rows_under_suppression(demo_pfs):
    survival, hr = demo_pfs
    s = Suppression()
    fig = km_figure(survival, hr, risk_counts=True, suppression=s)
    texts = [x for t in fig.data if (t.meta or {}).get("role") in ("at_risk", "censored",
                                                                   "events") for x in t.text]
    assert "<5" in texts and not {"1", "2", "3", "4"} & set(texts)
    expected = risk_rows(survival, (HOMOGENEOUS, HETEROGENEOUS), cumulative=True, suppression=s)
    assert [t for _, _, row in expected for t in row] == texts
