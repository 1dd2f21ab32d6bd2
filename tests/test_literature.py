"""The literature registry holds the seed paper's numbers as printed, the comparison reads the
cohort's estimates out of analyze(), and the definitions check says in words when a comparison
is not like for like (her2dash/literature.py, tables/literature.py, figures/literature.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from her2dash import literature as lit
from her2dash.analysis import analyze
from her2dash.classify import classify
from her2dash.demo import load_demo
from her2dash.figures.literature import (
    COHORT_COLOUR,
    COHORT_NAME,
    PUBLISHED_NAME,
    RANGE_NAME,
    literature_figure,
)
from her2dash.literature import PUBLISHED, YAGI_2019, compare
from her2dash.response import binomial_proportion
from her2dash.settings import Settings
from her2dash.tables.literature import (
    citation_text,
    comparison_frame,
    definitions_frame,
    literature_comparison,
)
from her2dash.validate import load_cohort
from tests.conftest import canonical_fragments, canonical_patients, csv_pair

# The seed text is never committed; it is read where the workplace keeps shared/ (beside the
# checkout in CI, /work/shared on a developer machine) and these checks skip without it.
_SEED_NAME = Path("shared", "seed", "yagi2019-her2-heterogeneity-biopsy.txt")
SEED = next((p for p in (Path(__file__).resolve().parents[2] / _SEED_NAME,
                         Path("/work") / _SEED_NAME) if p.exists()), Path("/work") / _SEED_NAME)
NR = None

# Typed from Yagi et al., Gastric Cancer 2019;22:518–525 (abstract, Results, Tables 2–4):
# key -> (estimate, interval low, interval high, n, successes). None in a bound = not reached.
AS_PRINTED = {
    "yagi2019.heterogeneity_rate": (60.9, None, None, 87, 53),
    "ahn2015.heterogeneity_rate": (61.5, None, None, None, None),
    "yagi2019.heterogeneity_rate_range": (None, 39.0, 75.4, None, None),
    "yagi2019.median_pfs.homogeneous": (10.8, 6.9, 19.4, 34, None),
    "yagi2019.median_pfs.surgical.homogeneous": (20.0, 17.8, 22.2, None, None),
    "yagi2019.median_pfs.heterogeneous": (6.1, 5.3, 8.2, 53, None),
    "yagi2019.median_pfs.surgical.heterogeneous": (6.0, 2.3, 9.7, None, None),
    "yagi2019.median_pfs.overall": (7.6, 5.9, 9.5, 87, None),
    "yagi2019.median_os.homogeneous": (29.3, 20.5, NR, 34, None),
    "yagi2019.median_os.surgical.homogeneous": (NR, None, None, None, None),
    "yagi2019.median_os.heterogeneous": (14.4, 11.4, 17.8, 53, None),
    "yagi2019.median_os.surgical.heterogeneous": (14.0, 11.9, 16.1, None, None),
    "yagi2019.median_os.overall": (17.8, 14.4, 21.7, 87, None),
    "yagi2019.hr_pfs": (0.469, 0.29, 0.77, 87, None),
    "yagi2019.hr_os": (0.352, 0.20, 0.61, 87, None),
    "yagi2019.hr_pfs_adjusted": (0.43, 0.25, 0.74, 87, None),
    "yagi2019.hr_os_adjusted": (0.36, 0.20, 0.63, 87, None),
    "yagi2019.orr.homogeneous": (85.2, 66.3, 95.8, 27, 23),
    "yagi2019.orr.heterogeneous": (58.1, 42.1, 73.0, 43, 25),
    "yagi2019.orr.overall": (68.6, None, None, 70, 48),
    "yagi2019.orr.trials_range": (None, 47.0, 82.1, None, None),
    "yagi2019.dcr.overall": (87.1, None, None, 70, 61),
    "yagi2019.orr_odds_ratio": (4.06, 1.110, 18.961, 70, None),
    "yagi2019.depth.homogeneous": (-49.0, -76.0, -32.5, None, None),
    "yagi2019.depth.heterogeneous": (-40.0, -55.0, -2.0, None, None),
}


@pytest.fixture(scope="module")
def demo():
    return load_demo()[0]


@pytest.fixture(scope="module")
def paper(demo):
    return compare(analyze(demo, Settings()))


def _row(comparison, key):
    return next(r for r in comparison.rows if r.published.key == key)


def _frame_row(frame, quantity, source_start):
    rows = frame[(frame["Quantity"] == quantity) & frame["Source"].str.startswith(source_start)]
    assert len(rows) == 1, (quantity, source_start)
    return rows.iloc[0]


# --- the registry ------------------------------------------------------------------------

def test_registry_holds_the_papers_numbers_as_typed():
    got = {}
    for p in PUBLISHED:
        low = high = None
        if p.interval is not None:
            low, high = p.interval.low, p.interval.high
        got[p.key] = (p.estimate, low, high, p.n, p.successes)
    assert got == AS_PRINTED


def test_registry_values_are_well_formed():
    keys = [p.key for p in PUBLISHED]
    assert len(keys) == len(set(keys))
    for p in PUBLISHED:
        assert p.quantity in lit.UNITS
        if p.successes is not None:  # a rate's printed % is its count over its denominator
            assert round(100 * p.successes / p.n, 1) == p.estimate, p.key
        if p.interval is not None and p.interval.low is not None and p.estimate is not None:
            high = p.interval.high if p.interval.high is not None else float("inf")
            assert p.interval.low <= p.estimate <= high, p.key
        # A number from another paper's text names both papers.
        if p.citation is not YAGI_2019:
            assert p.reported_in is YAGI_2019, p.key
    # The seed paper's heterogeneity rate is 53 of 87, not the "33 patients (39.1 %)" typo.
    rate = next(p for p in PUBLISHED if p.key == "yagi2019.heterogeneity_rate")
    assert (rate.successes, rate.n) == (53, 87) and "34" in rate.note


def test_citations_are_those_confirmed_and_nothing_more():
    assert citation_text(YAGI_2019).endswith(
        "Gastric Cancer. 2019;22(3):518–525. doi:10.1007/s10120-018-0887-x")
    assert lit.AHN_2015.doi == "10.18632/oncotarget.5368"
    assert citation_text(lit.AHN_2015).startswith("Ahn S, Ahn S, Van Vrancken M, et al. Ideal "
                                                  "number of biopsy tumor fragments")
    # The 2026 T-DXd study: a definition only, with no unconfirmed author, title or number.
    assert lit.TDXD_2026.authors is None and lit.TDXD_2026.title is None
    assert lit.TDXD_2026.doi == "10.1007/s10120-026-01736-9"
    assert citation_text(lit.TDXD_2026) == ("Gastric Cancer. 2026. doi:10.1007/s10120-026-01736-9"
                                           " (Authors and title not confirmed here.)")
    assert all(p.citation is not lit.TDXD_2026 for p in PUBLISHED)
    tdxd = next(d for d in lit.DEFINITIONS if d.key == "tdxd2026")
    assert tdxd.definition.cutoff_pct == 79.0 and tdxd.definition.positivity == "2+"


def _normalise(text: str) -> str:
    # Line breaks and double spaces of the PDF text go; "− 49.0" (minus, space) reads -49.0.
    return re.sub(r"\s+", " ", text).replace("− ", "-").replace("−", "-")


def _printed(x: float) -> str:
    return f"{x:g}"


@pytest.mark.skipif(not SEED.exists(), reason="the seed text is not on this machine")
def test_every_seed_value_is_quoted_from_the_seed_text():
    text = _normalise(SEED.read_text(encoding="utf-8"))
    for p in PUBLISHED:
        if YAGI_2019 not in (p.citation, p.reported_in):
            continue
        quote = _normalise(p.quote)
        assert quote in text, p.key
        numbers = [p.estimate] + ([] if p.interval is None else [p.interval.low, p.interval.high])
        for x in numbers:
            if x is not None:
                assert _printed(x) in quote, (p.key, x, quote)


@pytest.mark.skipif(not SEED.exists(), reason="the seed text is not on this machine")
def test_seed_text_parsed_independently_of_the_quotes():
    """Read the key numbers with patterns of the paper's own layout, not the registry's quotes."""
    text = _normalise(SEED.read_text(encoding="utf-8"))
    hr = dict(re.findall(r"(PFS|OS) \(\d+\.\d vs\. \d+\.\d months, HR (0\.\d+) 95% CI", text))
    assert float(hr["PFS"]) == AS_PRINTED["yagi2019.hr_pfs"][0]
    assert float(hr["OS"]) == AS_PRINTED["yagi2019.hr_os"][0]
    # Table 4: biopsy then surgical medians per row.
    pfs = re.search(r"mPFS Homo-HER2 ([\d.]+) \(95% CI ([\d.]+)–([\d.]+)\) ([\d.]+) \(95% CI "
                    r"([\d.]+)–([\d.]+)\) Hetero-HER2 ([\d.]+) \(95% CI ([\d.]+)–([\d.]+)\) "
                    r"([\d.]+) \(95% CI ([\d.]+)–([\d.]+)\)", text)
    assert pfs is not None
    numbers = [float(x) for x in pfs.groups()]
    assert numbers[3:6] == list(AS_PRINTED["yagi2019.median_pfs.surgical.homogeneous"][:3])
    assert numbers[9:12] == list(AS_PRINTED["yagi2019.median_pfs.surgical.heterogeneous"][:3])
    assert re.search(r"mOS Homo-HER2 29\.3 \(95% CI 20\.5–NR\) NR Hetero-HER2 14\.4 \(95% CI "
                     r"11\.4–17\.8\) 14\.0 \(95% CI 11\.9–16\.1\)", text)
    # Table 2's HER2-heterogeneity row and Table 3's ORR row.
    assert "No (34) 0.43 (0.25–0.74) 0.36 (0.20–0.63)" in text
    assert "ORR 25/43 (58.1) 23/27 (85.2)" in text
    assert "the rate of HER2 heterogeneity in this cohort was 60.9%" in text


# --- the comparison on the demo cohort ----------------------------------------------------

def test_demo_orr_rows_match_the_papers_table3(paper):
    frame = comparison_frame(paper)
    for group, text in (("Homo-HER2", "85.2 (66.3–95.8) · 23/27"),
                        ("Hetero-HER2", "58.1 (42.1–73.0) · 25/43")):
        row = _frame_row(frame, f"ORR, {group} (%)", "Yagi 2019")
        assert row["Your cohort (95 % CI)"] == text
        assert row["Published (as printed)"] == text
        assert row["Definitions"] == ("same definition (every-fragment ≥ 100 %, 2+/3+ "
                                      "positive, biopsy)")
    odds = _frame_row(frame, "Odds ratio of response, Homo-HER2 vs Hetero-HER2", "Yagi 2019")
    assert odds["Your cohort (95 % CI)"] == "4.06 (1.11–18.97) · n = 70"
    assert odds["Published (as printed)"] == "4.06 (1.110–18.961) · n = 70; p = 0.020"


def test_demo_heterogeneity_rate_is_53_of_87_with_rs_exact_interval(paper):
    value = _row(paper, "yagi2019.heterogeneity_rate").cohort
    assert (value.successes, value.n) == (53, 87)
    assert value.estimate == pytest.approx(100 * 53 / 87)
    # R: binom.test(53, 87)$conf.int -> 0.4986552927 0.7120793185
    assert value.interval.low == pytest.approx(49.86552927, abs=1e-7)
    assert value.interval.high == pytest.approx(71.20793185, abs=1e-7)
    p = binomial_proportion(53, 87)
    assert value.interval.low == pytest.approx(100 * p.ci.low)


def test_cohort_values_are_the_analysis_values(demo, paper):
    a = analyze(demo, Settings())
    pfs = a.endpoints["pfs"]
    assert _row(paper, "yagi2019.hr_pfs").cohort.estimate == pfs.hazard_ratio.estimate
    adjusted = next(t for t in pfs.multivariable.terms if t.covariate == "her2_group")
    assert _row(paper, "yagi2019.hr_pfs_adjusted").cohort.estimate == adjusted.hazard_ratio
    median = pfs.survival.medians["homogeneous"]
    row = _row(paper, "yagi2019.median_pfs.homogeneous").cohort
    assert (row.estimate, row.interval.low, row.interval.high) == (
        median.estimate, median.ci.low, median.ci.high)
    depth = _row(paper, "yagi2019.depth.heterogeneous").cohort
    assert (depth.estimate, depth.interval.kind) == (a.depth_of_response.heterogeneous.median,
                                                     "iqr")
    # Under the paper's settings every grouped row with the paper's definition is like for like.
    like = {r.published.key for r in paper.rows if r.like_for_like}
    assert {"yagi2019.heterogeneity_rate", "yagi2019.hr_pfs", "yagi2019.orr.homogeneous",
            "yagi2019.median_os.overall"} <= like
    assert "yagi2019.median_pfs.surgical.homogeneous" not in like
    assert "yagi2019.heterogeneity_rate_range" not in like


def test_another_cutoff_says_the_definitions_differ(demo):
    settings = Settings(rule="pooled", cutoff_pct=50.0)
    frame = literature_comparison(analyze(demo, settings), settings)
    row = _frame_row(frame, "ORR, Homo-HER2 (%)", "Yagi 2019")
    assert row["Definitions"] == ("your settings: pooled ≥ 50 %; paper: every-fragment 100 % — "
                                  "not comparable like for like")
    # The cohort's ORR follows the new grouping; the published one does not move.
    assert row["Published (as printed)"] == "85.2 (66.3–95.8) · 23/27"
    assert row["Your cohort (95 % CI)"] != row["Published (as printed)"]
    # An all-patient value does not depend on the grouping: still like for like.
    overall = _frame_row(frame, "Median PFS, all patients (months)", "Yagi 2019")
    assert overall["Definitions"].startswith("like for like")


def test_pooled_at_100_percent_is_the_papers_definition(demo):
    """At 100 % the pooled mean is 100 exactly when every fragment is, so the groups are the
    paper's and the check must not call it a different definition."""
    pooled = classify(demo, Settings(rule="pooled"))
    every = classify(demo, Settings())
    assert pooled.per_patient["group"].equals(every.per_patient["group"])
    row = _row(compare(analyze(demo, Settings(rule="pooled"))), "yagi2019.orr.homogeneous")
    assert row.like_for_like


def test_filters_ci_level_positivity_and_covariates_are_named(demo):
    settings = Settings(positivity="3+", min_fragments=2, conf_level=0.9, cox_covariates=())
    comparison = compare(analyze(demo, settings))
    aspects = {r.published.key: {d.aspect for d in r.differences} for r in comparison.rows}
    assert aspects["yagi2019.orr.homogeneous"] == {"positivity", "patients", "CI level"}
    assert aspects["yagi2019.median_pfs.overall"] == {"patients", "CI level"}
    assert aspects["yagi2019.orr.overall"] == {"patients"}  # no CI published for it
    assert "adjusted for" in aspects["yagi2019.hr_pfs_adjusted"]
    frame = comparison_frame(comparison)
    assert "Your cohort (90 % CI)" in frame.columns
    text = _frame_row(frame, "ORR, Homo-HER2 (%)", "Yagi 2019")["Definitions"]
    assert text == ("your settings: 3+ only positive, filtered: ≥ 2 fragments, 90 % CI; paper: "
                    "2+/3+ positive, every patient, 95 % CI — not comparable like for like")
    # The adjusted HR without adjustment covariates cannot be computed, and says why.
    assert _frame_row(frame, "HR for PFS, adjusted, Homo-HER2 vs Hetero-HER2", "Yagi 2019")[
        "Your cohort (90 % CI)"] == "not available: no adjustment covariates chosen"


def test_surgical_column_and_secondhand_values_say_where_they_come_from(paper):
    frame = comparison_frame(paper)
    surgical = _frame_row(frame, "Median OS, Homo-HER2 (months)", "Yagi 2019 · Table 4")
    assert surgical["Published (as printed)"] == "NR"
    assert "surgical specimens" in surgical["Definitions"]
    assert surgical["Definitions"].endswith("not comparable like for like")
    ahn = _frame_row(frame, "Heterogeneity rate (%)", "Ahn 2015")
    assert ahn["Source"].startswith("Ahn 2015, as reported in Yagi 2019")
    assert ahn["Published (as printed)"] == "61.5"
    spread = _frame_row(frame, "Heterogeneity rate (%)", "Yagi 2019 · Discussion, citing")
    assert spread["Published (as printed)"] == "39.0–75.4 (range over studies)"
    assert "definitions vary across studies" in spread["Definitions"]
    definitions = definitions_frame(paper)
    assert definitions["Source"].iloc[0] == "Your settings"
    assert definitions.set_index("Cutoff")["Rule"].to_dict()["79 %"] == "weighted-pooled"


# --- degenerate cohorts ------------------------------------------------------------------

def _small_cohort(drop: tuple[str, ...] = ()):
    cohort, report = load_cohort(csv_pair(canonical_patients().drop(columns=list(drop)),
                                          canonical_fragments()))
    assert cohort is not None, report
    return cohort


@pytest.mark.parametrize(("settings", "drop", "key", "reason"), [
    pytest.param(Settings(cutoff_pct=0.0), (), "yagi2019.hr_pfs",
                 "the heterogeneous group is empty under these settings, so the two groups "
                 "cannot be compared", id="one-group-empty"),
    pytest.param(Settings(), ("best_response", "best_pct_change"), "yagi2019.orr.homogeneous",
                 "the cohort has no best_response column", id="no-response-column"),
    pytest.param(Settings(min_fragments=8), (), "yagi2019.heterogeneity_rate",
                 "no patients are included under these settings", id="nobody-included"),
])
def test_degenerate_rows_say_why(settings, drop, key, reason):
    comparison = compare(analyze(_small_cohort(drop), settings))
    row = _row(comparison, key)
    assert row.cohort == lit.Unavailable(reason)
    frame = comparison_frame(comparison)
    assert f"not available: {reason}" in frame.iloc[:, 1].tolist()
    panel_of = {"yagi2019.hr_pfs": "ratios", "yagi2019.orr.homogeneous": "rates",
                "yagi2019.heterogeneity_rate": "rates"}
    for panel in ("rates", "ratios", "medians"):  # every panel still draws
        fig = literature_figure(comparison, panel)
        if panel == panel_of[key]:
            assert f"not available: {reason}" in [a.hovertext for a in fig.layout.annotations]


def test_all_homogeneous_gives_a_zero_rate_not_a_missing_one():
    comparison = compare(analyze(_small_cohort(), Settings(cutoff_pct=0.0)))
    value = _row(comparison, "yagi2019.heterogeneity_rate").cohort
    assert (value.successes, value.n, value.estimate, value.interval.low) == (0, 6, 0.0, 0.0)


# --- the figure --------------------------------------------------------------------------

def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_rates_figure_draws_the_cohort_apart_from_the_published(paper):
    fig = literature_figure(paper, "rates")
    cohort = _trace(fig, COHORT_NAME)
    assert cohort.marker.color == COHORT_COLOUR
    rate = _row(paper, "yagi2019.heterogeneity_rate")
    # One cohort point per quantity block (not repeated per published value).
    assert cohort.x[0] == rate.cohort.estimate
    assert len(cohort.x) == 5  # heterogeneity rate; ORR homo, hetero, all; DCR
    published = _trace(fig, PUBLISHED_NAME)
    assert list(published.x[:2]) == [60.9, 61.5]
    assert list(_trace(fig, RANGE_NAME).x) == [39.0, 75.4, None, 47.0, 82.1, None]
    labels = list(fig.layout.yaxis.ticktext)
    assert sum("your cohort" in t for t in labels) == 5
    assert "Ahn 2015 (via Yagi 2019)" in labels and "refs 19–23 of Yagi 2019 (range)" in labels
    assert "85.2 (66.3–95.8)" in [a.text for a in fig.layout.annotations]


def test_ratio_figure_is_on_a_log_axis_with_a_line_at_1(paper):
    fig = literature_figure(paper, "ratios")
    assert fig.layout.xaxis.type == "log"
    assert [s.x0 for s in fig.layout.shapes if s.type == "line"] == [1]
    assert list(_trace(fig, PUBLISHED_NAME).x) == [0.469, 0.352, 0.43, 0.36, 4.06]


def test_median_figure_marks_bounds_and_medians_not_reached(paper):
    fig = literature_figure(paper, "medians")
    arrows = [t for t in fig.data if t.marker and t.marker.symbol == "triangle-right"]
    assert len(arrows) == 1 and arrows[0].x[0] == pytest.approx(fig.layout.xaxis.range[1])
    assert any(a.text == "not reached ▸" for a in fig.layout.annotations)
    assert 20.0 in list(_trace(fig, PUBLISHED_NAME).x)  # the surgical Homo-HER2 mPFS


# --- the command line --------------------------------------------------------------------

def test_cli_prints_the_comparison_as_json(demo, paper, capsys):
    from her2dash.cli import main

    assert main(["literature", "--demo"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["comparison"] == comparison_frame(paper).to_dict(orient="records")
    assert out["literature"]["rows"][0]["published"]["citation"]["doi"] == YAGI_2019.doi
    assert out["citations"][0] == citation_text(YAGI_2019)
    assert main(["literature"]) == 0  # no cohort: the published values alone
    alone = json.loads(capsys.readouterr().out)
    assert len(alone["published"]) == len(PUBLISHED) and "comparison" not in alone
    assert main(["literature", "--demo", "--rule", "pooled", "--cutoff", "50",
                 "--conf-level", "0.9"]) == 0
    settings = json.loads(capsys.readouterr().out)["settings"]
    assert (settings["rule"], settings["cutoff_pct"], settings["conf_level"]) == (
        "pooled", 50.0, 0.9)


def test_json_of_a_comparison_is_plain(paper):
    from her2dash.results import to_jsonable

    rows = json.loads(json.dumps(to_jsonable(paper), allow_nan=False))["rows"]
    by_key = {r["published"]["key"]: r for r in rows}
    # "Not reached" is null in JSON, as in the results; an unavailable estimate says why.
    assert by_key["yagi2019.median_os.homogeneous"]["published"]["interval"]["high"] is None
    assert by_key["yagi2019.median_os.surgical.homogeneous"]["published"]["estimate"] is None
    assert by_key["yagi2019.orr.homogeneous"]["cohort"]["successes"] == 23
